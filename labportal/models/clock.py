"""The clock's own rows: the lock that keeps sweeps apart, and the record of what it did."""

from django.db import models
from django.utils import timezone


class ClockLock(models.Model):
    """A lease on the sweep: whoever set `locked_until` in the future holds it until then.

    A lease rather than a row lock held in a transaction: no transaction stays open for the
    whole sweep, it works the same on PostgreSQL and SQLite, and a sweep killed half-way frees
    it by expiry (the lease lasts as long as the sweep task's hard time limit).
    """

    name = models.CharField("名前", max_length=40, primary_key=True)
    holder = models.CharField("保持者", max_length=64, blank=True)
    locked_until = models.DateTimeField("ロックの期限", null=True, blank=True)
    last_started_at = models.DateTimeField("最後の巡回開始", null=True, blank=True)
    last_finished_at = models.DateTimeField("最後の巡回終了", null=True, blank=True)
    last_report = models.JSONField("最後の巡回結果", default=dict, blank=True)

    class Meta:
        verbose_name = "期限処理の巡回"
        verbose_name_plural = "期限処理の巡回"

    def __str__(self):
        return self.name


class ClockEvent(models.Model):
    """That a deadline handler acted on one object for one reason: at most one row each.

    The unique (handler, kind, object_id) is what makes a second, overlapping or late sweep do
    nothing more; the rows are also the log staff read to see what the clock did and when.
    """

    handler = models.CharField("期限処理", max_length=64)
    kind = models.CharField("種類", max_length=64)
    object_id = models.PositiveBigIntegerField("対象のID")
    due_at = models.DateTimeField("期限", null=True, blank=True)
    acted_at = models.DateTimeField("処理日時", default=timezone.now)
    note = models.CharField("備考", max_length=200, blank=True)

    class Meta:
        verbose_name = "期限処理の記録"
        verbose_name_plural = "期限処理の記録"
        ordering = ["-acted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["handler", "kind", "object_id"], name="clock_event_once"),
        ]
        indexes = [models.Index(fields=["handler", "object_id"], name="clock_event_handler_object")]

    def __str__(self):
        return f"{self.handler} {self.kind} #{self.object_id}"
