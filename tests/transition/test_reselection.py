"""The re-review procedure (再選定のための審査): the changed plan is scored on the DX criteria in a
round of its own with the review app, and the decision follows the review."""

import datetime

import pytest
from django.utils import timezone

from applications.models import Application
from labportal.models import Lab
from review import services as review_services
from review.models import Decision, Review, RoundReviewSettings
from tests.factories import ReviewerFactory, score_inputs
from transition import services
from transition.models import TransitionPolicy, TransitionRequest

from .conftest import fill_plan, iot_lab, make_policy

pytestmark = pytest.mark.django_db
State = TransitionRequest.State


@pytest.fixture
def policy(db):
    return make_policy(procedure=TransitionPolicy.Procedure.RESELECTION)


@pytest.fixture
def in_review(submitted, staff):
    assert submitted.procedure == TransitionPolicy.Procedure.RESELECTION
    return services.request_decide(transition_request=submitted, to_state=State.UNDER_REVIEW, by=staff)


def _scored(transition_request, staff, values=(4, 4, 3, 4, 5, 1)):
    reviewer = ReviewerFactory()
    review = review_services.review_assign(application=transition_request.application, reviewer=reviewer, by=staff,
                                           due_at=timezone.now() + datetime.timedelta(days=14))
    return review_services.review_save(review=review, by=reviewer, submit=True,
                                       recommendation=Review.Recommendation.RECOMMEND,
                                       scores=score_inputs(transition_request.application.selection_round, list(values)))


def test_reselection_cannot_be_approved_without_review(submitted, staff):
    with pytest.raises(services.TransitionNotAllowed, match="再選定のための審査"):
        services.request_decide(transition_request=submitted, to_state=State.APPROVED, by=staff)


def test_reselection_sent_to_review_puts_the_plan_in_its_round(in_review):
    application = Application.objects.get(pk=in_review.application_id)
    assert application.state == Application.State.UNDER_REVIEW
    settings = RoundReviewSettings.objects.get(selection_round=application.selection_round)
    assert settings.criteria_set.programme.code == "dx"


def test_reselection_decision_refused_before_any_review_is_submitted(in_review, staff):
    with pytest.raises(services.TransitionNotAllowed, match="提出された審査がまだありません"):
        services.request_decide(transition_request=in_review, to_state=State.APPROVED, by=staff)
    in_review.refresh_from_db()
    assert in_review.state == State.UNDER_REVIEW


def test_reselection_scored_and_approved_end_to_end(in_review, staff):
    _scored(in_review, staff)
    summary = services.plan.review_summary(in_review)
    assert summary["row"].submitted == 1 and summary["row"].weighted_total is not None
    services.request_decide(transition_request=in_review, to_state=State.APPROVED, by=staff, message="審査の結果、承認します。")
    dx = Lab.objects.get(predecessor=iot_lab())
    decision = Decision.objects.get(application_id=in_review.application_id)
    assert (decision.outcome, decision.lab, decision.is_announced) == (Decision.Outcome.SELECTED, dx, True)
    assert Application.objects.get(pk=in_review.application_id).state == Application.State.SELECTED
    assert iot_lab().status == Lab.Status.MOVED


def test_reselection_scored_and_rejected(in_review, staff):
    _scored(in_review, staff, values=(1, 1, 1, 1, 1, 0))
    services.request_decide(transition_request=in_review, to_state=State.REJECTED, by=staff, message="要件を満たしません。")
    decision = Decision.objects.get(application_id=in_review.application_id)
    assert (decision.outcome, decision.is_announced) == (Decision.Outcome.NOT_SELECTED, True)
    assert Application.objects.get(pk=in_review.application_id).state == Application.State.NOT_SELECTED
    assert not Lab.objects.filter(predecessor=iot_lab()).exists()
    assert iot_lab().status == Lab.Status.ACTIVE


def test_reselection_approval_must_follow_the_decision_recorded_in_review(in_review, staff):
    _scored(in_review, staff)
    review_services.decision_record(application=Application.objects.get(pk=in_review.application_id),
                                    outcome=Decision.Outcome.NOT_SELECTED, reason="点数不足", by=staff)
    with pytest.raises(services.TransitionNotAllowed, match="異なります"):
        services.request_decide(transition_request=in_review, to_state=State.APPROVED, by=staff)
    assert not Lab.objects.filter(predecessor=iot_lab()).exists()


def test_reselection_returned_for_revision_and_resubmitted(in_review, staff, member):
    returned = services.request_decide(transition_request=in_review, to_state=State.RETURNED, by=staff,
                                       message="KPIの根拠を書いてください。")
    assert Application.objects.get(pk=returned.application_id).state == Application.State.RETURNED
    again = services.request_submit(transition_request=fill_plan(returned), user=member)
    assert again.state == State.SUBMITTED


def test_reselection_staff_page_shows_the_scores(in_review, staff, client):
    _scored(in_review, staff)
    client.force_login(staff)
    page = client.get(f"/transition/staff/requests/{in_review.pk}/").content.decode()
    assert "再選定のための審査" in page and "提出 <strong>1件</strong>" in page and "方向性" in page


def test_reselection_round_cannot_be_announced_wholesale_in_review(in_review, staff):
    _scored(in_review, staff)
    plan_round = Application.objects.get(pk=in_review.application_id).selection_round
    with pytest.raises(review_services.ReviewError, match="移行状況"):
        review_services.round_announce(selection_round=plan_round, by=staff)
    assert not Lab.objects.filter(programme__code="dx").exists()
