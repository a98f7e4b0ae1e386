"""Staff's side of a round: hearings with applicants and the decisions announced at 公表."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from applications.models import Application
from labportal.models import Lab


class Decision(models.Model):
    """選定 / 不選定 of one application, with its reason. Pending (未公表) until the round is
    announced; announcing applies it to the application, mails the applicant and, for a
    selection, registers the lab. An announced decision is never changed."""

    class Outcome(models.TextChoices):
        SELECTED = "selected", "選定"
        NOT_SELECTED = "not_selected", "不選定"

    application = models.OneToOneField(Application, verbose_name="申請", on_delete=models.PROTECT,
                                       related_name="decision")
    outcome = models.CharField("決定", max_length=20, choices=Outcome.choices)
    reason = models.TextField("理由（記録用）", help_text="事務局内の記録です。申請者には送りません。")
    message_to_applicant = models.TextField(
        "申請者へのお知らせ（任意）", blank=True,
        help_text="公表時の結果通知メールに記載します（講評など）。審査員の氏名や評点は書かないでください。")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="記録者", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("記録日時", default=timezone.now)
    announced_at = models.DateTimeField("公表日時", null=True, blank=True)
    lab = models.OneToOneField(Lab, verbose_name="登録したラボ", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="decision")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "選定の決定"
        verbose_name_plural = "選定の決定"
        ordering = ["application__selection_round_id", "application__receipt_number", "id"]

    def __str__(self):
        return f"{self.application}: {self.get_outcome_display()}（{self.status_label}）"

    @property
    def is_announced(self) -> bool:
        return self.announced_at is not None

    @property
    def status_label(self) -> str:
        return "公表済" if self.is_announced else "未公表"


class Hearing(models.Model):
    """A hearing (ヒアリング) with an applicant before the decision; the applicant is mailed
    when it is scheduled, changed or cancelled."""

    class Format(models.TextChoices):
        ONLINE = "online", "オンライン"
        ONSITE = "onsite", "対面"

    application = models.ForeignKey(Application, verbose_name="申請", on_delete=models.PROTECT,
                                    related_name="hearings")
    scheduled_at = models.DateTimeField("日時")
    duration_minutes = models.PositiveSmallIntegerField("所要時間（分）", default=60)
    format = models.CharField("形式", max_length=10, choices=Format.choices, default=Format.ONLINE)
    place = models.CharField("場所またはオンライン会議のURL", max_length=500)
    message = models.TextField("申請者へのご案内", blank=True,
                               help_text="ご案内メールに記載します（出席者、準備していただく資料など）。")
    notes = models.TextField("記録（事務局のみ）", blank=True, help_text="申請者には送りません。")
    revision = models.PositiveSmallIntegerField("案内の版", default=1, editable=False)
    cancelled_at = models.DateTimeField("中止日時", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登録者", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ヒアリング"
        verbose_name_plural = "ヒアリング"
        ordering = ["scheduled_at", "id"]

    def __str__(self):
        return f"{self.application} のヒアリング（{timezone.localtime(self.scheduled_at):%Y-%m-%d %H:%M}）"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
