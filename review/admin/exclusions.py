"""Reviews left out of the ranking for a conflict of interest declared after scoring (issue 15):
staff see who left them out, when and why, and may put one back with a reason; nothing is
deleted or edited here."""

from django.contrib import admin, messages

from .. import services
from ..forms import ReasonForm
from ..models import ReviewExclusion
from .base import StaffOnly
from .staff import _render


@admin.register(ReviewExclusion)
class ReviewExclusionAdmin(StaffOnly, admin.ModelAdmin):
    list_display = ["application", "reviewer", "excluded_at", "excluded_by", "reason", "status", "lifted_at",
                    "lifted_by", "lift_reason"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["review__application", "review__reviewer", "excluded_by", "lifted_by"]
    search_fields = ["review__application__receipt_number", "review__reviewer__email", "review__reviewer__last_name"]
    fields = readonly_fields = ["review", "conflict", "reason", "excluded_by", "excluded_at", "lifted_at",
                                "lifted_by", "lift_reason"]
    actions = ["lift"]

    def has_add_permission(self, request):
        return False  # made by review.services.conflict_declare

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)  # the list, for the action

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="申請", ordering="review__application__receipt_seq")
    def application(self, exclusion):
        return exclusion.review.application

    @admin.display(description="審査員")
    def reviewer(self, exclusion):
        return exclusion.review.reviewer.display_name

    @admin.display(description="現在")
    def status(self, exclusion):
        return "集計から除外中" if exclusion.is_active else "集計に戻した"

    @admin.action(description="選択した審査を集計に戻す（理由を記録します）")
    def lift(self, request, queryset):
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            done = 0
            for exclusion in queryset.filter(lifted_at__isnull=True):
                try:
                    services.review_exclusion_lift(exclusion=exclusion, by=request.user,
                                                   reason=form.cleaned_data["reason"])
                    done += 1
                except services.ReviewError as error:
                    self.message_user(request, f"{exclusion}: {error}", messages.ERROR)
            self.message_user(request, f"{done}件の審査を集計に戻しました。", messages.SUCCESS)
            return None
        return _render(self, request, "admin/review/reviewexclusion/lift.html", "集計に戻す", form=form,
                       queryset=queryset)
