"""Attachments (添付書類): stored under MEDIA_ROOT with generated names, served only by a view."""

import uuid

from django.conf import settings
from django.db import models

from .application import Application


def attachment_path(attachment, filename):
    # Never the uploaded name: it may hold anything. The extension comes from the detected type.
    return f"applications/{attachment.application_id}/{uuid.uuid4().hex}.{attachment.extension}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        CONSENT = "consent", "同意書（自治体以外が申請する場合）"
        PLAN = "plan", "計画書・説明資料"
        BUDGET = "budget", "予算・資金計画の資料"
        OTHER = "other", "その他"

    application = models.ForeignKey(Application, verbose_name="申請", on_delete=models.CASCADE,
                                    related_name="attachments")
    kind = models.CharField("書類の種類", max_length=20, choices=Kind.choices, default=Kind.PLAN)
    file = models.FileField("ファイル", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("元のファイル名", max_length=255)
    content_type = models.CharField("ファイル形式", max_length=100)
    extension = models.CharField("拡張子", max_length=10)
    size = models.PositiveBigIntegerField("サイズ（バイト）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登録者", null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "添付書類"
        verbose_name_plural = "添付書類"
        ordering = ["application_id", "uploaded_at", "id"]

    def __str__(self):
        return self.original_name
