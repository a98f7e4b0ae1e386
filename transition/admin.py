"""The transition in the admin, for staff: the policy (with its history), the requests of the
labs, the organisations' claims. States never change by editing a field here: decisions are taken
on the staff page of a request (one click from the list), claims by the actions below; every
change goes through transition.services."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from labportal.admin_a11y import LabelledTabularInline
from labportal.reference_admin import DeleteRefusedMixin

from . import services
from .forms import TransitionPolicyForm
from .models import TransitionClaim, TransitionEvent, TransitionPolicy, TransitionRequest


@admin.register(TransitionPolicy)
class TransitionPolicyAdmin(DeleteRefusedMixin, SimpleHistoryAdmin):
    """Policies are versions: one that has taken effect or that a request was filed under is shown
    read-only and never deleted; 「新しい版を作成」 opens the form pre-filled with its values, and
    saving it (with the reason, from a date not in the past) adds the next version."""

    form = TransitionPolicyForm
    list_display = ["name", "effective_from", "in_force", "period", "procedure", "end_state", "offsets",
                    "created_by"]
    list_select_related = ["plan_round__programme", "created_by"]
    history_list_display = ["procedure", "end_state", "period_starts_on", "period_ends_on"]
    actions = ["new_version"]
    fieldsets = (
        (None, {"fields": ("name", "effective_from", "notes")}),
        ("移行期間", {"fields": ("has_transition_period", "iot_call_stops_on", "dx_call_opens_on",
                                "period_starts_on", "period_ends_on")}),
        ("手続きと終了後の扱い", {"fields": ("procedure", "end_state", "plan_round")}),
        ("リマインド", {"fields": ("reminder_offsets_days",)}),
        ("版の記録", {"fields": ("change_reason",)}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets = [(None, {"fields": ("version_status",)}), *fieldsets[:-1],
                         ("版の記録", {"fields": ("change_reason", "supersedes", "created_by", "created_at")})]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["version_status", "supersedes", "created_by", "created_at"]
        return []

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_locked())

    def revert_disabled(self, request, obj=None):
        return True  # a revert would rewrite a version; a change is a new version

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_locked())

    def delete_refusal(self, policy):
        return services.POLICY_LOCKED

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, where the page allows it (not yet in effect)
        return actions

    def delete_model(self, request, obj):
        services.policy_delete(policy=obj, by=request.user)

    @admin.display(description="この版について")
    def version_status(self, policy):
        url = reverse("admin:transition_transitionpolicy_add") + f"?source={policy.pk}"
        if policy.is_locked():
            state = "適用が始まっている（または移行申請が参照している）ため、変更・削除はできません。"
        else:
            state = "まだ適用されていないため、適用開始日時までは変更・削除できます。"
        return format_html('{} <a class="button" href="{}">新しい版を作成</a>', state, url)

    @admin.action(description="選択した方針をもとに新しい版を作成する（1件を選んでください）")
    def new_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "新しい版のもとにする方針を1件だけ選んでください。", messages.ERROR)
            return None
        return HttpResponseRedirect(reverse("admin:transition_transitionpolicy_add")
                                    + f"?source={queryset.get().pk}")

    def get_changeform_initial_data(self, request):
        """A new policy starts as a copy of the one in force (or of the version chosen with
        「新しい版を作成」, ?source=), applied from now: a change made during the period is a
        new row, and the old answer stays on record."""
        initial = super().get_changeform_initial_data(request)
        initial.pop("source", None)
        source = request.GET.get("source", "")
        current = TransitionPolicy.objects.filter(pk=int(source)).first() if source.isdigit() and \
            len(source) < 19 else None
        current = current or TransitionPolicy.objects.in_force()
        if current is not None:
            for name in ("has_transition_period", "iot_call_stops_on", "dx_call_opens_on", "period_starts_on",
                         "period_ends_on", "procedure", "end_state", "plan_round", "reminder_offsets_days"):
                initial.setdefault(name, getattr(current, name + "_id" if name == "plan_round" else name))
            initial.setdefault("name", f"{current.name}（変更）")
        initial.setdefault("effective_from", timezone.now())
        return initial

    def save_model(self, request, obj, form, change):
        services.policy_save(policy=obj, by=request.user)
        if not change and obj.supersedes_id:
            self.message_user(request, f"新しい版を作成しました。{timezone.localtime(obj.effective_from):%Y年%m月%d日 %H:%M}"
                                       "から適用します。前の版はそのまま記録に残ります。", messages.SUCCESS)

    @admin.display(description="現在適用中", boolean=True)
    def in_force(self, policy):
        current = TransitionPolicy.objects.in_force()
        return current is not None and current.pk == policy.pk

    @admin.display(description="移行期間")
    def period(self, policy):
        if not policy.has_transition_period:
            return "設けない"
        return f"{policy.period_starts_on:%Y/%m/%d}〜{policy.period_ends_on:%Y/%m/%d}" \
            if policy.period_starts_on and policy.period_ends_on else "—"

    @admin.display(description="リマインド")
    def offsets(self, policy):
        return "、".join(f"{days}日前" for days in sorted(policy.reminder_offsets, reverse=True)) or "なし"


class TransitionEventInline(LabelledTabularInline):
    model = TransitionEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_state", "to_state", "actor", "user", "message"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


class TransitionClaimInline(LabelledTabularInline):
    model = TransitionClaim
    extra = 0
    can_delete = False
    fields = ["organisation", "state", "message", "claimed_by", "created_at", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TransitionRequest)
class TransitionRequestAdmin(admin.ModelAdmin):
    list_display = ["lab_name", "prefecture", "bureau", "iot_round", "state", "is_public", "organisation",
                    "submitted_at", "decided_at", "staff_page"]
    list_filter = ["state", "procedure", "lab__region__prefecture__bureau", "lab__selection_round__number",
                   "lab__region__kind", "lab__region__prefecture"]
    search_fields = ["lab__name", "organisation__name"]
    list_select_related = ["lab__region__prefecture__bureau", "lab__selection_round", "organisation"]
    readonly_fields = ["lab", "state", "organisation", "application", "changes_statement", "procedure", "policy",
                       "started_at", "submitted_at", "decided_at", "decided_by", "decision_message", "updated_at",
                       "staff_page"]
    fields = ["staff_page", "is_public", *[name for name in readonly_fields if name != "staff_page"]]
    inlines = [TransitionClaimInline, TransitionEventInline]
    actions = ["send_reminder"]

    def has_add_permission(self, request):
        return False  # every IoT lab has its record from the start

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="ラボ", ordering="lab__name")
    def lab_name(self, transition_request):
        return transition_request.lab.name

    @admin.display(description="都道府県", ordering="lab__region__prefecture__code")
    def prefecture(self, transition_request):
        return transition_request.lab.region.prefecture.name

    @admin.display(description="経済産業局", ordering="lab__region__prefecture__bureau__order")
    def bureau(self, transition_request):
        return transition_request.lab.region.prefecture.bureau.name

    @admin.display(description="IoTラボ選定回", ordering="lab__selection_round__number")
    def iot_round(self, transition_request):
        return transition_request.lab.selection_round.label

    @admin.display(description="確認・決定")
    def staff_page(self, transition_request):
        if not transition_request.pk:
            return "—"
        return format_html('<a href="{}">確認・決定の画面を開く</a>',
                           reverse("transition:staff_request", args=[transition_request.pk]))

    @admin.action(description="選んだラボにリマインドを送る（未提出のラボのみ、同じラボには1日1回まで）")
    def send_reminder(self, request, queryset):
        reached = services.reminder_send_now(request_ids=list(queryset.values_list("pk", flat=True)),
                                             by=request.user)
        self.message_user(request, f"{reached}件のラボにリマインドのメールを送りました。"
                                   "（本日送信済み・提出済み・申請主体が未登録のラボには送っていません）",
                          messages.SUCCESS if reached else messages.INFO)


@admin.register(TransitionClaim)
class TransitionClaimAdmin(admin.ModelAdmin):
    list_display = ["lab_name", "organisation", "state", "claimed_by", "created_at", "decided_at"]
    list_filter = ["state"]
    search_fields = ["request__lab__name", "organisation__name"]
    list_select_related = ["request__lab", "organisation", "claimed_by"]
    readonly_fields = ["request", "organisation", "state", "message", "claimed_by", "created_at", "decided_by",
                       "decided_at"]
    actions = ["confirm", "refuse"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="ラボ", ordering="request__lab__name")
    def lab_name(self, claim):
        return claim.request.lab.name

    @admin.action(description="確認済にする（この団体をラボの申請主体として登録し、メールで知らせる）")
    def confirm(self, request, queryset):
        self._decide(request, queryset, confirm=True)

    @admin.action(description="確認できず（団体にメールで知らせる）")
    def refuse(self, request, queryset):
        self._decide(request, queryset, confirm=False)

    def _decide(self, request, queryset, *, confirm):
        done, refused = 0, []
        for claim in queryset.filter(state=TransitionClaim.State.PENDING):
            try:
                services.claim_decide(claim=claim, confirm=confirm, by=request.user)
                done += 1
            except services.TransitionError as error:
                refused.append(f"{claim}: {error}")
        if done:
            self.message_user(request, f"{done}件の申し出を「{'確認済' if confirm else '確認できず'}」にしました。")
        for text in refused:
            self.message_user(request, text, messages.ERROR)
