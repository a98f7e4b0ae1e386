"""Criteria sets (審査の視点) in the admin: staff edit them until the first score freezes them;
then everything is read-only and a new version is made by copying."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from labportal.reference_admin import DeleteRefusedMixin

from .. import selectors, services
from ..models import CriteriaSet, Criterion
from .base import HistoryAdmin


class CriterionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.instance.pk and self.has_changed():
            try:
                services.criteria_set_ensure_editable(self.instance.pk)
            except services.CriteriaFrozen as error:
                raise ValidationError(str(error)) from error


class CriterionInline(admin.StackedInline):
    model = Criterion
    formset = CriterionFormSet
    extra = 0
    fields = [("order", "name", "is_bonus"), "description", "points", ("weight", "scale_min", "scale_max"),
              "scale_labels"]

    def _frozen(self, obj):
        return obj is not None and obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._frozen(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)


@admin.register(CriteriaSet)
class CriteriaSetAdmin(DeleteRefusedMixin, HistoryAdmin):
    list_display = ["name", "programme", "version", "criterion_count", "is_published", "frozen"]
    list_filter = ["programme", "is_published"]
    inlines = [CriterionInline]
    actions = ["copy_as_new_version"]
    fields = ["name", "programme", "version", "is_published", "notes", "frozen_at"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).select_related("programme").annotate(criterion_count=Count("criteria"))

    @admin.display(description="視点の数", ordering="criterion_count")
    def criterion_count(self, criteria_set):
        return criteria_set.criterion_count

    @admin.display(description="確定", boolean=True, ordering="frozen_at")
    def frozen(self, criteria_set):
        return criteria_set.is_frozen

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ["programme", "version", "frozen_at"]
        return ["frozen_at"]

    delete_refusal_hint = "採点が始まったか、公募回の審査設定が使っている基準セットです。変える場合は「新しい版として複製」を使ってください。"

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_frozen or obj.round_settings.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and selectors.manages_reviews(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and selectors.manages_reviews(request.user)

    def save_model(self, request, obj, form, change):
        services.criteria_set_save(criteria_set=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        criteria = formset.save(commit=False)
        for criterion in formset.deleted_objects:
            services.criterion_delete(criterion=criterion, by=request.user)
        for criterion in criteria:
            services.criterion_save(criterion=criterion, by=request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_frozen and request.method == "GET":
            messages.info(request, "この基準セットは採点が始まったため確定しています。審査の視点を変えるには、"
                                   "一覧の操作「新しい版として複製」で新しい版を作成してください。")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="新しい版として複製する")
    def copy_as_new_version(self, request, queryset):
        for criteria_set in queryset:
            copy = services.criteria_set_copy(criteria_set=criteria_set, by=request.user)
            self.message_user(request, f"「{copy}」を作成しました。", messages.SUCCESS)
