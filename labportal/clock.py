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

Most sweeps find nothing due, so a handler should also say cheaply when it has work: `due`, a
function of `now` returning the querysets of which any row means work (or none when nothing
can be due). The sweep asks every handler's querysets in one SELECT of EXISTS, and opens a
transaction only for the handlers with work: a sweep with nothing due takes and releases the
lock, reads what the checks need (the transition policy in force) and makes that one SELECT.

    @deadline_handler("review.assignment_overdue", due=lambda now: [
        Assignment.objects.filter(due_at__lte=now, submitted_at__isnull=True)
        .exclude(pk__in=acted_on("review.assignment_overdue", "overdue"))])

The querysets must find a row whenever the handler would act (more is only slower: the
handler then finds nothing); a handler without `due` runs at every sweep. After a handler has
run, the later handlers are asked again, since its work may have made theirs due (a round
closed, then its applications go under review) in the same sweep, as before.
"""

import logging
import uuid
from collections.abc import Callable, Hashable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from .models import ClockEvent, ClockLock

logger = logging.getLogger(__name__)

Handler = Callable[[datetime], int]
# What makes a handler due at `now`: querysets of which any row means work; None or [] when
# nothing can be due (e.g. no reminder offsets configured).
DueCheck = Callable[[datetime], "QuerySet | Iterable[QuerySet] | None"]
SWEEP_LOCK = "sweep"

_handlers: dict[str, Handler] = {}
# Keyed by the handler function, so that a registry swapped in a test keeps the real
# handlers' checks and a stand-in handler under a real name has none.
_due_checks: dict[Handler, DueCheck] = {}
_check_memo: ContextVar[dict | None] = ContextVar("clock_check_memo", default=None)


def register(name: str, handler: Handler, *, due: DueCheck | None = None) -> Handler:
    """Register `handler` under `name` (e.g. "review.assignment_overdue"); returns it.

    With `due`, the sweep runs the handler only when one of the querysets `due(now)` returns
    has a row (see the module's docstring). Registering the same function again (a module
    imported twice, autoreload) is harmless; another function under a taken name is an error.
    """
    existing = _handlers.get(name)
    if existing is not None and _qualified(existing) != _qualified(handler):
        raise ImproperlyConfigured(f"期限処理「{name}」は既に {_qualified(existing)} で登録されています。")
    _handlers[name] = handler
    if due is not None:
        _due_checks[handler] = due
    return handler


def deadline_handler(name: str, *, due: DueCheck | None = None) -> Callable[[Handler], Handler]:
    """Decorator form of `register`."""
    return lambda handler: register(name, handler, due=due)


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
    its transaction rolled back, and the others still run. A handler whose `due` finds nothing
    is not run and reports 0, in one SELECT for all of them.
    """
    now = now or timezone.now()
    holder = uuid.uuid4().hex
    if not _acquire(holder):
        logger.info("別の巡回が実行中のため、今回の期限処理の巡回は見送ります")
        return None
    report = SweepReport(now=now)
    try:
        handlers = list(_handlers.items())
        due, changed = None, False  # the names last found due; whether a handler ran since
        for position, (name, handler) in enumerate(handlers):
            # A handler found due runs (as every handler did before the checks); one found
            # idle is asked again only if a handler's work since may have made it due.
            if due is None or (changed and name not in due):
                due, changed = _due_handlers(handlers[position:], now), False
            if name not in due:
                report.acted[name] = 0
                continue
            try:
                with transaction.atomic():
                    report.acted[name] = handler(now)
            except Exception as exc:  # noqa: BLE001 - one handler must not stop the others
                logger.exception("期限処理「%s」でエラーが発生しました", name)
                report.failed[name] = f"{type(exc).__name__}: {exc}"[:500]
            else:
                changed = True
    finally:
        _release(holder, report)
    return report


def _due_handlers(handlers: list[tuple[str, Handler]], now: datetime) -> set[str]:
    """The names among `handlers` that may have work at `now`: one SELECT of EXISTS for all.

    A handler without a check, or whose check cannot be asked, counts as due (it then runs
    and fails or finds nothing, as it would have without the check).
    """
    memo = _check_memo.set({})
    try:
        return _ask_due(handlers, now)
    finally:
        _check_memo.reset(memo)


def shared_by_checks(key: Hashable, compute: Callable[[], object]):
    """`compute()`, once for all the `due` checks of one sweep's SELECT that ask for `key`
    (e.g. the policy in force, which two handlers' checks read); computed anew outside them."""
    memo = _check_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _ask_due(handlers: list[tuple[str, Handler]], now: datetime) -> set[str]:
    due, checks = set(), {}
    for name, handler in handlers:
        check = _due_checks.get(handler)
        if check is None:
            due.add(name)
            continue
        try:
            querysets = check(now)
            querysets = [querysets] if isinstance(querysets, QuerySet) else list(querysets or ())
        except Exception:  # noqa: BLE001 - the handler itself will say what is wrong
            logger.exception("期限処理「%s」の期限の確認でエラーが発生しました", name)
            due.add(name)
            continue
        for queryset in querysets:
            checks[f"due_{len(checks)}"] = (name, queryset)
    if not checks:
        return due
    try:
        # In autocommit (the beat's task, the command): no transaction of its own.
        found = (ClockLock.objects.filter(name=SWEEP_LOCK)
                 .annotate(**{key: Exists(queryset) for key, (_, queryset) in checks.items()})
                 .values_list(*checks).first())
    except DatabaseError:
        if connection.in_atomic_block:  # a caller's transaction, now aborted: nothing can run
            raise
        logger.exception("期限処理の期限の確認でエラーが発生しました（すべての処理を実行します）")
        found = None
    if found is None:  # the lock row vanished (a flush): run them all, as without checks
        return due | {name for name, _ in checks.values()}
    return due | {name for (name, _), hit in zip(checks.values(), found, strict=True) if hit}


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
