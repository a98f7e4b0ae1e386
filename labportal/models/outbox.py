"""The mail outbox: every mail the portal sends is a row first, then a message."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class OutboxMail(models.Model):
    """One mail to one recipient (or a few), rendered when it was queued and sent by a task.

    `dedup_key` is unique: the same event for the same recipient never makes a second row, so
    it never makes a second mail. The state moves 待機 → 送信中 → 送信済, or to 失敗 (after the
    last attempt, on a permanent error, or when a worker died after handing the message to the
    SMTP server so that nobody knows whether it arrived). labportal.services changes it.
    """

    class State(models.TextChoices):
        PENDING = "pending", "待機"
        SENDING = "sending", "送信中"
        SENT = "sent", "送信済"
        FAILED = "failed", "失敗"

    event = models.CharField("イベント", max_length=64,
                             help_text="テンプレート templates/mail/<イベント>.txt の名前です。")
    recipients = models.JSONField("宛先", default=list)
    recipient_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="宛先の利用者",
                                       null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="outbox_mails")
    context = models.JSONField("差し込み内容", default=dict, blank=True, encoder=DjangoJSONEncoder)
    subject = models.CharField("件名", max_length=255)
    body = models.TextField("本文")
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    last_error = models.TextField("直近のエラー", blank=True)
    dedup_key = models.CharField("重複防止キー", max_length=255, unique=True)
    message_id = models.CharField("Message-ID", max_length=255)
    # Which notify call inserted the row: of two racing calls, each learns exactly what it made.
    batch = models.UUIDField("登録の識別子", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    next_attempt_at = models.DateTimeField("次回の送信予定", null=True, blank=True)
    claimed_at = models.DateTimeField("送信開始日時", null=True, blank=True)
    handed_over_at = models.DateTimeField(
        "SMTPサーバーへの引き渡し日時", null=True, blank=True,
        help_text="本文をSMTPサーバーへ渡し始めた時刻（その試行のもの）。")
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "送信メール"
        verbose_name_plural = "送信メール"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_state_next_attempt"),
            models.Index(fields=["state", "claimed_at"], name="outbox_state_claimed"),
            models.Index(fields=["event", "created_at"], name="outbox_event_created"),
        ]

    def __str__(self):
        return f"{self.subject}（{', '.join(self.recipients)}）"

    @property
    def delivery_uncertain(self) -> bool:
        """失敗 after the message was handed over: it may have arrived. Check before resending."""
        return self.state == self.State.FAILED and self.handed_over_at is not None
