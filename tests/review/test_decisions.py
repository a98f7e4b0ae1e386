import datetime

import pytest
from django.utils import timezone

from applications.models import Application
from labportal.models import Lab, OutboxMail, SelectionRound
from review import services
from review.models import Decision, Hearing

from tests.factories import OrganisationFactory, make_application, make_review_round, member_of

pytestmark = pytest.mark.django_db

SELECTED = Decision.Outcome.SELECTED
NOT_SELECTED = Decision.Outcome.NOT_SELECTED


@pytest.fixture
def decided(selection_round, staff):
    """Two applications with a member each: one to be selected, one not."""
    chosen = make_application(selection_round, lab_name="テスト市地域DX推進ラボ")
    other = make_application(selection_round)
    member_of(chosen.organisation)
    member_of(other.organisation)
    services.decision_record(application=chosen, outcome=SELECTED, reason="総合点1位", by=staff)
    services.decision_record(application=other, outcome=NOT_SELECTED, reason="総合点が基準に届かない", by=staff)
    return chosen, other


def _decision_mails():
    return OutboxMail.objects.filter(event__startswith="review_decision_")


def test_decision_pending_leaves_the_application_state_unchanged(decided):
    chosen, _ = decided
    chosen.refresh_from_db()
    assert chosen.state == Application.State.UNDER_REVIEW


def test_decision_pending_mails_nobody(decided):
    assert _decision_mails().count() == 0


def test_decision_pending_is_marked_unannounced(decided):
    assert [d.status_label for d in Decision.objects.order_by("pk")] == ["未公表", "未公表"]


def test_decision_without_reason_is_refused(selection_round, staff):
    with pytest.raises(services.ReviewError, match="理由"):
        services.decision_record(application=make_application(selection_round), outcome=SELECTED, reason="",
                                 by=staff)


def test_decision_can_be_changed_before_announcement(decided, staff):
    chosen, _ = decided
    services.decision_record(application=chosen, outcome=NOT_SELECTED, reason="再検討の結果", by=staff)
    assert Decision.objects.get(application=chosen).outcome == NOT_SELECTED


def test_decision_change_is_recorded_in_history(decided, staff):
    chosen, _ = decided
    services.decision_record(application=chosen, outcome=NOT_SELECTED, reason="再検討の結果", by=staff)
    assert [h.outcome for h in Decision.objects.get(application=chosen).history.order_by("history_date")] == [
        SELECTED, NOT_SELECTED]


def test_decisions_record_in_bulk_with_one_reason(selection_round, staff):
    applications = [make_application(selection_round) for _ in range(3)]
    services.decisions_record(applications=applications, outcome=NOT_SELECTED, reason="要件を満たさない", by=staff)
    assert list(Decision.objects.values_list("reason", flat=True)) == ["要件を満たさない"] * 3


def test_announce_applies_every_decision(decided, selection_round, staff):
    services.round_announce(selection_round=selection_round, by=staff)
    states = [Application.objects.get(pk=a.pk).state for a in decided]
    assert states == [Application.State.SELECTED, Application.State.NOT_SELECTED]


def test_announce_mails_each_applicant_once(decided, selection_round, staff):
    services.round_announce(selection_round=selection_round, by=staff)
    services.round_announce(selection_round=selection_round, by=staff)
    assert sorted(_decision_mails().values_list("event", flat=True)) == [
        "review_decision_not_selected", "review_decision_selected"]


def test_announce_twice_reports_already_announced(decided, selection_round, staff):
    services.round_announce(selection_round=selection_round, by=staff)
    assert services.round_announce(selection_round=selection_round, by=staff).already_announced is True


def test_announce_moves_the_round_to_announced(decided, selection_round, staff):
    services.round_announce(selection_round=selection_round, by=staff, announced_on=datetime.date(2026, 3, 27))
    selection_round.refresh_from_db()
    assert (selection_round.state, selection_round.announced_on) == (
        SelectionRound.State.ANNOUNCED, datetime.date(2026, 3, 27))


def test_announce_registers_a_dx_lab_for_each_selected_application(decided, selection_round, staff):
    chosen, _ = decided
    services.round_announce(selection_round=selection_round, by=staff, announced_on=datetime.date(2026, 3, 27))
    lab = Lab.objects.get(decision__application=chosen)
    assert (lab.programme.code, lab.selection_round, lab.region, lab.name, lab.selected_on, lab.implementing_body) == (
        "dx", selection_round, chosen.basic.regions.get(), "テスト市地域DX推進ラボ", datetime.date(2026, 3, 27),
        chosen.basic.implementing_body)


def test_announce_registers_no_lab_for_a_not_selected_application(decided, selection_round, staff):
    services.round_announce(selection_round=selection_round, by=staff)
    assert Lab.objects.filter(selection_round=selection_round).count() == 1


def test_announce_refused_while_an_application_has_no_decision(decided, selection_round, staff):
    make_application(selection_round)
    with pytest.raises(services.ReviewError, match="決定が記録されていない申請"):
        services.round_announce(selection_round=selection_round, by=staff)


def test_announce_refused_changes_nothing(decided, selection_round, staff):
    make_application(selection_round)
    with pytest.raises(services.ReviewError):
        services.round_announce(selection_round=selection_round, by=staff)
    assert (_decision_mails().count(), Lab.objects.filter(selection_round=selection_round).count()) == (0, 0)


def test_announce_refused_when_two_labs_would_share_a_name_and_region(selection_round, staff):
    region = OrganisationFactory().regions.get()  # two organisations of one region (one application each)
    for _ in range(2):
        application = make_application(selection_round, organisation=OrganisationFactory(regions=[region]),
                                       lab_name="同名ラボ")
        services.decision_record(application=application, outcome=SELECTED, reason="選定", by=staff)
    with pytest.raises(services.ReviewError, match="同名ラボ"):
        services.round_announce(selection_round=selection_round, by=staff)


def test_announce_refused_for_a_round_still_open(staff):
    selection_round = make_review_round(state=SelectionRound.State.OPEN)
    with pytest.raises(services.ReviewError, match="審査中"):
        services.round_announce(selection_round=selection_round, by=staff)


def test_announce_can_leave_lab_creation_to_the_caller(decided, selection_round, staff):
    services.round_announce(selection_round=selection_round, by=staff, create_labs=False)
    assert Lab.objects.filter(selection_round=selection_round).count() == 0


def test_decision_after_announcement_is_refused(decided, selection_round, staff):
    chosen, _ = decided
    services.round_announce(selection_round=selection_round, by=staff)
    with pytest.raises(services.ReviewLocked):
        services.decision_record(application=chosen, outcome=NOT_SELECTED, reason="変更", by=staff)


def test_decision_mail_names_no_reviewer_and_no_score(decided, selection_round, staff):
    services.round_announce(selection_round=selection_round, by=staff)
    body = _decision_mails().get(event="review_decision_selected").body
    assert ("審査員" in body, "評点" in body) == (False, False)


def test_hearing_schedule_mails_the_applicant(selection_round, staff):
    application = make_application(selection_round)
    member = member_of(application.organisation)
    services.hearing_schedule(application=application, by=staff, place="https://meet.example.jp/abc",
                              scheduled_at=timezone.now() + datetime.timedelta(days=7))
    assert list(OutboxMail.objects.filter(event="review_hearing_scheduled").values_list("recipients", flat=True)) == [
        [member.email]]


def test_hearing_change_of_date_mails_again(selection_round, staff):
    application = make_application(selection_round)
    member_of(application.organisation)
    hearing = services.hearing_schedule(application=application, by=staff, place="会議室A",
                                        format=Hearing.Format.ONSITE,
                                        scheduled_at=timezone.now() + datetime.timedelta(days=7))
    services.hearing_update(hearing=hearing, by=staff, scheduled_at=hearing.scheduled_at + datetime.timedelta(days=1))
    assert OutboxMail.objects.filter(event="review_hearing_changed").count() == 1


def test_hearing_change_of_notes_only_mails_nobody(selection_round, staff):
    application = make_application(selection_round)
    member_of(application.organisation)
    hearing = services.hearing_schedule(application=application, by=staff, place="会議室A",
                                        scheduled_at=timezone.now() + datetime.timedelta(days=7))
    services.hearing_update(hearing=hearing, by=staff, notes="先方は3名で出席")
    assert OutboxMail.objects.filter(event="review_hearing_changed").count() == 0


def test_hearing_cancel_mails_the_applicant_once(selection_round, staff):
    application = make_application(selection_round)
    member_of(application.organisation)
    hearing = services.hearing_schedule(application=application, by=staff, place="会議室A",
                                        scheduled_at=timezone.now() + datetime.timedelta(days=7))
    services.hearing_cancel(hearing=hearing, by=staff)
    services.hearing_cancel(hearing=hearing, by=staff)
    assert OutboxMail.objects.filter(event="review_hearing_cancelled").count() == 1


def _applicant_page(client, application, member):
    import re

    from django.urls import reverse

    client.force_login(member)
    content = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)


def test_decision_pending_leaves_the_applicants_page_unchanged(client, selection_round, staff):
    application = make_application(selection_round)
    member = member_of(application.organisation)
    before = _applicant_page(client, application, member)
    services.decision_record(application=application, outcome=SELECTED, reason="総合点1位", by=staff)
    assert _applicant_page(client, application, member) == before


def test_decision_announced_shows_on_the_applicants_page(client, selection_round, staff):
    application = make_application(selection_round)
    member = member_of(application.organisation)
    before = _applicant_page(client, application, member)
    services.decision_record(application=application, outcome=SELECTED, reason="総合点1位", by=staff)
    services.round_announce(selection_round=selection_round, by=staff)
    assert _applicant_page(client, application, member) != before


def test_applicants_page_never_shows_reviewers_names_or_comments(client, selection_round, staff):
    from tests.factories import ReviewerFactory, score_inputs

    application = make_application(selection_round)
    member = member_of(application.organisation)
    reviewer = ReviewerFactory(last_name="秘匿", first_name="審査員")
    review = services.review_assign(application=application, reviewer=reviewer, by=staff)
    services.review_save(review=review, by=reviewer, submit=True, recommendation="recommend",
                         scores=score_inputs(selection_round, [4, 4, 4, 4, 4, None], comment="非公開の講評"),
                         overall_comment="非公開の総評")
    services.decision_record(application=application, outcome=SELECTED, reason="総合点1位", by=staff)
    services.round_announce(selection_round=selection_round, by=staff)
    page = _applicant_page(client, application, member)
    assert ("秘匿" in page, "非公開の講評" in page, "非公開の総評" in page) == (False, False, False)


def test_decision_mark_announced_stamps_one_decision_and_keeps_history(selection_round, staff):
    application = make_application(selection_round)
    services.decision_record(application=application, outcome=SELECTED, reason="移行承認", by=staff)
    services.decision_mark_announced(application=application, by=staff)
    decision = services.decision_mark_announced(application=application, by=staff)  # idempotent
    assert (decision.is_announced, decision.history.count()) == (True, 2)


def test_decision_mark_announced_without_a_decision_returns_none(selection_round, staff):
    assert services.decision_mark_announced(application=make_application(selection_round), by=staff) is None
