"""The history of every state machine that has no events table of its own (issue 15, 18)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from labportal.state_machine import Actor


class StateChange(models.Model):
    """One move of one row's state: who (actor and user), when, from, to, why. Written by
    labportal.state_machine.record from the services, and nowhere else; never edited."""

    content_type = models.ForeignKey(ContentType, verbose_name="対象の種類", on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField("対象のID")
    target = GenericForeignKey("content_type", "object_id")
    machine = models.CharField("状態の種類", max_length=40)
    from_state = models.CharField("変更前", max_length=20, blank=True)
    to_state = models.CharField("変更後", max_length=20)
    action = models.CharField("操作", max_length=100, blank=True)
    actor = models.CharField("操作者の区分", max_length=20, choices=Actor.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作者", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField("理由", blank=True)
    created_at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        verbose_name = "状態の変更履歴"
        verbose_name_plural = "状態の変更履歴"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"],
                                name="state_change_target")]

    def __str__(self):
        return f"{self.machine} {self.object_id}: {self.from_state} → {self.to_state}"
