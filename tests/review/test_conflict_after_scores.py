"""A conflict of interest declared after scores were given (issue 15): the conflicted review
leaves the ranking with a record (who, when, why) shown on the ranking page; its scores stay;
deleting the conflict cannot silently bring them back, and putting them back is recorded."""

import pytest
from django.urls import reverse

from review import selectors, services
from review.models import ConflictOfInterest, ReviewExclusion, Score

from tests.factories import (
    ReviewerFactory,
    StaffFactory,
    make_application,
    make_review_round,
    submitted_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored():
    """One application scored 5s by 利害 and 3s by 中立: a mean of 4 until the conflict."""
    selection_round = make_review_round()
    conflicted, neutral = ReviewerFactory(last_name="利害"), ReviewerFactory(last_name="中立")
    application = make_application(selection_round)
    review = submitted_review(application, conflicted, [5, 5, 5, 5, 5, None])
    submitted_review(application, neutral, [3, 3, 3, 3, 3, None])
    return selection_round, application, conflicted, review


def _first_mean(selection_round):
    return selectors.round_ranking(selection_round).rows[0].cells[0].mean


def test_conflict_after_scores_takes_the_review_out_of_the_ranking_with_a_record(scored):
    selection_round, application, conflicted, review = scored
    staff = StaffFactory()
    assert _first_mean(selection_round) == 4.0
    services.conflict_declare(reviewer=conflicted, by=staff, organisation=application.organisation,
                              reason="役員を兼務")
    exclusion = ReviewExclusion.objects.get()
    ranking = selectors.round_ranking(selection_round)
    assert (ranking.rows[0].cells[0].mean, conflicted.pk in [r.reviewer_id for r in ranking.reviewers]) == (
        3.0, False)
    assert (exclusion.review, exclusion.excluded_by, ranking.exclusions) == (review, staff, [exclusion])
    assert exclusion.reason == f"採点後に申告された利害関係（申請主体「{application.organisation.name}」との利害関係：役員を兼務）"
    assert Score.objects.filter(review=review).count() == 5  # the scores stay


def test_ranking_page_shows_the_exclusion_record(client, scored):
    selection_round, application, conflicted, review = scored
    staff = StaffFactory(last_name="事務局")
    services.conflict_declare(reviewer=conflicted, by=staff, organisation=application.organisation,
                              reason="役員を兼務")
    client.force_login(staff)
    page = client.get(reverse("admin:review_roundreviewsettings_ranking",
                              args=[selection_round.review_settings.pk])).content.decode()
    assert ("利害関係により集計から除外した審査" in page, "役員を兼務" in page, "集計から除外中" in page) == (
        True, True, True)


def test_conflict_with_excluded_scores_cannot_be_deleted(client, scored):
    selection_round, application, conflicted, review = scored
    staff = StaffFactory()
    conflict, _ = services.conflict_declare(reviewer=conflicted, by=staff, organisation=application.organisation)
    with pytest.raises(services.ReviewError):
        services.conflict_delete(conflict=conflict, by=staff)
    client.force_login(staff)
    response = client.post(reverse("admin:review_conflictofinterest_delete", args=[conflict.pk]), {"post": "yes"},
                           follow=True)
    assert ConflictOfInterest.objects.filter(pk=conflict.pk).exists()
    assert [str(m) for m in response.context["messages"]] == [
        "この利害関係により集計から除外した審査があるため削除できません。評点を集計に戻す場合は「集計から除外した審査」で"
        "理由を記録して戻してください。"]
    assert _first_mean(selection_round) == 3.0


def test_excluded_review_put_back_with_a_reason_is_recorded(client, scored):
    selection_round, application, conflicted, review = scored
    staff = StaffFactory()
    services.conflict_declare(reviewer=conflicted, by=staff, organisation=application.organisation)
    exclusion = ReviewExclusion.objects.get()
    client.force_login(staff)
    client.post(reverse("admin:review_reviewexclusion_changelist"),
                {"action": "lift", "_selected_action": [exclusion.pk], "confirm": "1", "reason": "申告の誤り"})
    exclusion.refresh_from_db()
    assert (exclusion.lifted_by, exclusion.lift_reason, _first_mean(selection_round)) == (staff, "申告の誤り", 4.0)


def test_conflict_before_any_score_leaves_nothing_to_exclude():
    selection_round = make_review_round()
    reviewer = ReviewerFactory()
    application = make_application(selection_round)
    services.conflict_declare(reviewer=reviewer, by=StaffFactory(), organisation=application.organisation)
    assert ReviewExclusion.objects.count() == 0
