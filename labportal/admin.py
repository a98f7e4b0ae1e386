"""The register in the admin, for staff (事務局). Reviewers see only what their group grants."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_a11y import LabelledTabularInline
from . import services
from .event_labels import (
    CLOCK_HANDLER_LABELS,
    MAIL_EVENT_LABELS,
    clock_handler_label,
    clock_kind_label,
    mail_event_label,
)
from .models import (
    Bureau,
    ClockEvent,
    ClockLock,
    Lab,
    LoginLock,
    OutboxMail,
    Prefecture,
    Programme,
    Region,
    SecurityEvent,
    SelectionRound,
    StateChange,
    User,
)
from .reference_admin import DeleteRefusedMixin, NeverDeletedAdmin, RetirableAdmin


def view_on_site(request, content_type_id, object_id):
    """The admin's 「サイトで表示」 link, for those who may view the model in the admin. Django's
    own answers anyone with the admin (reviewers too) with a redirect for every existing object,
    so a reviewer could tell which ids of applications they do not review exist; here 404."""
    try:
        content_type = ContentType.objects.get_for_id(int(content_type_id))
    except (ContentType.DoesNotExist, ValueError):
        raise Http404 from None
    if not any(request.user.has_perm(f"{content_type.app_label}.{action}_{content_type.model}")
               for action in ("view", "change")):
        raise Http404
    return shortcut(request, content_type_id, object_id)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "last_name", "first_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "last_name", "first_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("last_name", "first_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",),
                             "fields": ("email", "last_name", "first_name", "password1", "password2")}),)


class PrefectureInline(LabelledTabularInline):
    model = Prefecture
    extra = 0
    fields = ["code", "name"]
    can_delete = False  # the register: prefectures are never deleted


@admin.register(Bureau)
class BureauAdmin(NeverDeletedAdmin):
    list_display = ["name", "short_name", "order"]
    inlines = [PrefectureInline]


@admin.register(Prefecture)
class PrefectureAdmin(NeverDeletedAdmin):
    list_display = ["code", "name", "bureau"]
    list_filter = ["bureau"]
    search_fields = ["name", "code"]
    list_select_related = ["bureau"]


@admin.register(Region)
class RegionAdmin(RetirableAdmin):
    list_display = ["name", "kind", "prefecture", "local_government_code"]
    list_filter = ["kind", "prefecture__bureau", "prefecture"]
    search_fields = ["name", "name_kana", "local_government_code"]
    list_select_related = ["prefecture"]
    autocomplete_fields = ["members"]


@admin.register(Programme)
class ProgrammeAdmin(NeverDeletedAdmin):
    list_display = ["name", "short_name", "code"]


@admin.register(SelectionRound)
class SelectionRoundAdmin(DeleteRefusedMixin, admin.ModelAdmin):
    """Dates are edited here; the state moves only by the clock or these actions (公表 is done
    from the round's review settings), so that every move follows ROUND_MACHINE."""

    list_display = ["__str__", "state", "opens_at", "closes_at", "announced_on", "review_links"]
    list_filter = ["programme", "state"]
    list_select_related = ["programme", "review_settings"]
    date_hierarchy = "closes_at"
    readonly_fields = ["state", "review_links"]
    actions = ["open_now", "close_now", "back_to_preparing"]

    @admin.display(description="審査")
    def review_links(self, selection_round):
        """The round's ranking (and assignment) one click from the round's list and page."""
        from django.urls import reverse

        settings_ = getattr(selection_round, "review_settings", None) if selection_round.pk else None
        if settings_ is None:
            if not selection_round.pk or selection_round.state == SelectionRound.State.ANNOUNCED:
                return "—"
            return format_html('<a href="{}?selection_round={}">審査設定を作成する</a>',
                               reverse("admin:review_roundreviewsettings_add"), selection_round.pk)
        return format_html('<a href="{}">ランキング・決定</a>　<a href="{}">審査員の割当</a>',
                           reverse("admin:review_roundreviewsettings_ranking", args=[settings_.pk]),
                           reverse("admin:review_roundreviewsettings_assign", args=[settings_.pk]))

    def _move(self, request, queryset, from_state, to_state):
        from .services import TransitionNotAllowed, selection_rounds_transition

        try:
            moved = selection_rounds_transition(rounds=list(queryset), from_state=from_state,
                                                to_state=to_state, actor=services.Actor.STAFF,
                                                user=request.user)
        except TransitionNotAllowed as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        skipped = queryset.count() - len(moved)
        self.message_user(request, f"{len(moved)}件の公募回を「{SelectionRound.State(to_state).label}」にしました。"
                          + (f"（{skipped}件は「{SelectionRound.State(from_state).label}」でないため変更していません）"
                             if skipped else ""), messages.SUCCESS if moved else messages.WARNING)

    def has_delete_permission(self, request, obj=None):
        # Only a round made by mistake: still 準備中 and nothing (application, lab, review
        # settings, transition policy) refers to it; any other is kept for the record.
        if obj is not None and (obj.state != SelectionRound.State.PREPARING or obj.applications.exists()
                                or obj.labs.exists() or obj.transition_policies.exists()
                                or hasattr(obj, "review_settings")):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, where the page above allows it
        return actions

    @admin.action(description="選択した公募回の公募を今すぐ開始する（準備中 → 公募中）")
    def open_now(self, request, queryset):
        self._move(request, queryset, SelectionRound.State.PREPARING, SelectionRound.State.OPEN)

    @admin.action(description="選択した公募回を準備中に戻す（公募中 → 準備中）")
    def back_to_preparing(self, request, queryset):
        self._move(request, queryset, SelectionRound.State.OPEN, SelectionRound.State.PREPARING)


@admin.register(Lab)
class LabAdmin(NeverDeletedAdmin):
    list_display = ["name", "programme", "kind", "prefecture", "bureau", "selection_round",
                    "selected_on", "status"]
    list_filter = ["programme", "status", "region__kind", "region__prefecture__bureau",
                   "selection_round__number", "region__prefecture"]
    search_fields = ["name", "implementing_body", "region__name"]
    list_select_related = ["programme", "selection_round__programme", "region__prefecture__bureau"]
    autocomplete_fields = ["region", "predecessor"]
    readonly_fields = ["status", "updated_at"]
    actions = ["confirm_active", "abolish"]

    def get_readonly_fields(self, request, obj=None):
        # A lab's status and lineage change through the transition, the review announcement and
        # the 廃止 action (labportal.services, LAB_MACHINE), never by hand; a new lab is 活動中.
        if obj is not None:
            return [*self.readonly_fields, "predecessor", "transitioned_on"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new lab enters the register through its one door (validation, lineage, history).
        lab = services.lab_create(
            programme=obj.programme, region=obj.region, selection_round=obj.selection_round, name=obj.name,
            implementing_body=obj.implementing_body, selected_on=obj.selected_on, predecessor=obj.predecessor,
            transitioned_on=getattr(obj, "transitioned_on", None), user=request.user, reason="管理画面で登録")
        obj.pk = lab.pk
        obj.refresh_from_db()

    @admin.action(description="選択したラボの活動を確認した（状況未登録 → 活動中）")
    def confirm_active(self, request, queryset):
        changed = services.lab_confirm_active(labs=list(queryset), by=request.user, reason="管理画面で活動を確認")
        skipped = queryset.count() - changed
        self.message_user(request, f"{changed}件のラボを「活動中」にしました。"
                          + (f"（{skipped}件は「状況未登録」でないため変更していません）" if skipped else ""),
                          messages.SUCCESS if changed else messages.WARNING)

    @admin.action(description="選択したラボを廃止にする")
    def abolish(self, request, queryset):
        changed = services.lab_abolish(labs=list(queryset), by=request.user, reason="管理画面で廃止")
        skipped = queryset.count() - changed
        self.message_user(request, f"{changed}件のラボを「廃止」にしました。"
                          + (f"（{skipped}件は廃止にできる状態でないため変更していません）" if skipped else ""),
                          messages.SUCCESS if changed else messages.WARNING)

    @admin.display(description="種別", ordering="region__kind")
    def kind(self, lab):
        return lab.region.get_kind_display()

    @admin.display(description="都道府県", ordering="region__prefecture__code")
    def prefecture(self, lab):
        return lab.region.prefecture.name

    @admin.display(description="経済産業局", ordering="region__prefecture__bureau__order")
    def bureau(self, lab):
        return lab.region.prefecture.bureau.name


# --- The mail outbox and the clock (issue 3): read-only records; staff may resend failed mail.


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by services only: viewable, never added, edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change list keeps the change permission, for actions; a record itself is read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class _LabelledValuesFilter(admin.SimpleListFilter):
    """A filter on a column of internal names (mail events, clock handlers), offered in people's
    words from labportal.event_labels; only the names that occur are listed."""

    labels: dict[str, str] = {}

    def lookups(self, request, model_admin):
        names = model_admin.get_queryset(request).order_by().values_list(self.parameter_name, flat=True).distinct()
        return sorted(((name, self.labels.get(name, name)) for name in names), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset


class MailEventFilter(_LabelledValuesFilter):
    title, parameter_name, labels = "メールの種類", "event", MAIL_EVENT_LABELS


class ClockHandlerFilter(_LabelledValuesFilter):
    title, parameter_name, labels = "期限処理", "handler", CLOCK_HANDLER_LABELS


@admin.register(OutboxMail)
class OutboxMailAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "event_label", "to", "subject", "state", "attempts", "sent_at"]
    list_filter = ["state", MailEventFilter, "created_at", "sent_at"]
    search_fields = ["subject", "dedup_key", "recipient_user__email", "recipient_user__last_name"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fieldsets = [
        (None, {"fields": ["state", "delivery", "event_label", "to", "recipient_user", "full_text"]}),
        ("送信の記録", {"fields": ["attempts", "last_error", "created_at", "claimed_at",
                              "handed_over_at", "sent_at", "next_attempt_at"]}),
        ("識別子と差し込み内容", {"fields": ["dedup_key", "message_id", "context"],
                           "classes": ["collapse"]}),
    ]
    readonly_fields = ["state", "delivery", "event_label", "to", "recipient_user", "full_text", "attempts",
                       "last_error", "created_at", "claimed_at", "handed_over_at", "sent_at",
                       "next_attempt_at", "dedup_key", "message_id", "context"]

    @admin.display(description="メールの種類", ordering="event")
    def event_label(self, mail):
        return mail_event_label(mail.event)

    @admin.display(description="宛先")
    def to(self, mail):
        return ", ".join(mail.recipients)

    @admin.display(description="件名と本文")
    def full_text(self, mail):
        return format_html("件名：{}<br><br>{}", mail.subject, linebreaksbr(mail.body))

    @admin.display(description="送達")
    def delivery(self, mail):
        if mail.delivery_uncertain:
            return "不明（SMTPサーバーへ渡した後に中断。受信者に確認してから再送してください）"
        return {OutboxMail.State.SENT: "送信済み"}.get(mail.state, "未送信")

    @admin.action(description="選択した「失敗」のメールを再送する", permissions=["change"])
    def resend(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        queued = services.outbox_resend(mail_ids=selected)
        if queued:
            self.message_user(request, f"{queued}件のメールを再送します（同じメールとして、もう一度送信を試みます）。",
                              messages.SUCCESS)
        if len(selected) > queued:
            self.message_user(request, f"{len(selected) - queued}件は「失敗」ではないため再送しませんでした。",
                              messages.WARNING)


@admin.register(ClockEvent)
class ClockEventAdmin(_ReadOnlyAdmin):
    list_display = ["acted_at", "handler_label", "kind_label", "object_id", "due_at", "note"]
    list_filter = [ClockHandlerFilter, "acted_at"]
    date_hierarchy = "acted_at"
    readonly_fields = ["handler_label", "kind_label", "object_id", "due_at", "acted_at", "note"]

    @admin.display(description="期限処理", ordering="handler")
    def handler_label(self, event):
        return clock_handler_label(event.handler)

    @admin.display(description="種類", ordering="kind")
    def kind_label(self, event):
        return clock_kind_label(event.kind)


@admin.register(ClockLock)
class ClockLockAdmin(_ReadOnlyAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "locked_until"]
    readonly_fields = ["name", "holder", "locked_until", "last_started_at", "last_finished_at",
                       "last_report"]


# --- Security: the log and the login locks (labportal/security.py, labportal/lockout.py) ------


@admin.register(SecurityEvent)
class SecurityEventAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "kind", "identifier", "ip_address", "request_line", "target"]
    list_filter = ["kind", "created_at"]
    search_fields = ["identifier", "ip_address", "path", "target", "user_agent"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "kind", "user", "identifier", "ip_address", "user_agent", "method",
                       "path", "target"]
    show_full_result_count = False  # the log grows; counting it all on every page is not needed

    @admin.display(description="リクエスト", ordering="path")
    def request_line(self, event):
        return f"{event.method} {event.path}".strip()


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    """Failed sign-ins per address and IP address (django-axes); staff release a lock here."""

    list_display = ["address", "ip", "failures", "last_failure", "locked", "locked_until", "browser"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    actions = ["release"]
    fields = readonly_fields = ["address", "ip", "failures", "last_failure", "locked", "locked_until",
                                "browser"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a release is logged; a bare delete would not be
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return obj is None and super().has_delete_permission(request)

    @admin.display(description="メールアドレス", ordering="username")
    def address(self, attempt):
        return attempt.username

    @admin.display(description="IPアドレス", ordering="ip_address")
    def ip(self, attempt):
        return attempt.ip_address

    @admin.display(description="失敗回数", ordering="failures_since_start")
    def failures(self, attempt):
        return attempt.failures_since_start

    @admin.display(description="最後の失敗", ordering="attempt_time")
    def last_failure(self, attempt):
        return attempt.attempt_time

    @admin.display(description="ロック中", boolean=True)
    def locked(self, attempt):
        return (attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
                and attempt.attempt_time + settings.AXES_COOLOFF_TIME > timezone.now())

    @admin.display(description="ロック解除の予定")
    def locked_until(self, attempt):
        return attempt.attempt_time + settings.AXES_COOLOFF_TIME if self.locked(attempt) else "—"

    @admin.display(description="ブラウザー（User-Agent）")
    def browser(self, attempt):
        return attempt.user_agent

    @admin.action(description="選択したロックを解除する（ログインの失敗回数を消します）", permissions=["delete"])
    def release(self, request, queryset):
        released = services.login_lock_release(attempts=queryset, by=request.user, request=request)
        self.message_user(request, f"{released}件のロックを解除しました。すぐにログインできます。", messages.SUCCESS)


@admin.register(StateChange)
class StateChangeAdmin(_ReadOnlyAdmin):
    """The history of the machines without an events table of their own (公募回, ラボ, 申請主体,
    所属, ラボの申し出): written by labportal.state_machine from the services, read here."""

    list_display = ["created_at", "machine_label", "target_label", "from_label", "action", "to_label",
                    "actor", "user", "reason"]
    list_filter = ["machine", "actor", "created_at"]
    list_select_related = ["user", "content_type"]
    search_fields = ["reason", "user__email", "user__last_name"]
    date_hierarchy = "created_at"
    fields = ["created_at", "machine", "content_type", "object_id", "from_state", "action", "to_state",
              "actor", "user", "reason"]
    readonly_fields = fields

    def _label(self, change, state):
        from .state_machine import MACHINES

        machine = MACHINES.get(change.machine)
        return machine.state_label(state) if machine else state

    @admin.display(description="状態の種類", ordering="machine")
    def machine_label(self, change):
        from .state_machine import MACHINES

        machine = MACHINES.get(change.machine)
        return machine.label if machine else change.machine

    @admin.display(description="対象")
    def target_label(self, change):
        return f"{change.content_type.name} {change.object_id}"

    @admin.display(description="変更前", ordering="from_state")
    def from_label(self, change):
        return self._label(change, change.from_state)

    @admin.display(description="変更後", ordering="to_state")
    def to_label(self, change):
        return self._label(change, change.to_state)


from . import public_admin  # noqa: E402,F401 - registers the public pages' texts (issue 16)
