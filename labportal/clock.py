"""The clock: one periodic sweep calls every registered deadline handler.

Deadlines are data on their rows (a round's closes_at, a review's due date...); nothing waits
days in the broker. An app registers its handlers in its AppConfig.ready():

    from labportal.clock import deadline_handler, acted_on, record_actions

    @deadline_handler("review.assignment_overdue")
    def remind_overdue_reviews(now):
        due = Assignment.objects.filter(due_at__lte=now, submitted_at__isnull=True)
        due = due.exclude(pk__in=acted_on("review.assignment_overdue", "overdue"))  # or a state
        ...act in bulk (notify_many, bulk updates)...
        record_actions(handler="review.assignment_overdue", kind="overdue",
                       object_ids=[a.pk for a in due], now=now)
        return len(due)

A handler takes the sweep's `now`, returns how many things it acted on, and must be
idempotent: it finds what is due, acts, and records that it acted (a ClockEvent row, unique per
(handler, kind, object), or a state the row leaves for good) in the same transaction, so a
second, overlapping or late sweep does nothing more, and a sweep after downtime does all that
was missed. The sweep runs each handler in its own transaction, so one failing handler rolls
back only its own work (and is tried again at the next sweep). Handlers run in registration
order; keep each to a fixed number of queries (bulk reads and writes).
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import ClockEvent, ClockLock

logger = logging.getLogger(__name__)

Handler = Callable[[datetime], int]
SWEEP_LOCK = "sweep"

_handlers: dict[str, Handler] = {}


def register(name: str, handler: Handler) -> Handler:
    """Register `handler` under `name` (e.g. "review.assignment_overdue"); returns it.

    Registering the same function again (a module imported twice, autoreload) is harmless;
    another function under a taken name is an error.
    """
    existing = _handlers.get(name)
    if existing is not None and _qualified(existing) != _qualified(handler):
        raise ImproperlyConfigured(f"期限処理「{name}」は既に {_qualified(existing)} で登録されています。")
    _handlers[name] = handler
    return handler


def deadline_handler(name: str) -> Callable[[Handler], Handler]:
    """Decorator form of `register`."""
    return lambda handler: register(name, handler)


def unregister(name: str) -> None:
    _handlers.pop(name, None)


def registered_handlers() -> dict[str, Handler]:
    return dict(_handlers)


def _qualified(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


@dataclass
class SweepReport:
    now: datetime
    acted: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"now": self.now.isoformat(), "acted": self.acted, "failed": self.failed}


def sweep(*, now: datetime | None = None) -> SweepReport | None:
    """Run every registered handler once; None when another sweep holds the lock.

    Guarantees: two sweeps never run at once (a lease on the ClockLock row, taken by one
    conditional UPDATE, released at the end or by expiry after CLOCK_LOCK_SECONDS if the sweep
    was killed); every handler sees the same `now`; a failing handler is logged and reported,
    its transaction rolled back, and the others still run.
    """
    now = now or timezone.now()
    holder = uuid.uuid4().hex
    if not _acquire(holder):
        logger.info("別の巡回が実行中のため、今回の期限処理の巡回は見送ります")
        return None
    report = SweepReport(now=now)
    try:
        for name, handler in list(_handlers.items()):
            try:
                with transaction.atomic():
                    report.acted[name] = handler(now)
            except Exception as exc:  # noqa: BLE001 - one handler must not stop the others
                logger.exception("期限処理「%s」でエラーが発生しました", name)
                report.failed[name] = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        _release(holder, report)
    return report


def _acquire(holder: str) -> bool:
    now = timezone.now()
    until = now + timedelta(seconds=settings.CLOCK_LOCK_SECONDS)
    # One statement: on PostgreSQL a concurrent UPDATE waits for ours and then re-checks the
    # condition (and fails); SQLite serialises writers.
    taken = ClockLock.objects.filter(name=SWEEP_LOCK).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    ).update(holder=holder, locked_until=until, last_started_at=now)
    if taken:
        return True
    try:
        with transaction.atomic():  # the very first sweep (or after a flush): no row yet
            ClockLock.objects.create(name=SWEEP_LOCK, holder=holder, locked_until=until,
                                     last_started_at=now)
        return True
    except IntegrityError:
        return False


def _release(holder: str, report: SweepReport) -> None:
    ClockLock.objects.filter(name=SWEEP_LOCK, holder=holder).update(
        locked_until=None, last_finished_at=timezone.now(), last_report=report.as_json())


def record_actions(*, handler: str, kind: str, object_ids: Iterable[int], now: datetime,
                   due_at: datetime | None = None, note: str = "") -> None:
    """Record that `handler` acted on each object for `kind` (one bulk insert; repeats ignored)."""
    record_events([ClockEvent(handler=handler, kind=kind, object_id=pk, due_at=due_at,
                              acted_at=now, note=note) for pk in object_ids])


def record_events(events: Iterable[ClockEvent]) -> None:
    """Save ClockEvent rows built by a handler (one bulk insert; repeats ignored)."""
    events = list(events)
    if events:
        ClockEvent.objects.bulk_create(events, ignore_conflicts=True)


def acted_on(handler: str, kind: str):
    """The ids `handler` has acted on for `kind`: a subquery for `.exclude(pk__in=...)`."""
    return ClockEvent.objects.filter(handler=handler, kind=kind).values("object_id")
