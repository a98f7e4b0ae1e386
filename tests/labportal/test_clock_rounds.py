"""labportal's deadline handlers: rounds open, remind and close on time, once, and catch up."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from labportal import clock, deadlines
from labportal.deadlines import due_reminder_offsets, round_hooks
from labportal.models import ClockEvent, OutboxMail, Programme, Role, SelectionRound, User
from labportal.services import (
    Actor,
    TransitionNotAllowed,
    selection_round_set_state,
    selection_rounds_transition,
)

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
State = SelectionRound.State
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


def jst(*args):
    return datetime.datetime(*args, tzinfo=JST)


@pytest.fixture(autouse=True)
def labportal_handlers_only(monkeypatch):
    """Only labportal's handlers, with the hooks' defaults before applications exist."""
    monkeypatch.setattr(clock, "_handlers", {name: handler for name, handler in
                                             clock.registered_handlers().items()
                                             if name.startswith("labportal.")})
    monkeypatch.setattr(round_hooks, "reminder_recipients", deadlines.all_applicant_accounts)
    monkeypatch.setattr(round_hooks, "application_counts", lambda rounds: {r.pk: 0 for r in rounds})


@pytest.fixture
def staff():
    user = User.objects.create_user("staff@example.jp", last_name="事務局", first_name="花子")
    user.groups.add(Group.objects.get(name=Role.STAFF))
    return user


@pytest.fixture
def applicants():
    group = Group.objects.get(name=Role.APPLICANT)
    users = [User.objects.create_user(f"{name}@example.jp", last_name=name) for name in ("sapporo", "aizu")]
    for user in users:
        user.groups.add(group)
    User.objects.create_user("inactive@example.jp", is_active=False).groups.add(group)
    return users


def make_round(number=50, *, state=State.OPEN, opens_at=None, closes_at=None) -> SelectionRound:
    return SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=number, state=state,
        opens_at=opens_at or jst(2026, 4, 1, 10, 0), closes_at=closes_at)


def mails(event):
    return list(OutboxMail.objects.filter(event=event).order_by("pk"))


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return clock.sweep()


# --- opening and closing -------------------------------------------------------------------

def test_round_opens_at_its_opening_time_and_staff_are_told(staff):
    selection_round = make_round(state=State.PREPARING, opens_at=jst(2026, 4, 1, 10, 0),
                                 closes_at=jst(2026, 4, 30, 17, 0))
    sweep_at(jst(2026, 4, 1, 9, 59, 59))
    before = SelectionRound.objects.get(pk=selection_round.pk).state
    sweep_at(jst(2026, 4, 1, 10, 0))
    selection_round.refresh_from_db()
    [mail] = mails("round_opened")
    assert (before, selection_round.state, mail.recipients, mail.subject) == (
        State.PREPARING, State.OPEN, ["staff@example.jp"], "【地域DX推進ラボ】第50弾の公募を開始しました")


def test_round_closes_at_its_closing_time_and_staff_learn_the_number_of_applications(staff, monkeypatch):
    monkeypatch.setattr(round_hooks, "application_counts", lambda rounds: {r.pk: 12 for r in rounds})
    selection_round = make_round(closes_at=jst(2026, 4, 30, 17, 0))
    sweep_at(jst(2026, 4, 30, 16, 59, 59))
    before = SelectionRound.objects.get(pk=selection_round.pk).state
    sweep_at(jst(2026, 4, 30, 17, 0))
    selection_round.refresh_from_db()
    [mail] = mails("round_closed")
    assert (before, selection_round.state, mail.subject, "■受け付けた申請：12件" in mail.body) == (
        State.OPEN, State.REVIEWING, "【地域DX推進ラボ】第50弾の公募を締め切りました（申請12件）", True)


def test_repeated_sweeps_open_and_close_once(staff):
    make_round(state=State.PREPARING, opens_at=jst(2026, 4, 1, 10, 0), closes_at=jst(2026, 4, 2, 10, 0))
    for moment in (jst(2026, 4, 1, 10, 0), jst(2026, 4, 1, 10, 2), jst(2026, 4, 2, 10, 0),
                   jst(2026, 4, 2, 10, 2), jst(2026, 4, 3, 10, 0)):
        sweep_at(moment)
    assert (len(mails("round_opened")), len(mails("round_closed")),
            ClockEvent.objects.filter(kind__in=["opened", "closed"]).count()) == (1, 1, 2)


def test_sweep_a_day_after_the_deadline_closes_the_round_once_without_a_late_reminder(staff, applicants):
    selection_round = make_round(closes_at=jst(2026, 4, 30, 17, 0))
    sweep_at(jst(2026, 5, 1, 17, 0))
    sweep_at(jst(2026, 5, 1, 17, 2))
    selection_round.refresh_from_db()
    assert (selection_round.state, len(mails("round_closed")), mails("round_closing_reminder")) == (
        State.REVIEWING, 1, [])


def test_round_whose_whole_call_passed_while_the_clock_was_down_is_not_opened(staff):
    make_round(state=State.PREPARING, opens_at=jst(2026, 4, 1, 10, 0), closes_at=jst(2026, 4, 2, 10, 0))
    sweep_at(jst(2026, 4, 3, 10, 0))
    assert (SelectionRound.objects.get(number=50).state, mails("round_opened")) == (State.PREPARING, [])


# --- reminders -----------------------------------------------------------------------------

def _reminder_days():
    return [(m.recipients[0], m.context["days_before"]) for m in mails("round_closing_reminder")]


def test_reminders_at_7_and_1_days_before_closing_across_a_month_end(applicants):
    """Closing on 1 May 09:00: the 7-day reminder on 24 April, the 1-day one on 30 April."""
    make_round(closes_at=jst(2026, 5, 1, 9, 0))
    seen = []
    for moment in (jst(2026, 4, 24, 8, 59, 59), jst(2026, 4, 24, 9, 0), jst(2026, 4, 24, 9, 2),
                   jst(2026, 4, 30, 8, 59, 59), jst(2026, 4, 30, 9, 0), jst(2026, 4, 30, 23, 59),
                   jst(2026, 5, 1, 9, 0)):
        sweep_at(moment)
        seen.append(sorted({days for _, days in _reminder_days()}))
    assert seen == [[], [7], [7], [7], [1, 7], [1, 7], [1, 7]]


def test_reminder_a_day_before_a_closing_just_after_midnight_falls_on_the_previous_japanese_date(applicants):
    """Closing 1 April 00:30 JST: the 1-day reminder is due 31 March 00:30 JST (30 March in UTC)."""
    make_round(opens_at=jst(2026, 3, 1, 10, 0), closes_at=jst(2026, 4, 1, 0, 30))
    sweep_at(jst(2026, 3, 31, 0, 29, 59))
    before = sorted({days for _, days in _reminder_days()})
    sweep_at(datetime.datetime(2026, 3, 30, 15, 30, tzinfo=datetime.UTC))
    assert (before, sorted({days for _, days in _reminder_days()})) == ([7], [1, 7])


def test_reminder_goes_once_to_every_active_applicant_account(applicants):
    make_round(closes_at=jst(2026, 4, 30, 17, 0))
    sweep_at(jst(2026, 4, 23, 17, 0))
    sweep_at(jst(2026, 4, 23, 17, 2))
    assert _reminder_days() == [("sapporo@example.jp", 7), ("aizu@example.jp", 7)]


def test_reminder_after_downtime_sends_only_the_nearest_and_merges_the_other(applicants):
    selection_round = make_round(closes_at=jst(2026, 4, 30, 17, 0))
    sweep_at(jst(2026, 4, 30, 5, 0))  # the clock was down since before the 7-day reminder
    notes = dict(ClockEvent.objects.filter(object_id=selection_round.pk).values_list("kind", "note"))
    assert (_reminder_days(), notes) == (
        [("sapporo@example.jp", 1), ("aizu@example.jp", 1)],
        {"reminder_1d": "送信しました", "reminder_7d": "締切1日前の通知にまとめました"})


def test_reminder_recipients_are_what_the_hook_selects(applicants, monkeypatch):
    sapporo = applicants[0]
    sapporo.organisation_name = "札幌市"
    monkeypatch.setattr(round_hooks, "reminder_recipients", lambda rounds: {r.pk: [sapporo] for r in rounds})
    make_round(closes_at=jst(2026, 4, 30, 17, 0))
    sweep_at(jst(2026, 4, 23, 17, 0))
    [mail] = mails("round_closing_reminder")
    assert (mail.recipients, mail.body.splitlines()[:2]) == (["sapporo@example.jp"], ["札幌市", "sapporo 様"])


def test_reminder_for_a_round_not_open_is_never_sent(applicants):
    make_round(state=State.PREPARING, opens_at=jst(2026, 4, 25, 10, 0), closes_at=jst(2026, 4, 30, 17, 0))
    sweep_at(jst(2026, 4, 23, 17, 0))
    assert mails("round_closing_reminder") == []


@pytest.mark.parametrize(("now", "expected"), [
    (jst(2026, 4, 23, 16, 59, 59), []),
    (jst(2026, 4, 23, 17, 0), [7]),
    (jst(2026, 4, 29, 17, 0), [1, 7]),
    (jst(2026, 4, 30, 16, 59, 59), [1, 7]),
    (jst(2026, 4, 30, 17, 0), []),  # closed: no reminder any more
])
def test_due_reminder_offsets(now, expected):
    assert due_reminder_offsets(jst(2026, 4, 30, 17, 0), now, [1, 7]) == expected


def test_reminder_offsets_come_from_settings(settings, applicants):
    settings.CLOCK_REMINDER_OFFSETS_DAYS = [3]
    make_round(closes_at=jst(2026, 4, 30, 17, 0))
    sweep_at(jst(2026, 4, 23, 17, 0))
    early = _reminder_days()
    sweep_at(jst(2026, 4, 27, 17, 0))
    assert (early, sorted({days for _, days in _reminder_days()})) == ([], [3])


# --- the one door for a round's state ------------------------------------------------------

def test_clock_may_not_announce_a_round():
    selection_round = make_round(state=State.REVIEWING)
    with pytest.raises(TransitionNotAllowed):
        selection_round_set_state(selection_round=selection_round, state=State.ANNOUNCED, actor=Actor.SYSTEM)
    assert SelectionRound.objects.get(pk=selection_round.pk).state == State.REVIEWING


def test_staff_may_announce_a_round():
    selection_round = make_round(state=State.REVIEWING)
    assert selection_round_set_state(selection_round=selection_round, state=State.ANNOUNCED,
                                     actor=Actor.STAFF) is True


def test_transition_of_a_round_someone_moved_meanwhile_moves_nothing():
    selection_round = make_round(state=State.OPEN)
    SelectionRound.objects.filter(pk=selection_round.pk).update(state=State.REVIEWING)
    assert selection_rounds_transition(rounds=[selection_round], from_state=State.OPEN,
                                       to_state=State.REVIEWING, actor=Actor.SYSTEM) == []


def test_default_application_count_is_zero_before_applications_exist(monkeypatch):
    def no_model(app_label, model_name):
        raise LookupError(model_name)
    monkeypatch.setattr(deadlines.apps, "get_model", no_model)
    selection_round = make_round()
    assert deadlines.applications_received([selection_round]) == {selection_round.pk: 0}


# --- query counts --------------------------------------------------------------------------

# With the savepoint of each handler that has work, the checks of what is due (one SELECT, again
# after the due handlers ran), the lock row created (a first sweep), and one INSERT of history
# (StateChange) per kind of move; for 10 or 1,000 rows.
SWEEP_QUERIES = 42
REMINDER_SWEEP_QUERIES = 16


def _due_rounds(n: int, now: datetime.datetime) -> None:
    programme = Programme.objects.get(code="dx")
    SelectionRound.objects.bulk_create(
        [SelectionRound(programme=programme, number=100 + i, state=State.PREPARING,
                        opens_at=now - MINUTE, closes_at=now + 20 * DAY) for i in range(n)]
        + [SelectionRound(programme=programme, number=2000 + i, state=State.OPEN,
                          opens_at=now - 30 * DAY, closes_at=now - MINUTE) for i in range(n)]
        + [SelectionRound(programme=programme, number=4000 + i, state=State.OPEN,
                          opens_at=now - 30 * DAY, closes_at=now + 6 * DAY) for i in range(n)])


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite splits bulk inserts into batches of 999 parameters")
@pytest.mark.parametrize("n", [10, 1000])
def test_sweep_costs_the_same_queries_for_10_and_1000_due_rounds(n, staff, applicants,
                                                                 django_assert_num_queries):
    now = jst(2026, 4, 1, 12, 0)
    _due_rounds(n, now)
    ContentType.objects.get_for_model(SelectionRound)  # cached for the process, as in a worker
    with time_machine.travel(now, tick=False), django_assert_num_queries(SWEEP_QUERIES):
        report = clock.sweep()
    assert (report.acted, OutboxMail.objects.count()) == (
        {"labportal.round_open": n, "labportal.round_reminder": n, "labportal.round_close": n,
         "labportal.outbox_recover": 0, "labportal.security_log_purge": 0}, 4 * n)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite splits bulk inserts into batches of 999 parameters")
@pytest.mark.parametrize("n", [10, 1000])
def test_reminder_costs_the_same_queries_for_10_and_1000_applicants(n, django_assert_num_queries):
    group = Group.objects.get(name=Role.APPLICANT)
    users = User.objects.bulk_create([User(email=f"applicant{i}@example.jp") for i in range(n)])
    group.user_set.add(*users)
    make_round(closes_at=jst(2026, 4, 30, 17, 0))
    with time_machine.travel(jst(2026, 4, 23, 17, 0), tick=False), django_assert_num_queries(REMINDER_SWEEP_QUERIES):
        clock.sweep()
    assert OutboxMail.objects.filter(event="round_closing_reminder").count() == n
