"""The clock: its registry, its lock, and a sweep that runs every handler once."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from labportal import clock
from labportal.models import ClockEvent, ClockLock

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers(monkeypatch):
    """An empty registry for the test (the real one comes back afterwards)."""
    registry = {}
    monkeypatch.setattr(clock, "_handlers", registry)
    return registry


def _counting(calls, name, result=1):
    def handler(now):
        calls.append((name, now))
        return result
    handler.__qualname__ = f"handler_{name}"
    return handler


def test_registry_has_labportals_handlers_in_order():
    assert [name for name in clock.registered_handlers() if name.startswith("labportal.")] == [
        "labportal.round_open", "labportal.round_reminder", "labportal.round_close",
        "labportal.outbox_recover", "labportal.security_log_purge"]


def test_register_the_same_function_twice_is_harmless(handlers):
    def handler(now):
        return 0
    clock.register("app.thing", handler)
    clock.register("app.thing", handler)
    assert list(handlers) == ["app.thing"]


def test_register_another_function_under_a_taken_name_is_an_error(handlers):
    clock.register("app.thing", _counting([], "a"))
    with pytest.raises(ImproperlyConfigured):
        clock.register("app.thing", _counting([], "b"))


def test_deadline_handler_decorator_registers(handlers):
    @clock.deadline_handler("app.decorated")
    def decorated(now):
        return 0
    assert handlers == {"app.decorated": decorated}


def test_sweep_runs_every_handler_once_in_order_with_the_same_now(handlers):
    calls = []
    clock.register("app.first", _counting(calls, "first"))
    clock.register("app.second", _counting(calls, "second", result=3))
    now = timezone.now()
    report = clock.sweep(now=now)
    assert (calls, report.acted) == ([("first", now), ("second", now)], {"app.first": 1, "app.second": 3})


def test_sweep_while_another_holds_the_lock_does_nothing(handlers):
    calls = []
    clock.register("app.first", _counting(calls, "first"))
    ClockLock.objects.create(name=clock.SWEEP_LOCK, holder="other",
                             locked_until=timezone.now() + timedelta(minutes=5))
    assert (clock.sweep(), calls) == (None, [])


def test_sweep_takes_over_a_lock_left_by_a_killed_sweep_once_it_expired(handlers):
    calls = []
    clock.register("app.first", _counting(calls, "first"))
    ClockLock.objects.create(name=clock.SWEEP_LOCK, holder="killed",
                             locked_until=timezone.now() - timedelta(seconds=1))
    clock.sweep()
    assert len(calls) == 1


def test_sweep_releases_the_lock_and_records_its_report(handlers):
    clock.register("app.first", _counting([], "first"))
    clock.sweep()
    lock = ClockLock.objects.get()
    assert (lock.locked_until, lock.last_report["acted"], lock.last_finished_at is not None) == (
        None, {"app.first": 1}, True)


def test_sweep_a_failing_handler_rolls_back_its_own_work_and_the_others_still_run(handlers):
    calls = []

    def failing(now):
        clock.record_actions(handler="app.failing", kind="x", object_ids=[1], now=now)
        raise ValueError("壊れた処理")

    clock.register("app.failing", failing)
    clock.register("app.next", _counting(calls, "next"))
    report = clock.sweep()
    assert (report.failed, len(calls), ClockEvent.objects.count(),
            ClockLock.objects.get().locked_until) == (
        {"app.failing": "ValueError: 壊れた処理"}, 1, 0, None)


def test_record_actions_twice_records_once():
    now = timezone.now()
    clock.record_actions(handler="app.h", kind="k", object_ids=[1, 2], now=now)
    clock.record_actions(handler="app.h", kind="k", object_ids=[2, 3], now=now)
    assert sorted(ClockEvent.objects.values_list("object_id", flat=True)) == [1, 2, 3]


def test_acted_on_excludes_what_a_handler_did():
    clock.record_actions(handler="app.h", kind="k", object_ids=[1], now=timezone.now())
    clock.record_actions(handler="app.h", kind="other", object_ids=[2], now=timezone.now())
    assert list(ClockEvent.objects.filter(handler="app.h").exclude(
        object_id__in=clock.acted_on("app.h", "k")).values_list("object_id", flat=True)) == [2]


def test_clock_sweep_command_runs_a_sweep(handlers, capsys):
    from django.core.management import call_command

    clock.register("app.first", _counting([], "first", result=2))
    call_command("clock_sweep")
    assert "app.first: 2件" in capsys.readouterr().out


# --- a sweep with nothing due --------------------------------------------------------------

# Taking the lock, the policy in force (transition's checks), one SELECT of every handler's
# check, releasing the lock: no handler runs, no transaction is opened.
IDLE_SWEEP_QUERIES = 4


def _rows_not_yet_or_no_longer_due(n: int, now) -> None:
    """n rounds opening next month, n open rounds whose reminders went out, n reviews due in 10
    days, n due in 2 days and n overdue whose reminder and notice went out: rows every check
    must look past."""
    from labportal.models import Programme, SelectionRound
    from tests.factories import ReviewerFactory, assign, make_application, make_review_round

    programme = Programme.objects.get(code="dx")
    SelectionRound.objects.bulk_create(
        [SelectionRound(programme=programme, number=300 + i, state=SelectionRound.State.PREPARING,
                        opens_at=now + timedelta(days=30), closes_at=now + timedelta(days=60))
         for i in range(n)]
        + [SelectionRound(programme=programme, number=600 + i, state=SelectionRound.State.OPEN,
                          opens_at=now - timedelta(days=30), closes_at=now + timedelta(hours=6))
           for i in range(n)])
    selection_round = make_review_round()
    reviewer = ReviewerFactory()
    for i in range(n):
        application = make_application(selection_round)
        assign(application, reviewer, due_at=now + timedelta(days=10))
        assign(application, ReviewerFactory(), due_at=now + timedelta(days=2))
        assign(application, ReviewerFactory(), due_at=now - timedelta(days=2))
    clock.sweep(now=now)  # sends the reminders and the overdue notice, once


@pytest.mark.parametrize("n", [1, 30])
def test_sweep_with_nothing_due_costs_the_same_few_queries_for_1_and_30_rows(n, django_assert_num_queries):
    now = timezone.now()
    _rows_not_yet_or_no_longer_due(n, now)
    with django_assert_num_queries(IDLE_SWEEP_QUERIES):
        report = clock.sweep(now=now)
    assert (report.failed, sum(report.acted.values()), list(report.acted)) == (
        {}, 0, list(clock.registered_handlers()))
