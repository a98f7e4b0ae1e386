"""The reviewer's admin: their own reviews only, the scoring page, their conflicts of interest.

Every object comes through review.selectors.review_for_reviewer: another reviewer's review
answers 404 exactly like a missing one, whatever the URL (change, history, delete)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from .. import scoring, selectors, services
from ..forms import ConflictForm
from ..models import AssignedReview, ConflictOfInterest, Review
from .base import HistoryAdmin


def _state_badge(review):
    return format_html('<span class="review-state review-state--{}">{}</span>', review.state,
                       review.get_state_display())


@admin.register(AssignedReview)
class AssignedReviewAdmin(admin.ModelAdmin):
    list_display = ["receipt_number", "lab_name", "organisation", "selection_round", "state_badge", "due",
                    "submitted_at"]
    list_display_links = ["receipt_number", "lab_name"]
    list_filter = ["state"]
    ordering = ["due_at", "application__receipt_seq", "pk"]
    show_full_result_count = False
    list_per_page = 100
    actions = None
    search_fields = []

    class Media:
        # The review pages' styles, on the list too: its breadcrumbs' links are underlined, not
        # told from the text by colour alone (axe link-in-text-block).
        css = {"all": ["css/review.css"]}

    # --- who may see it: reviewers, their own only ------------------------------------------

    def _is_reviewer(self, request):
        return selectors.is_reviewer(request.user)

    def has_module_permission(self, request):
        return self._is_reviewer(request)

    def has_view_permission(self, request, obj=None):
        if not self._is_reviewer(request):
            return False
        return obj is None or obj.reviewer_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return selectors.reviews_of_reviewer(request.user)

    def history_view(self, request, object_id, extra_context=None):
        raise Http404

    # --- the list --------------------------------------------------------------------------

    @admin.display(description="受付番号", ordering="application__receipt_seq")
    def receipt_number(self, review):
        return review.application.receipt_number or "—"

    @admin.display(description="ラボの名称")
    def lab_name(self, review):
        return review.application.basic.lab_name or "（名称未入力）"

    @admin.display(description="申請主体")
    def organisation(self, review):
        return review.application.organisation.name

    @admin.display(description="公募回")
    def selection_round(self, review):
        return review.application.selection_round

    @admin.display(description="状態", ordering="state")
    def state_badge(self, review):
        if getattr(review, "resubmitted", False):
            return format_html('{}<br><small class="review-outdated">再提出あり（変更点を確認してください）</small>',
                               _state_badge(review))
        return _state_badge(review)

    @admin.display(description="審査期限", ordering="due_at")
    def due(self, review):
        from labportal.templatetags.jp_dates import jp_datetime, jp_remaining

        if review.state == Review.State.SUBMITTED:
            return jp_datetime(review.due_at)
        return format_html("{}<br><small>{}</small>", jp_datetime(review.due_at), jp_remaining(review.due_at))

    # --- the scoring page ------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The scoring page: review.scoring does the work; the admin gives it the reviewer's own
        review and its frame (header, breadcrumbs)."""
        if not self._is_reviewer(request):
            raise PermissionDenied
        review = selectors.review_for_reviewer(request.user, object_id)
        frame = {**self.admin_site.each_context(request), "opts": self.model._meta}
        return scoring.scoring_page(request, review, request.user, frame=frame)


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(HistoryAdmin):
    """Staff see and record every reviewer's conflicts; a reviewer declares and sees their own."""

    form = ConflictForm
    list_display = ["reviewer", "target_display", "reason", "declared_at", "declared_by"]
    list_select_related = ["reviewer", "region__prefecture", "organisation", "declared_by"]
    search_fields = ["reviewer__email", "reviewer__last_name", "region__name", "organisation__name"]

    @admin.display(description="対象")
    def target_display(self, conflict):
        return conflict.target

    def _manages(self, request):
        return selectors.manages_reviews(request.user)

    def has_module_permission(self, request):
        return self._manages(request) or selectors.is_reviewer(request.user)

    def has_view_permission(self, request, obj=None):
        if self._manages(request):
            return True
        return selectors.is_reviewer(request.user) and (obj is None or obj.reviewer_id == request.user.pk)

    def has_add_permission(self, request):
        return self._manages(request) or selectors.is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        return self._manages(request)

    def has_delete_permission(self, request, obj=None):
        # A conflict that took scores out of a ranking stays: its scores come back only through
        # 集計から除外した審査 with a reason (review.services.review_exclusion_lift).
        return self._manages(request) and not (obj is not None and obj.exclusions.exists())

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, through the service
        return actions

    def delete_model(self, request, obj):
        services.conflict_delete(conflict=obj, by=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and self._manages(request) and obj.exclusions.exists():
            self.message_user(request, "この利害関係により集計から除外した審査があるため削除できません。評点を集計に戻す場合は"
                                       "「集計から除外した審査」で理由を記録して戻してください。", messages.ERROR)
            return redirect("admin:review_conflictofinterest_change", obj.pk)
        return super().delete_view(request, object_id, extra_context)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if self._manages(request) else queryset.filter(reviewer=request.user)

    def get_autocomplete_fields(self, request):
        # Reviewers have no right to the register's admin, where autocompletion asks.
        return ["region"] if self._manages(request) else []

    def get_list_filter(self, request):
        return ["reviewer"] if self._manages(request) else []

    def get_fields(self, request, obj=None):
        fields = ["reviewer", "region", "organisation", "reason"]
        return fields if self._manages(request) else fields[1:]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "reviewer" in form.base_fields:
            form.base_fields["reviewer"].queryset = selectors.reviewers()
        if not self._manages(request):
            class OwnConflictForm(form):
                def clean(inner):
                    inner.instance.reviewer = request.user
                    return super().clean()
            return OwnConflictForm
        return form

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            obj.save()
            return
        reviewer = obj.reviewer if self._manages(request) else request.user
        conflict, withdrawn = services.conflict_declare(
            reviewer=reviewer, by=request.user, region=obj.region, organisation=obj.organisation,
            reason=obj.reason)
        obj.pk = conflict.pk
        if withdrawn:
            messages.warning(request, f"この利害関係に当たる審査{len(withdrawn)}件を辞退扱いにしました"
                                      "（事務局が別の審査員を割り当てます）。")

    def response_add(self, request, obj, post_url_continue=None):
        return redirect(reverse("admin:review_conflictofinterest_changelist"))
