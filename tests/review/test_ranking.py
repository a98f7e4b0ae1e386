"""The round's statistics against values computed by hand (see each fixture's comment)."""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from labportal.models import Programme
from review import selectors
from review.models import CriteriaSet, Criterion, Review

from tests.factories import (
    ReviewerFactory,
    assign,
    make_application,
    make_review_round,
    raw_scores,
    submitted_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored():
    """One application, the DX six with 方向性 weighted 2; three submitted reviews and a draft.

               方向性 地域性 革新性 自治体 多様性 その他(加点)
        R1       4      3      5      2      3      1
        R2       2      3      3      4      1      –   (bonus not given: missing, not zero)
        R3       3      5      4      3      2      2
        R4 (draft: left out)  0 0 0 0 0 0
    means 3, 11/3, 4, 3, 2, 1.5; weighted total 2·3 + 11/3 + 4 + 3 + 2 = 18.6667; bonus 1.5.
    """
    selection_round = make_review_round()
    Criterion.objects.filter(criteria_set=selection_round.review_settings.criteria_set, order=1).update(weight=2)
    application = make_application(selection_round)
    for values in ([4, 3, 5, 2, 3, 1], [2, 3, 3, 4, 1, None], [3, 5, 4, 3, 2, 2]):
        submitted_review(application, ReviewerFactory(), values)
    raw_scores(assign(application, ReviewerFactory(), state=Review.State.DRAFT), [0, 0, 0, 0, 0, 0])
    return selection_round, application


def _row(selection_round):
    return selectors.round_ranking(selection_round).rows[0]


def test_ranking_criterion_means(scored):
    selection_round, _ = scored
    assert [round(cell.mean, 4) for cell in _row(selection_round).cells] == [3.0, 3.6667, 4.0, 3.0, 2.0, 1.5]


def test_ranking_criterion_medians(scored):
    selection_round, _ = scored
    assert [cell.median for cell in _row(selection_round).cells] == [3.0, 3.0, 4.0, 3.0, 2.0, 1.5]


def test_ranking_criterion_spread_is_the_population_standard_deviation(scored):
    selection_round, _ = scored
    expected = [math.sqrt(2 / 3), math.sqrt(8 / 9), math.sqrt(2 / 3), math.sqrt(2 / 3), math.sqrt(2 / 3), 0.5]
    assert [round(c.spread, 6) for c in _row(selection_round).cells] == [round(e, 6) for e in expected]


def test_ranking_counts_only_given_scores_per_criterion(scored):
    selection_round, _ = scored
    assert [cell.n for cell in _row(selection_round).cells] == [3, 3, 3, 3, 3, 2]


def test_ranking_weighted_total_and_bonus(scored):
    selection_round, _ = scored
    row = _row(selection_round)
    assert (round(row.weighted_total, 4), row.bonus, round(row.total, 4)) == (18.6667, 1.5, 20.1667)


def test_ranking_counts_submitted_and_assigned_reviews(scored):
    selection_round, _ = scored
    row = _row(selection_round)
    assert (row.submitted, row.assigned) == (3, 4)


def test_ranking_median_of_an_even_count_is_the_mean_of_the_middle_two():
    selection_round = make_review_round()
    application = make_application(selection_round)
    for first in (1, 2, 4, 5):
        submitted_review(application, ReviewerFactory(), [first, 3, 3, 3, 3, None])
    assert _row(selection_round).cells[0].median == 3.0


def test_ranking_missing_non_bonus_score_is_left_out_of_the_mean():
    selection_round = make_review_round()
    application = make_application(selection_round)
    submitted_review(application, ReviewerFactory(), [4, 4, 4, 4, 4, None])
    raw_scores(assign(application, ReviewerFactory(), state=Review.State.SUBMITTED), [2, None, 2, 2, 2, None])
    assert [c.mean for c in _row(selection_round).cells[:2]] == [3.0, 4.0]


def test_ranking_without_submitted_reviews_has_no_total():
    selection_round = make_review_round()
    assign(make_application(selection_round), ReviewerFactory())
    row = _row(selection_round)
    assert (row.weighted_total, row.rank, row.submitted) == (None, None, 0)


def test_ranking_flags_strong_disagreement():
    selection_round = make_review_round()
    application = make_application(selection_round)
    submitted_review(application, ReviewerFactory(), [5, 3, 3, 3, 3, None])
    submitted_review(application, ReviewerFactory(), [1, 3, 3, 3, 3, None])  # 4 of 5 points apart
    assert _row(selection_round).disagreement is True


def test_ranking_does_not_flag_mild_disagreement(scored):
    selection_round, _ = scored  # at most 2 of 5 points apart: 0.4 < 0.5
    assert _row(selection_round).disagreement is False


def test_ranking_disagreement_threshold_is_the_rounds_setting(scored):
    selection_round, _ = scored
    selection_round.review_settings.disagreement_threshold = 0.4
    selection_round.review_settings.save()
    assert _row(selection_round).disagreement is True


def test_ranking_leaves_out_draft_and_withdrawn_applications():
    from applications.models import Application

    selection_round = make_review_round()
    kept = make_application(selection_round)
    make_application(selection_round, state=Application.State.DRAFT)
    make_application(selection_round, state=Application.State.WITHDRAWN)
    assert [r.application for r in selectors.round_ranking(selection_round).rows] == [kept]


@pytest.fixture
def lenient():
    """Two criteria (0–5, weight 1). X and Y review P, Q, R; Z, lenient, reviews R only.

        totals   P   Q   R        mean  spread (population)
        X        8   6   4          6   √(8/3) = 1.6330
        Y        4   3   2          3   √(2/3) = 0.8165
        Z                10        10   0 (one review: z = 0)
    z-scores: X and Y give P +1.2247, Q 0, R −1.2247; Z gives R 0.
    By total (mean per criterion, summed): P 6, R 16/3 = 5.3333, Q 4.5 → P, R, Q.
    By mean z: P 1.2247, Q 0, R −0.8165 → P, Q, R: Z's leniency no longer lifts R.
    """
    criteria_set = CriteriaSet.objects.create(name="二つの視点", programme=Programme.objects.get(code="dx"), version=9)
    for order in (1, 2):
        Criterion.objects.create(criteria_set=criteria_set, order=order, name=f"視点{order}")
    selection_round = make_review_round(criteria_set=criteria_set)
    p, q, r = (make_application(selection_round) for _ in range(3))
    x, y, z = ReviewerFactory(), ReviewerFactory(), ReviewerFactory()
    for application, reviewer, values in ((p, x, [4, 4]), (q, x, [3, 3]), (r, x, [2, 2]),
                                          (p, y, [2, 2]), (q, y, [1, 2]), (r, y, [1, 1]), (r, z, [5, 5])):
        submitted_review(application, reviewer, values)
    return selection_round, (p, q, r), (x, y, z)


def test_ranking_by_total_lets_a_lenient_reviewer_lift_an_application(lenient):
    selection_round, (p, q, r), _ = lenient
    assert [row.application for row in selectors.round_ranking(selection_round).rows] == [p, r, q]


def test_ranking_by_z_score_corrects_for_a_lenient_reviewer(lenient):
    selection_round, (p, q, r), _ = lenient
    assert [row.application for row in selectors.round_ranking(selection_round).by_z_score] == [p, q, r]


def test_ranking_z_scores_by_hand(lenient):
    selection_round, _, _ = lenient
    assert [round(row.z_score, 4) for row in selectors.round_ranking(selection_round).by_z_score] == [
        1.2247, 0.0, -0.8165]


def test_ranking_reviewer_means_and_spreads(lenient):
    selection_round, _, reviewers = lenient
    stats = {s.reviewer_id: s for s in selectors.round_ranking(selection_round).reviewers}
    assert [(stats[r.pk].n, round(stats[r.pk].mean, 4), round(stats[r.pk].spread, 4)) for r in reviewers] == [
        (3, 6.0, 1.633), (3, 3.0, 0.8165), (1, 10.0, 0.0)]


def test_ranking_reviewer_count_is_a_whole_number(lenient):
    selection_round, _, reviewers = lenient
    stats = {s.reviewer_id: s for s in selectors.round_ranking(selection_round).reviewers}
    assert [type(stats[r.pk].n) for r in reviewers] == [int, int, int]


def test_ranking_reviewer_offset_shows_harsh_and_lenient(lenient):
    selection_round, _, reviewers = lenient
    stats = {s.reviewer_id: s for s in selectors.round_ranking(selection_round).reviewers}
    assert [round(stats[r.pk].offset, 4) for r in reviewers] == [0.7143, -2.2857, 4.7143]


def test_ranking_ties_share_a_rank():
    selection_round = make_review_round()
    first, second, third = (make_application(selection_round) for _ in range(3))
    for application, value in ((first, 4), (second, 4), (third, 2)):
        submitted_review(application, ReviewerFactory(), [value, 3, 3, 3, 3, None])
    assert [row.rank for row in selectors.round_ranking(selection_round).rows] == [1, 1, 3]


def _ranking_queries(count):
    selection_round = make_review_round()
    reviewers = ReviewerFactory.create_batch(3)
    for index in range(count):
        application = make_application(selection_round)
        for reviewer in reviewers[:2]:
            submitted_review(application, reviewer, [index % 6, 3, 3, 3, 3, index % 3])
        assign(application, reviewers[2])
    with CaptureQueriesContext(connection) as queries:
        ranking = selectors.round_ranking(selection_round)
        [row.decision for row in ranking.rows]
    return len(queries)


def test_ranking_query_count_is_fixed():
    # Settings, criteria, applications, statistics with the medians, review totals, the records of
    # reviews left out for a conflict; SQLite has no percentile_cont, so its medians take one more.
    assert _ranking_queries(3) == (6 if connection.vendor == "postgresql" else 7)


def test_ranking_query_count_is_the_same_for_30_applications():
    assert _ranking_queries(30) == _ranking_queries(3)
