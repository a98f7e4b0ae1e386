"""Reviews on the clock: reminders before the due date, a notice to staff after it, each once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from labportal import clock
from labportal.models import OutboxMail, SelectionRound
from review import deadlines, services
from review.models import Review

from tests.factories import ReviewerFactory, assign, make_application, make_review_round

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
DUE = datetime.datetime(2026, 3, 2, 17, 0, tzinfo=JST)  # a Monday, just after a month end


def _jst(*args):
    return datetime.datetime(*args, tzinfo=JST)


def _review(state=Review.State.NOT_STARTED, due_at=DUE, selection_round=None, **kwargs):
    selection_round = selection_round or make_review_round()
    return assign(make_application(selection_round, **kwargs), ReviewerFactory(), due_at=due_at, state=state)


def _reminders():
    return list(OutboxMail.objects.filter(event="review_reminder").order_by("pk").values_list("recipients", flat=True))


def test_review_handlers_are_registered_on_the_clock():
    handlers = clock.registered_handlers()
    assert (handlers[deadlines.REMINDER], handlers[deadlines.OVERDUE]) == (
        deadlines.remind_reviewers, deadlines.notify_overdue)


def test_reminder_not_sent_before_the_first_offset():
    _review()
    deadlines.remind_reviewers(DUE - datetime.timedelta(days=3, minutes=1))
    assert _reminders() == []


def test_reminder_sent_three_days_before_across_the_month_end():
    review = _review()
    deadlines.remind_reviewers(_jst(2026, 2, 27, 17, 0))  # three days before, in February
    assert _reminders() == [[review.reviewer.email]]


def test_reminder_sent_once_however_often_the_clock_runs():
    _review()
    for minutes in (0, 2, 4):
        deadlines.remind_reviewers(DUE - datetime.timedelta(days=3) + datetime.timedelta(minutes=minutes))
    assert len(_reminders()) == 1


def test_reminder_sent_again_one_day_before():
    _review()
    deadlines.remind_reviewers(DUE - datetime.timedelta(days=3))
    deadlines.remind_reviewers(DUE - datetime.timedelta(hours=23))
    assert len(_reminders()) == 2


def test_reminder_after_downtime_sends_only_the_nearest():
    _review()
    deadlines.remind_reviewers(DUE - datetime.timedelta(hours=12))
    deadlines.remind_reviewers(DUE - datetime.timedelta(hours=11))
    assert (len(_reminders()), OutboxMail.objects.get(event="review_reminder").context["days_before"]) == (1, 1)


def test_reminder_not_sent_for_a_submitted_review():
    _review(state=Review.State.SUBMITTED)
    deadlines.remind_reviewers(DUE - datetime.timedelta(days=1))
    assert _reminders() == []


def test_reminder_not_sent_for_a_withdrawn_application():
    review = _review()
    Application.objects.filter(pk=review.application_id).update(state=Application.State.WITHDRAWN)
    deadlines.remind_reviewers(DUE - datetime.timedelta(days=1))
    assert _reminders() == []


def test_reminder_starts_again_for_a_new_due_date(staff):
    review = _review()
    deadlines.remind_reviewers(DUE - datetime.timedelta(hours=12))
    new_due = DUE + datetime.timedelta(days=7)
    services.reviews_set_due(reviews=[review], due_at=new_due, by=staff)
    deadlines.remind_reviewers(new_due - datetime.timedelta(hours=12))
    assert len(_reminders()) == 2


def test_reminder_subject_names_the_due_date_in_japanese():
    _review()
    deadlines.remind_reviewers(DUE - datetime.timedelta(days=1))
    assert OutboxMail.objects.get(event="review_reminder").subject == (
        "【地域DX推進ラボ】審査期限が近づいています（2026年3月2日（月）17:00まで）")


def test_overdue_notice_goes_to_staff_once(staff):
    _review()
    deadlines.notify_overdue(DUE + datetime.timedelta(minutes=1))
    deadlines.notify_overdue(DUE + datetime.timedelta(minutes=3))
    assert list(OutboxMail.objects.filter(event="review_overdue").values_list("recipients", flat=True)) == [
        [staff.email]]


def test_overdue_notice_lists_every_newly_overdue_review_of_the_round_in_one_mail(staff):
    selection_round = make_review_round()
    reviews = [_review(selection_round=selection_round) for _ in range(3)]
    deadlines.notify_overdue(DUE + datetime.timedelta(minutes=1))
    mail = OutboxMail.objects.get(event="review_overdue")
    assert (mail.context["count"], [r["receipt_number"] for r in mail.context["reviews"]]) == (
        3, [r.application.receipt_number for r in reviews])


def test_overdue_notice_not_sent_before_the_due_date(staff):
    _review()
    deadlines.notify_overdue(DUE - datetime.timedelta(minutes=1))
    assert OutboxMail.objects.filter(event="review_overdue").count() == 0


def test_overdue_notice_skips_announced_rounds(staff):
    review = _review()
    SelectionRound.objects.filter(pk=review.application.selection_round_id).update(
        state=SelectionRound.State.ANNOUNCED)
    deadlines.notify_overdue(DUE + datetime.timedelta(days=1))
    assert OutboxMail.objects.filter(event="review_overdue").count() == 0


def test_sweep_runs_the_review_handlers_on_the_tokyo_clock():
    _review()
    with time_machine.travel(_jst(2026, 3, 1, 17, 0), tick=False):
        clock.sweep()
    assert len(_reminders()) == 1


def _reminder_queries(count):
    selection_round = make_review_round()
    for _ in range(count):
        _review(selection_round=selection_round)
    with CaptureQueriesContext(connection) as queries:
        deadlines.remind_reviewers(DUE - datetime.timedelta(days=1))
    return len(queries)


def test_reminder_query_count_is_the_same_for_1_and_10_reviews():
    assert _reminder_queries(10) == _reminder_queries(1)


def _overdue_queries(count):
    selection_round = make_review_round()
    for _ in range(count):
        _review(selection_round=selection_round)
    with CaptureQueriesContext(connection) as queries:
        deadlines.notify_overdue(DUE + datetime.timedelta(days=1))
    return len(queries)


def test_overdue_query_count_is_the_same_for_1_and_10_reviews(staff):
    assert _overdue_queries(10) == _overdue_queries(1)
