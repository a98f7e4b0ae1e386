"""The IoT → DX transition (移行): the policy staff set, and one request per IoT lab.

The study group left three questions open (domain.md §5): whether there is a transition period
and whether IoT labs coexist after it, how long it lasts, and the procedure. They are answered by
a TransitionPolicy row, never by code. Policies are kept: the one in force at a moment is the one
with the latest `effective_from` not after it, so a change made during the period applies from
then on and the old answer stays on record. A policy that has taken effect or that a request was
filed under is never edited or deleted: a change is a new version (a new row with who, when, why
and from when, `supersedes` the one it replaces).

A TransitionRequest exists for every IoT lab of the register from the start (未着手). Its state
changes only through transition.services.request_transition, which checks the table of allowed
moves per actor and logs each move once as a TransitionEvent.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from labportal.models import Lab, SelectionRound

JST = ZoneInfo("Asia/Tokyo")
DEFAULT_REMINDER_OFFSETS = [180, 90, 30, 7]
MIN_PERIOD_YEARS, MAX_PERIOD_YEARS = 1, 5


def default_reminder_offsets():
    return list(DEFAULT_REMINDER_OFFSETS)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def start_of_day(day: datetime.date) -> datetime.datetime:
    """00:00 of `day` in Asia/Tokyo, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=JST)


class TransitionPolicyQuerySet(models.QuerySet):
    def in_force(self, moment=None) -> "TransitionPolicy | None":
        """The policy in force at `moment` (now by default), or None before the first one."""
        moment = moment or timezone.now()
        return self.filter(effective_from__lte=moment).order_by("-effective_from", "-pk").first()


class TransitionPolicy(models.Model):
    """How the IoT labs move to the DX lab: the period, the procedure, what happens at the end."""

    class Procedure(models.TextChoices):
        PLAN_CHANGE = "plan_change", "計画変更手続きの提出のみ"
        RESELECTION = "reselection", "再選定のための審査"

    class EndState(models.TextChoices):
        ABOLISH = "abolished", "廃止"
        COEXIST = "coexisting", "併存"

    name = models.CharField("名称", max_length=100, help_text="例: 地方版IoT推進ラボからの移行方針（令和5年度〜）")
    effective_from = models.DateTimeField(
        "適用開始日時", default=timezone.now, unique=True,
        help_text="この日時からこの方針を適用します。適用開始日時が最も新しい方針（未来のものを除く）が"
                  "現在の方針です。移行期間中に方針を変えると、その時点から新しい方針が適用され、"
                  "既に決定した移行申請はそのままです。")
    has_transition_period = models.BooleanField(
        "移行期間を設ける", default=True,
        help_text="設けない場合、IoTラボの公募停止日に、移行していないラボは下の「移行期間終了後の扱い」"
                  "になります（計画変更による移行は受け付けません）。")
    iot_call_stops_on = models.DateField("地方版IoT推進ラボの公募停止日", null=True, blank=True)
    dx_call_opens_on = models.DateField("地域DX推進ラボの公募開始日", null=True, blank=True)
    period_starts_on = models.DateField("移行期間の開始日", null=True, blank=True)
    period_ends_on = models.DateField("移行期間の終了日", null=True, blank=True,
                                      help_text="この日の終わり（24時）まで移行の手続きを受け付けます。")
    procedure = models.CharField("移行の手続き", max_length=20, choices=Procedure.choices,
                                 default=Procedure.PLAN_CHANGE,
                                 help_text="計画変更手続きの提出のみ: 提出が手続きのすべてで、事務局が受理します"
                                           "（審査・不承認はありません。書類の不備は差し戻せます）。"
                                           "再選定のための審査: 変更計画書を地域DX推進ラボの審査の視点で"
                                           "審査します（専用の公募回で採点）。")
    end_state = models.CharField("移行期間終了後の扱い", max_length=20, choices=EndState.choices,
                                 default=EndState.ABOLISH,
                                 help_text="移行は希望するラボが行います。移行期間の終了後、移行しなかったIoTラボを"
                                           "廃止（選定の効力が終了）とするか、IoTラボのまま併存させるか"
                                           "（資料の事業移行イメージ「IoTラボ 廃止 or 併存」を、ラボごとに当てはめる"
                                           "当ポータルの読み方です）。")
    reminder_offsets_days = models.JSONField(
        "リマインドの時期（終了日の何日前）", default=default_reminder_offsets, blank=True,
        help_text="まだ提出していないラボと事務局に、移行期間の終了日のこの日数前にお知らせします。")
    plan_round = models.ForeignKey(
        SelectionRound, verbose_name="計画変更を受け付ける公募回", null=True, blank=True,
        on_delete=models.PROTECT, related_name="transition_policies",
        help_text="移行の変更計画書（地域DX推進ラボの申請と同じ様式）をまとめる地域DX推進ラボの公募回です。"
                  "再選定のための審査では、この公募回で審査員が採点します。移行したDXラボはこの公募回の"
                  "ラボとして台帳に載ります。")
    notes = models.TextField("備考", blank=True)
    change_reason = models.TextField(
        "変更の理由", blank=True,
        help_text="前の版から何を、なぜ変えるのか。記録として残り、後から変更できません。")
    supersedes = models.ForeignKey("self", verbose_name="前の版", null=True, blank=True, editable=False,
                                   on_delete=models.PROTECT, related_name="superseded_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作成者", null=True, blank=True,
                                   editable=False, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    history = HistoricalRecords(verbose_name="移行方針の変更履歴")
    objects = TransitionPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = "移行方針"
        verbose_name_plural = "移行方針"
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_ends_on__gt=models.F("period_starts_on"))
                | models.Q(period_ends_on__isnull=True) | models.Q(period_starts_on__isnull=True),
                name="transition_policy_end_after_start"),
        ]

    def __str__(self):
        return self.name

    # --- What the dates mean ---------------------------------------------------------------

    @property
    def closes_at(self) -> datetime.datetime | None:
        """The moment the period ends: 24:00 of its last day in Asia/Tokyo. Without a period,
        00:00 of the day the IoT call stops. None when the dates are not set yet."""
        if self.has_transition_period:
            return start_of_day(self.period_ends_on + datetime.timedelta(days=1)) \
                if self.period_ends_on else None
        return start_of_day(self.iot_call_stops_on) if self.iot_call_stops_on else None

    @property
    def opens_at(self) -> datetime.datetime | None:
        if self.has_transition_period and self.period_starts_on:
            return start_of_day(self.period_starts_on)
        return None

    def accepts_requests(self, moment=None) -> bool:
        """Whether organisations may start, edit and submit transition requests at `moment`."""
        moment = moment or timezone.now()
        return bool(self.has_transition_period and self.opens_at and self.closes_at
                    and self.opens_at <= moment < self.closes_at)

    def has_ended(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.closes_at is not None and moment >= self.closes_at

    @property
    def reminder_offsets(self) -> list[int]:
        """The offsets in days, nearest to the end first: [7, 30, 90, 180]."""
        return sorted({int(days) for days in (self.reminder_offsets_days or []) if int(days) > 0})

    def period_length_is_usual(self) -> bool:
        """Whether the period lasts between 1 and 5 years (the study group spoke of 3 to 5)."""
        if not (self.period_starts_on and self.period_ends_on):
            return True
        last_day = self.period_ends_on + datetime.timedelta(days=1)
        return (add_years(self.period_starts_on, MIN_PERIOD_YEARS) <= last_day
                <= add_years(self.period_starts_on, MAX_PERIOD_YEARS))

    def is_locked(self, moment=None) -> bool:
        """A policy that has taken effect (in force, or superseded) or that a request was filed
        under is never rewritten or deleted: a change is a new version (services.policy_save)."""
        moment = moment or timezone.now()
        if self.pk is None:
            return False
        return self.effective_from <= moment or TransitionRequest.objects.filter(policy_id=self.pk).exists()

    def clean(self):
        errors = {}
        if self.has_transition_period:
            if not self.period_starts_on:
                errors["period_starts_on"] = "移行期間の開始日を入力してください。"
            if not self.period_ends_on:
                errors["period_ends_on"] = "移行期間の終了日を入力してください。"
            if self.period_starts_on and self.period_ends_on and self.period_ends_on <= self.period_starts_on:
                errors["period_ends_on"] = "移行期間の終了日は開始日より後の日付にしてください。"
        elif not self.iot_call_stops_on:
            errors["iot_call_stops_on"] = ("移行期間を設けない場合は、地方版IoT推進ラボの公募停止日を"
                                           "入力してください（その日から「移行期間終了後の扱い」になります）。")
        if self.plan_round_id and self.plan_round.programme.code != "dx":
            errors["plan_round"] = "地域DX推進ラボの公募回を選んでください。"
        offsets = self.reminder_offsets_days or []
        if not isinstance(offsets, list) or any(
                not isinstance(days, int) or isinstance(days, bool) or days <= 0 or days > 3650
                for days in offsets):
            errors["reminder_offsets_days"] = "リマインドの時期は1〜3650の整数（日数）で入力してください。"
        if errors:
            raise ValidationError(errors)


class TransitionRequest(models.Model):
    """One IoT lab's move to the DX lab: its changed plan (計画変更) and where it stands."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "未着手"
        DRAFT = "draft", "作成中"
        SUBMITTED = "submitted", "提出済"
        UNDER_REVIEW = "under_review", "再選定の審査中"
        APPROVED = "approved", "移行完了"
        RETURNED = "returned", "差し戻し"
        REJECTED = "rejected", "不承認"
        DECLINED = "declined", "移行しない"
        # The period ended without a move: the lab is in the policy's end state (廃止 or 併存), not
        # overdue — moving is for the labs that wish it (「希望地域は計画変更によりDXラボへ移行」).
        EXPIRED = "expired", "移行期間終了"

    # Nothing submitted yet: what the reminders and the end of the period look for.
    OPEN_STATES = (State.NOT_STARTED, State.DRAFT, State.RETURNED)
    # Waiting for staff: left alone by the end of the period (they were submitted in time).
    PENDING_STATES = (State.SUBMITTED, State.UNDER_REVIEW)
    # The organisation may edit its plan.
    EDITABLE_STATES = (State.DRAFT, State.RETURNED)

    lab = models.OneToOneField(Lab, verbose_name="地方版IoT推進ラボ", on_delete=models.PROTECT,
                               related_name="transition_request")
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.NOT_STARTED)
    organisation = models.ForeignKey(
        "applications.Organisation", verbose_name="ラボの申請主体", null=True, blank=True,
        on_delete=models.PROTECT, related_name="transition_requests",
        help_text="このラボの移行手続きを行う団体。事務局が設定するか、団体からの申し出を事務局が確認します。")
    application = models.OneToOneField(
        "applications.Application", verbose_name="変更計画書", null=True, blank=True,
        on_delete=models.PROTECT, related_name="transition_request",
        help_text="地域DX推進ラボの申請と同じ項目の計画書です。")
    changes_statement = models.TextField(
        "IoTラボの計画からの変更点", blank=True, max_length=20_000,
        help_text="地方版IoT推進ラボとして選定された計画から何を変えるのか（目的・対象とする取組・体制など）。")
    statement_version = models.PositiveIntegerField("変更点の版", default=0)
    procedure = models.CharField("提出時の手続き", max_length=20, choices=TransitionPolicy.Procedure.choices,
                                 blank=True, help_text="提出した時点の移行方針の手続き。決定まで変わりません。")
    policy = models.ForeignKey(TransitionPolicy, verbose_name="提出時の移行方針", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("作成開始日時", null=True, blank=True)
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="決定者", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decision_message = models.TextField("事務局からのメッセージ", blank=True)
    is_public = models.BooleanField(
        "移行状況を公開する", default=False,
        help_text="チェックすると、公開ページ「移行について」の一覧にこのラボの移行の状態を表示します"
                  "（チェックしないラボは「非公開」と表示します）。")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "移行申請"
        verbose_name_plural = "移行申請"
        ordering = ["lab__region__prefecture__code", "lab__selection_round__number", "lab__name"]
        indexes = [models.Index(fields=["state"], name="transition_request_state")]
        permissions = [("view_transition_dashboard", "移行状況ダッシュボードを見る")]

    def __str__(self):
        return f"{self.lab.name} の移行（{self.get_state_display()}）"

    def get_absolute_url(self):
        return reverse("transition:request_detail", args=[self.pk])

    @property
    def is_editable_state(self) -> bool:
        return self.state in self.EDITABLE_STATES

    def clean(self):
        if self.lab_id and self.lab.programme.code != "iot":
            raise ValidationError({"lab": "移行申請は地方版IoT推進ラボにだけ作成できます。"})


class TransitionEvent(models.Model):
    """One move of a request, written by services.request_transition and nowhere else."""

    class Actor(models.TextChoices):
        ORGANISATION = "organisation", "ラボの申請主体"
        STAFF = "staff", "事務局"
        SYSTEM = "system", "システム（期限処理）"

    request = models.ForeignKey(TransitionRequest, verbose_name="移行申請", on_delete=models.CASCADE,
                                related_name="events")
    from_state = models.CharField("変更前", max_length=20, choices=TransitionRequest.State.choices)
    to_state = models.CharField("変更後", max_length=20, choices=TransitionRequest.State.choices)
    actor = models.CharField("操作者の区分", max_length=20, choices=Actor.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作者", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    message = models.TextField("メッセージ", blank=True)
    created_at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        verbose_name = "移行申請の履歴"
        verbose_name_plural = "移行申請の履歴"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["to_state", "created_at"], name="transition_event_to_state")]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class TransitionClaim(models.Model):
    """An organisation's claim that it runs an IoT lab; staff confirm or refuse it."""

    class State(models.TextChoices):
        PENDING = "pending", "事務局確認待ち"
        CONFIRMED = "confirmed", "確認済"
        REFUSED = "refused", "確認できず"

    request = models.ForeignKey(TransitionRequest, verbose_name="移行申請", on_delete=models.CASCADE,
                                related_name="claims")
    organisation = models.ForeignKey("applications.Organisation", verbose_name="申し出た団体",
                                     on_delete=models.CASCADE, related_name="transition_claims")
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.PENDING)
    message = models.TextField("申し出の内容", blank=True, max_length=2000,
                               help_text="ラボとの関係（ラボの事務局である等）を記入してください。")
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申し出た人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("申し出日時", default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="確認者", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        verbose_name = "ラボの申し出"
        verbose_name_plural = "ラボの申し出"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["request", "organisation"],
                                               name="transition_claim_once_per_organisation")]

    def __str__(self):
        return f"{self.organisation} → {self.request.lab.name}（{self.get_state_display()}）"
