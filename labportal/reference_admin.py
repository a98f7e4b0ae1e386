"""The admin of reference data (issue 15): what submitted applications, scores and decisions use
is never deleted; regions, initiatives, quadrants and activities are retired (廃止) instead.

- `DeleteRefusedMixin`: where the admin may not delete an object, its delete page (a bookmark, an
  old link) answers with a Japanese message on the object's page instead of a bare 403.
- `RetirableAdmin`: no delete at all; the actions 廃止 / 廃止を取り消す through
  labportal.services, a 廃止 column and filter.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import services

REFUSAL = ("「{obj}」は削除できません。提出済みの申請・評点・決定などが参照している（または参照しうる）"
           "データは、削除すると過去の記録が変わってしまうためです。")
RETIRE_HINT = "新しい申請で選べないようにするには、一覧で選んで操作「廃止する」を実行してください。"


class DeleteRefusedMixin:
    delete_refusal_hint = ""

    def delete_refusal(self, obj) -> str:
        return REFUSAL.format(obj=obj) + self.delete_refusal_hint

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and not self.has_delete_permission(request, obj):
            if not self.has_change_permission(request):
                raise PermissionDenied  # those who only read (reviewers) get the admin's plain refusal
            self.message_user(request, self.delete_refusal(obj), messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                                args=[obj.pk], current_app=self.admin_site.name))
        return super().delete_view(request, object_id, extra_context)


class NeverDeletedAdmin(DeleteRefusedMixin, admin.ModelAdmin):
    """Reference data with no retirement of its own (bureaus, prefectures, programmes)."""

    def has_delete_permission(self, request, obj=None):
        return False


class RetiredFilter(admin.SimpleListFilter):
    title = "廃止"
    parameter_name = "retired"

    def lookups(self, request, model_admin):
        return [("no", "使用中（新しい申請で選べる）"), ("yes", "廃止済み")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(retired_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(retired_at__isnull=False)
        return queryset


class RetirableAdmin(NeverDeletedAdmin):
    delete_refusal_hint = RETIRE_HINT
    actions = ["retire", "reinstate"]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "retired_label"]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), RetiredFilter]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "retired_at"]

    @admin.display(description="廃止", ordering="retired_at")
    def retired_label(self, obj):
        return "廃止済み" if obj.retired_at else "—"

    @admin.action(description="選択した項目を廃止する（新しい申請では選べなくなり、既に選んだ申請には残ります）",
                  permissions=["change"])
    def retire(self, request, queryset):
        count = services.reference_retire(items=list(queryset), by=request.user)
        self.message_user(request, f"{count}件を廃止しました。新しい申請の選択肢には表示しません。"
                                   "既に選んだ申請には残り、そのまま表示されます。", messages.SUCCESS)

    @admin.action(description="選択した項目の廃止を取り消す（新しい申請でも再び選べるようにする）",
                  permissions=["change"])
    def reinstate(self, request, queryset):
        count = services.reference_reinstate(items=list(queryset), by=request.user)
        self.message_user(request, f"{count}件の廃止を取り消しました。新しい申請でも選べます。", messages.SUCCESS)
