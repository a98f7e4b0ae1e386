"""The clock's transition handlers: reminders at the policy's offsets (once each, in Asia/Tokyo),
the end of the period (once and only once, under both end states), and their query counts."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from labportal import clock
from labportal.models import ClockEvent, Lab, OutboxMail
from transition import deadlines, services
from transition.models import TransitionPolicy, TransitionRequest
from tests.factories import OrganisationFactory, StaffFactory, member_of

from .conftest import fill_plan, iot_lab, jst, make_policy, request_of

pytestmark = pytest.mark.django_db
State = TransitionRequest.State
END = datetime.date(2027, 3, 31)  # the last day of the period: it ends at 2027-04-01 00:00 JST


@pytest.fixture(autouse=True)
def transition_handlers_only(monkeypatch):
    monkeypatch.setattr(clock, "_handlers", {name: handler for name, handler in
                                             clock.registered_handlers().items()
                                             if name.startswith("transition.")})


@pytest.fixture
def period(db):
    return make_policy(starts_on=datetime.date(2024, 4, 1), ends_on=END, effective_from=jst(2024, 1, 1))


@pytest.fixture
def staff(db):
    return StaffFactory(email="staff@example.go.jp")


@pytest.fixture
def linked(period, staff):
    """Two labs run by organisations with one member each; the other 103 have no organisation."""
    result = {}
    with time_machine.travel(jst(2026, 4, 1, 10), tick=False):
        for name, email in (("会津若松市", "aizu@city.example.jp"), ("札幌市", "sapporo@city.example.jp")):
            organisation = OrganisationFactory(name=name)
            member = member_of(organisation, email=email)
            transition_request = services.request_link_organisation(transition_request=request_of(iot_lab(name)),
                                                         organisation=organisation, by=staff)
            result[name] = (transition_request, member)
    return result


def _mails(event):
    return sorted(tuple(m.recipients) for m in OutboxMail.objects.filter(event=event))


def _sweep(now):
    with time_machine.travel(now, tick=False):
        return clock.sweep(now=now)


# --- Reminders ----------------------------------------------------------------------------------

def test_reminder_due_from_midnight_in_tokyo_not_before(linked):
    assert _sweep(jst(2026, 10, 1, 23, 59)).acted["transition.reminders"] == 0  # 180 days before: 10-02
    assert _mails("transition_reminder") == []
    report = _sweep(jst(2026, 10, 2, 0, 0))  # 2026-10-01 15:00 UTC
    assert report.acted["transition.reminders"] == 105
    assert _mails("transition_reminder") == [("aizu@city.example.jp",), ("sapporo@city.example.jp",)]
    assert _mails("transition_reminder_staff") == [("staff@example.go.jp",)]


def test_reminder_at_each_offset_once_each(linked):
    for day in (datetime.date(2026, 10, 2), datetime.date(2027, 1, 1), datetime.date(2027, 3, 1),
                datetime.date(2027, 3, 24)):
        for hour in (0, 9, 18):  # three sweeps a day: one mail
            _sweep(jst(day.year, day.month, day.day, hour))
    kinds = sorted(ClockEvent.objects.filter(handler=deadlines.REMINDERS, object_id=linked["会津若松市"][0].pk)
                   .values_list("kind", flat=True))
    assert kinds == ["reminder:2027-03-31:180d", "reminder:2027-03-31:30d", "reminder:2027-03-31:7d",
                     "reminder:2027-03-31:90d"]
    assert OutboxMail.objects.filter(event="transition_reminder", recipients=["aizu@city.example.jp"]).count() == 4
    assert OutboxMail.objects.filter(event="transition_reminder_staff").count() == 4


def test_reminder_across_a_month_end_comes_on_the_first(linked):
    _sweep(jst(2027, 2, 28, 23, 59))  # catches up on the 90-day reminder only
    assert [m.context["days_before"] for m in OutboxMail.objects.filter(
        event="transition_reminder", recipients=["aizu@city.example.jp"])] == [90]
    _sweep(jst(2027, 3, 1, 0, 0))  # 30 days before 31 March
    assert sorted(m.context["days_before"] for m in OutboxMail.objects.filter(
        event="transition_reminder", recipients=["aizu@city.example.jp"])) == [30, 90]


def test_reminder_after_downtime_sends_only_the_nearest(linked):
    _sweep(jst(2027, 3, 21, 12))  # 180, 90 and 30 days before have all passed: one mail, the 30-day one
    mails = list(OutboxMail.objects.filter(event="transition_reminder", recipients=["aizu@city.example.jp"]))
    assert [(m.context["days_before"], m.context["days_left"]) for m in mails] == [(30, 10)]


def test_reminder_skips_labs_that_have_submitted(linked):
    transition_request, member = linked["会津若松市"]
    with time_machine.travel(jst(2026, 9, 1, 10), tick=False):
        transition_request = fill_plan(services.request_start(transition_request=transition_request, user=member))
        services.request_submit(transition_request=transition_request, user=member)
    _sweep(jst(2026, 10, 2, 9))
    assert _mails("transition_reminder") == [("sapporo@city.example.jp",)]


def test_reminder_staff_notice_lists_the_labs_nobody_can_be_mailed(linked):
    _sweep(jst(2026, 10, 2, 9))
    mail = OutboxMail.objects.get(event="transition_reminder_staff")
    assert mail.context["count"] == 105
    assert len(mail.context["unreachable"]) == 103
    assert "申請主体が登録されていないため" in mail.body
    assert "あと180日" in mail.body


def test_reminder_offsets_follow_a_policy_changed_mid_period(linked):
    _sweep(jst(2026, 10, 2, 9))
    make_policy(starts_on=datetime.date(2024, 4, 1), ends_on=datetime.date(2027, 9, 30),
                effective_from=jst(2026, 10, 3), offsets=[60], name="延長")
    _sweep(jst(2027, 7, 31, 23, 59))  # not yet
    _sweep(jst(2027, 8, 1, 0, 0))  # 60 days before the new end
    days = sorted((m.context["period_ends_on"], m.context["days_before"]) for m in OutboxMail.objects.filter(
        event="transition_reminder", recipients=["aizu@city.example.jp"]))
    assert days == [("2027-03-31", 180), ("2027-09-30", 60)]


# --- The end of the period ---------------------------------------------------------------------

@pytest.fixture
def mixed(linked, staff):
    """At the end: 会津若松市 approved, 札幌市 submitted, 仙台市 declined, 102 others untouched."""
    aizu, aizu_member = linked["会津若松市"]
    sapporo, sapporo_member = linked["札幌市"]
    with time_machine.travel(jst(2026, 6, 1, 10), tick=False):
        aizu = services.request_submit(transition_request=fill_plan(services.request_start(transition_request=aizu, user=aizu_member)),
                                       user=aizu_member)
        services.request_decide(transition_request=aizu, to_state=State.APPROVED, by=staff)
        services.request_submit(transition_request=fill_plan(services.request_start(transition_request=sapporo, user=sapporo_member)),
                                user=sapporo_member)
        services.request_decline(transition_request=request_of(iot_lab("仙台市")), user=staff,
                                 actor=services.Actor.STAFF, message="電話で届出")
    return linked


def _statuses():
    return dict(Lab.objects.filter(programme__code="iot").values_list("name", "status"))


def test_period_end_nothing_happens_a_minute_before(mixed):
    assert _sweep(jst(2027, 3, 31, 23, 59)).acted["transition.period_end"] == 0
    assert TransitionRequest.objects.filter(state=State.EXPIRED).count() == 0


def test_period_end_abolishes_labs_not_moved_once(mixed):
    report = _sweep(jst(2027, 4, 1, 0, 0))
    assert report.acted["transition.period_end"] == 103  # 102 expired + 仙台市 declined
    statuses = _statuses()
    assert statuses["会津若松市"] == Lab.Status.MOVED
    assert statuses["札幌市"] == Lab.Status.TRANSITIONING  # submitted in time: waits for the decision
    assert statuses["仙台市"] == Lab.Status.ABOLISHED
    assert sum(1 for s in statuses.values() if s == Lab.Status.ABOLISHED) == 103
    assert TransitionRequest.objects.filter(state=State.EXPIRED).count() == 102
    assert request_of(iot_lab("仙台市")).state == State.DECLINED
    assert _mails("transition_period_ended_staff") == [("staff@example.go.jp",)]
    summary = OutboxMail.objects.get(event="transition_period_ended_staff")
    assert len(summary.context["expired"]) == 102 and summary.context["pending"] == 1
    events, mails = TransitionEvent_count(), OutboxMail.objects.count()

    again = _sweep(jst(2027, 4, 1, 0, 2))
    assert again.acted["transition.period_end"] == 0
    assert (_statuses(), TransitionEvent_count(), OutboxMail.objects.count()) == (statuses, events, mails)


def TransitionEvent_count():
    from transition.models import TransitionEvent

    return TransitionEvent.objects.count()


def test_period_end_coexist_keeps_them_as_iot_labs(mixed):
    TransitionPolicy.objects.update(end_state=TransitionPolicy.EndState.COEXIST)
    _sweep(jst(2027, 4, 1, 9))
    _sweep(jst(2027, 4, 2, 9))
    statuses = _statuses()
    assert sum(1 for s in statuses.values() if s == Lab.Status.COEXISTING) == 103
    assert not any(s == Lab.Status.ABOLISHED for s in statuses.values())
    assert TransitionRequest.objects.filter(state=State.EXPIRED).count() == 102
    assert OutboxMail.objects.filter(event="transition_period_ended_staff").count() == 1


def test_period_end_mails_the_organisations_of_expired_labs(linked):
    _sweep(jst(2027, 4, 1, 9))
    mail = OutboxMail.objects.get(event="transition_expired", recipients=["aizu@city.example.jp"])
    assert "「廃止」" in mail.subject
    assert OutboxMail.objects.filter(event="transition_expired").count() == 2


def test_period_end_shows_in_the_directory_and_open_data_at_once(linked, client):
    _sweep(jst(2027, 4, 1, 0, 1))
    lab = iot_lab()
    assert "廃止" in client.get(f"/labs/{lab.pk}/").content.decode()
    record = next(r for r in client.get("/opendata/labs.json").json()["labs"] if r["id"] == lab.pk)
    assert (record["status"], record["status_label"]) == ("abolished", "廃止")


def test_period_end_decision_after_the_end_applies_the_end_state(mixed, staff):
    _sweep(jst(2027, 4, 1, 9))
    sapporo = request_of(iot_lab("札幌市"))
    # Only a re-selection can be refused (issue 16): 札幌市's plan was filed under that procedure.
    TransitionRequest.objects.filter(pk=sapporo.pk).update(procedure=TransitionPolicy.Procedure.RESELECTION)
    sapporo.refresh_from_db()
    with time_machine.travel(jst(2027, 4, 10, 10), tick=False):
        services.request_decide(transition_request=sapporo, to_state=State.REJECTED, by=staff, message="要件を満たしません。")
    assert _statuses()["札幌市"] == Lab.Status.ABOLISHED


def test_period_end_postponed_by_a_new_policy_before_it(linked):
    make_policy(starts_on=datetime.date(2024, 4, 1), ends_on=datetime.date(2028, 3, 31),
                effective_from=jst(2027, 3, 1), name="延長")
    _sweep(jst(2027, 4, 1, 9))
    assert TransitionRequest.objects.filter(state=State.EXPIRED).count() == 0
    _sweep(jst(2028, 4, 1, 0, 0))
    assert TransitionRequest.objects.filter(state=State.EXPIRED).count() == 105


def test_period_end_without_a_period_at_the_iot_call_stop(db):
    policy = TransitionPolicy(name="移行期間なし", effective_from=jst(2026, 1, 1), has_transition_period=False,
                              iot_call_stops_on=datetime.date(2026, 4, 1),
                              end_state=TransitionPolicy.EndState.COEXIST)
    services.policy_save(policy=policy)
    _sweep(jst(2026, 3, 31, 23, 59))
    assert TransitionRequest.objects.filter(state=State.EXPIRED).count() == 0
    _sweep(jst(2026, 4, 1, 0, 0))
    assert TransitionRequest.objects.filter(state=State.EXPIRED).count() == 105
    assert Lab.objects.filter(programme__code="iot", status=Lab.Status.COEXISTING).count() == 105


# --- Query counts: the same for 10 labs as for 105 -------------------------------------------------

def _keep_only(count):
    named = [iot_lab(name).pk for name in ("会津若松市", "札幌市", "仙台市")]
    keep = named + list(Lab.objects.filter(programme__code="iot").exclude(pk__in=named).order_by("pk")
                        .values_list("pk", flat=True)[:count - len(named)])
    TransitionRequest.objects.exclude(lab_id__in=keep).delete()
    Lab.objects.filter(programme__code="iot").exclude(pk__in=keep).delete()


def _queries(handler, now):
    with time_machine.travel(now, tick=False), CaptureQueriesContext(connection) as queries:
        handler(now)
    return len(queries)


@pytest.mark.parametrize("labs", [10, 105])
def test_query_count_of_the_reminders_does_not_grow_with_labs(linked, labs):
    if labs < 105:
        _keep_only(labs)
    assert TransitionRequest.objects.count() == labs
    assert _queries(deadlines.send_reminders, jst(2026, 10, 2, 9)) == 9


@pytest.mark.parametrize("labs", [10, 105])
def test_query_count_of_the_end_of_the_period_does_not_grow_with_labs(mixed, labs):
    if labs < 105:
        _keep_only(labs)
    assert TransitionRequest.objects.count() == labs
    # 22: each of the two moves of the labs' status reads the labs it moves (locked) and writes
    # their history (StateChange) in one INSERT, beside its UPDATE.
    assert _queries(deadlines.end_period, jst(2027, 4, 1, 9)) == 22
