import datetime

import pytest
import time_machine
from django.utils import timezone

from applications import deadlines, services
from applications.models import Application, Membership
from labportal import clock
from labportal.deadlines import close_rounds, remind_before_closing, round_hooks
from labportal.models import OutboxMail, Role, SelectionRound
from tests.factories import OrganisationFactory, UserFactory, member_of

from .conftest import fill_completely

pytestmark = pytest.mark.django_db


def test_hooks_registered_with_labportal_round_handlers():
    assert (round_hooks.reminder_recipients, round_hooks.application_counts) == (
        deadlines.draft_holders_by_round, deadlines.submitted_counts_by_round)


def test_revision_and_review_handlers_registered_on_the_clock():
    handlers = clock.registered_handlers()
    assert (handlers[deadlines.REVISION_REMINDER], handlers[deadlines.START_REVIEW]) == (
        deadlines.remind_revisions, deadlines.start_review)


def test_round_reminder_goes_only_to_members_with_a_draft(application, applicant, selection_round):
    submitted_org = OrganisationFactory(name="提出済み市")
    done = member_of(submitted_org, email="done@city.example.jp")
    other = fill_completely(services.application_create(organisation=submitted_org,
                                                        selection_round=selection_round, user=done))
    services.application_submit(application_id=other.pk, user=done)
    UserFactory(email="bystander@city.example.jp")  # an applicant without any application
    with time_machine.travel(selection_round.closes_at - datetime.timedelta(hours=20), tick=False):
        remind_before_closing(timezone.now())
    mails = OutboxMail.objects.filter(event="round_closing_reminder")
    assert [r for m in mails for r in m.recipients] == [applicant.email]


def test_round_reminder_greets_with_the_organisation(application, applicant, selection_round):
    with time_machine.travel(selection_round.closes_at - datetime.timedelta(hours=20), tick=False):
        remind_before_closing(timezone.now())
    assert OutboxMail.objects.get(event="round_closing_reminder").body.splitlines()[0] == "札幌市"


def test_round_reminder_without_any_application_goes_to_every_applicant(selection_round):
    accounts = [UserFactory(email=f"a{i}@city.example.jp") for i in range(2)]
    with time_machine.travel(selection_round.closes_at - datetime.timedelta(hours=20), tick=False):
        remind_before_closing(timezone.now())
    mails = OutboxMail.objects.filter(event="round_closing_reminder")
    assert sorted(r for m in mails for r in m.recipients) == sorted(a.email for a in accounts)


def test_round_closing_counts_submitted_applications(application, applicant, selection_round):
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    services.application_create(organisation=OrganisationFactory(), selection_round=selection_round,
                                user=applicant)  # a draft: not counted
    UserFactory(email="staff@meti.example.jp", is_staff=True, role=Role.STAFF)
    with time_machine.travel(selection_round.closes_at + datetime.timedelta(minutes=1), tick=False):
        close_rounds(timezone.now())
    assert OutboxMail.objects.get(event="round_closed").context["application_count"] == 1


def test_start_review_moves_submitted_applications_of_a_closed_round(application, applicant, selection_round):
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    SelectionRound.objects.filter(pk=selection_round.pk).update(state=SelectionRound.State.REVIEWING)
    moved = deadlines.start_review(timezone.now())
    again = deadlines.start_review(timezone.now())
    assert (moved, again, Application.objects.get().state,
            list(Application.objects.get().events.values_list("actor", flat=True))) == (
        1, 0, "under_review", ["applicant", "system"])


@pytest.fixture
def returned(application, applicant):
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    staff = UserFactory(email="staff@meti.example.jp", is_staff=True, role=Role.STAFF)
    due = timezone.now() + datetime.timedelta(days=10)
    return services.application_return_for_revision(application_id=application.pk, by=staff,
                                                    message="KPIを見直してください", due_at=due)


def test_revision_reminder_sent_once_three_days_before(returned, applicant):
    with time_machine.travel(returned.due_at - datetime.timedelta(days=3) + datetime.timedelta(minutes=1),
                             tick=False):
        first = deadlines.remind_revisions(timezone.now())
        second = deadlines.remind_revisions(timezone.now())
    assert (first, second, OutboxMail.objects.filter(event="applications_revision_reminder").count()) == (1, 0, 1)


def test_revision_reminder_not_yet_due_sends_nothing(returned):
    with time_machine.travel(returned.due_at - datetime.timedelta(days=4), tick=False):
        assert deadlines.remind_revisions(timezone.now()) == 0


def test_revision_reminder_after_downtime_sends_only_the_nearest(returned):
    with time_machine.travel(returned.due_at - datetime.timedelta(hours=12), tick=False):
        deadlines.remind_revisions(timezone.now())
        deadlines.remind_revisions(timezone.now())
    assert [m.context["days_before"] for m in OutboxMail.objects.filter(event="applications_revision_reminder")] \
        == [1]


def test_revision_reminder_not_sent_after_resubmission(returned, applicant):
    services.application_submit(application_id=returned.application_id, user=applicant)
    with time_machine.travel(returned.due_at - datetime.timedelta(hours=12), tick=False):
        assert deadlines.remind_revisions(timezone.now()) == 0


def test_revision_reminder_skips_pending_members(returned, organisation):
    pending = UserFactory(email="pending@city.example.jp")
    Membership.objects.create(user=pending, organisation=organisation)
    with time_machine.travel(returned.due_at - datetime.timedelta(hours=12), tick=False):
        deadlines.remind_revisions(timezone.now())
    recipients = [r for m in OutboxMail.objects.filter(event="applications_revision_reminder") for r in m.recipients]
    assert "pending@city.example.jp" not in recipients
