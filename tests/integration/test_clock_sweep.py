"""The clock through the real thing: sweeps on a Celery worker, PostgreSQL row locks, SMTP."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from labportal import clock
from labportal.models import OutboxMail, Programme, Role, SelectionRound, User
from labportal.tasks import clock_sweep

from .conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SWEEP = "labportal.tasks.clock_sweep"


@pytest.fixture
def people(register):
    staff = User.objects.create_user("staff@example.jp", last_name="事務局", first_name="花子")
    staff.groups.add(Group.objects.get(name=Role.STAFF))
    applicant = User.objects.create_user("sapporo@example.jp", last_name="札幌", first_name="太郎")
    applicant.groups.add(Group.objects.get(name=Role.APPLICANT))
    return staff, applicant


def _round(closes_at, number=60) -> SelectionRound:
    return SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=number, state=SelectionRound.State.OPEN,
        opens_at=closes_at - timedelta(days=30), closes_at=closes_at)


def _all_mails_final():
    return OutboxMail.objects.exists() and not OutboxMail.objects.exclude(
        state__in=[OutboxMail.State.SENT, OutboxMail.State.FAILED]).exists()


def test_two_sweeps_started_at_once_close_the_round_and_mail_staff_once(smtp, worker, people):
    selection_round = _round(timezone.now() - timedelta(minutes=1))
    worker.start(concurrency=2)
    clock_sweep.delay()
    clock_sweep.delay()
    wait_until(lambda: worker.succeeded(SWEEP) == 2, message="2回の巡回の終了")
    wait_until(_all_mails_final, message="メールの送信")
    selection_round.refresh_from_db()
    [message] = smtp.messages
    assert (selection_round.state, message["To"], message["Subject"].strip()) == (
        SelectionRound.State.REVIEWING, "staff@example.jp", "【地域DX推進ラボ】第60弾の公募を締め切りました（申請0件）")


def test_sweep_a_day_after_the_deadline_closes_the_round_once_and_reminds_nobody(smtp, worker, people):
    selection_round = _round(timezone.now() - timedelta(days=1))
    worker.start()
    clock_sweep.delay()
    wait_until(lambda: worker.succeeded(SWEEP) == 1, message="巡回の終了")
    wait_until(_all_mails_final, message="メールの送信")
    selection_round.refresh_from_db()
    assert (selection_round.state, [m["To"] for m in smtp.messages]) == (
        SelectionRound.State.REVIEWING, ["staff@example.jp"])


def test_beat_sends_the_reminder_and_the_closing_on_its_own(smtp, worker, people):
    """No sweep by hand: beat's sweep reminds about one round and closes another."""
    reminding = _round(timezone.now() + timedelta(hours=12))
    closing = _round(timezone.now() - timedelta(minutes=1), number=61)
    worker.start(beat=True)
    wait_until(lambda: OutboxMail.objects.count() == 2 and _all_mails_final(),
               message=lambda: f"メールの送信: {list(OutboxMail.objects.values_list('event', 'state'))}")
    received = {m["To"]: m["Subject"].strip() for m in smtp.messages}
    assert (len(smtp.messages), received["sapporo@example.jp"].startswith("【地域DX推進ラボ】第60弾の公募締切が近づいています"),
            received["staff@example.jp"], SelectionRound.objects.get(pk=reminding.pk).state,
            SelectionRound.objects.get(pk=closing.pk).state) == (
        2, True, "【地域DX推進ラボ】第61弾の公募を締め切りました（申請0件）", SelectionRound.State.OPEN,
        SelectionRound.State.REVIEWING)


def test_two_sweeps_at_the_same_moment_one_runs_the_other_sees_the_lock(monkeypatch):
    """On PostgreSQL, in this process: while one sweep is inside a handler, the other is refused."""
    inside, other_done = threading.Event(), threading.Event()

    def slow_handler(now):
        inside.set()
        other_done.wait(10)
        return 1

    monkeypatch.setattr(clock, "_handlers", {"test.slow": slow_handler})
    results = {}

    def run(name, wait_for=None):
        try:
            if wait_for is not None:
                wait_for.wait(10)
            results[name] = clock.sweep()
        finally:
            if name == "second":
                other_done.set()
            connection.close()

    first = threading.Thread(target=run, args=("first",))
    second = threading.Thread(target=run, args=("second", inside))
    first.start()
    second.start()
    first.join(30)
    second.join(30)
    assert (results["first"].acted, results["second"]) == ({"test.slow": 1}, None)
