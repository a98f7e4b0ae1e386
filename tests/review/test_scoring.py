import pytest

from review import selectors, services
from review.models import Review, RoundReviewSettings, Score

from tests.factories import (
    ReviewerFactory,
    assign,
    criteria,
    make_application,
    make_review_round,
    score_inputs,
    submitted_review,
)

pytestmark = pytest.mark.django_db

FULL = [3, 4, 2, 3, 4, None]  # その他 (bonus) left blank


def _save(review, values, *, submit=False, recommendation="", comment="根拠のあるコメント"):
    return services.review_save(review=review, by=review.reviewer, submit=submit, recommendation=recommendation,
                                scores=score_inputs(review.application.selection_round, values, comment))


def test_review_draft_save_keeps_scores_and_state_draft(selection_round, reviewer):
    review = _save(assign(make_application(selection_round), reviewer), [3, None])
    assert (review.state, list(review.scores.values_list("value", flat=True))) == (Review.State.DRAFT, [3])


def test_review_submit_locks_it(selection_round, reviewer):
    review = _save(assign(make_application(selection_round), reviewer), FULL, submit=True, recommendation="recommend")
    assert (review.state, review.is_locked) == (Review.State.SUBMITTED, True)


def test_review_submitted_cannot_be_edited(selection_round, reviewer):
    review = _save(assign(make_application(selection_round), reviewer), FULL, submit=True, recommendation="recommend")
    with pytest.raises(services.ReviewLocked, match="提出済みの審査は変更できません"):
        _save(review, [1, 1, 1, 1, 1, None])


def test_review_submitted_scores_stay_unchanged_after_a_refused_edit(selection_round, reviewer):
    review = _save(assign(make_application(selection_round), reviewer), FULL, submit=True, recommendation="recommend")
    with pytest.raises(services.ReviewLocked):
        _save(review, [1, 1, 1, 1, 1, None])
    assert list(review.scores.order_by("criterion__order").values_list("value", flat=True)) == [3, 4, 2, 3, 4]


def test_review_score_above_the_scale_refused_with_a_message(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    with pytest.raises(services.ScoresInvalid) as refused:
        _save(review, [6])
    assert refused.value.errors == {
        f"score_{criteria(selection_round)[0].pk}": ["「方向性」の評点は0から5の範囲で入力してください（入力された値: 6）。"]}


def test_review_score_below_the_scale_refused_even_in_a_draft(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    with pytest.raises(services.ScoresInvalid):
        _save(review, [-1])


def test_review_refused_save_writes_nothing(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    with pytest.raises(services.ScoresInvalid):
        _save(review, [3, 9])
    assert Score.objects.filter(review=review).count() == 0


def test_review_submit_needs_a_comment_for_the_top_score(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    values = score_inputs(selection_round, [5, 3, 3, 3, 3, None], comment="")
    with pytest.raises(services.ScoresInvalid) as refused:
        services.review_save(review=review, by=reviewer, scores=values, submit=True, recommendation="recommend")
    assert list(refused.value.errors) == [f"comment_{criteria(selection_round)[0].pk}"]


def test_review_submit_needs_a_comment_for_the_bottom_score(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    values = score_inputs(selection_round, [3, 0, 3, 3, 3, None], comment="")
    with pytest.raises(services.ScoresInvalid, match="最低点"):
        services.review_save(review=review, by=reviewer, scores=values, submit=True, recommendation="recommend")


def test_review_draft_at_the_top_score_without_comment_is_saved(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    values = score_inputs(selection_round, [5], comment="")
    assert services.review_save(review=review, by=reviewer, scores=values).state == Review.State.DRAFT


def test_review_submit_needs_every_non_bonus_score(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    with pytest.raises(services.ScoresInvalid, match="「革新性」の評点を入力してください"):
        _save(review, [3, 3, None, 3, 3, None], submit=True, recommendation="recommend")


def test_review_submit_needs_a_recommendation(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    with pytest.raises(services.ScoresInvalid, match="推薦"):
        _save(review, FULL, submit=True)


def test_review_of_another_reviewer_cannot_be_saved(selection_round, reviewer):
    review = assign(make_application(selection_round), ReviewerFactory())
    with pytest.raises(services.ReviewError):
        services.review_save(review=review, by=reviewer, scores=score_inputs(selection_round, [3]))


def test_review_recused_cannot_be_saved(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer, state=Review.State.RECUSED)
    with pytest.raises(services.ReviewLocked):
        _save(review, [3])


def test_review_changes_are_recorded_in_history(selection_round, reviewer):
    review = _save(assign(make_application(selection_round), reviewer), [3])
    _save(review, [4])
    score = review.scores.get()
    assert [(h.value, h.history_user_id) for h in score.history.order_by("history_date")] == [
        (3, reviewer.pk), (4, reviewer.pk)]


def test_review_transition_table_refuses_a_reviewer_reopening(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer, state=Review.State.SUBMITTED)
    with pytest.raises(services.TransitionNotAllowed):
        services.review_transition(review=review, to_state=Review.State.DRAFT, actor=services.Actor.REVIEWER)


def test_review_reopen_by_staff_makes_it_a_draft_again(selection_round, reviewer, staff):
    review = _save(assign(make_application(selection_round), reviewer), FULL, submit=True, recommendation="recommend")
    review = services.review_reopen(review=review, by=staff, reason="コメントを補足してください")
    assert (review.state, review.submitted_at) == (Review.State.DRAFT, None)


def test_review_reopen_mails_the_reviewer(selection_round, reviewer, staff):
    from labportal.models import OutboxMail

    review = _save(assign(make_application(selection_round), reviewer), FULL, submit=True, recommendation="recommend")
    services.review_reopen(review=review, by=staff, reason="コメントを補足してください")
    assert list(OutboxMail.objects.filter(event="review_reopened").values_list("recipients", flat=True)) == [
        [reviewer.email]]


def test_visibility_never_hides_other_reviews_even_after_submitting(reviewer):
    selection_round = make_review_round(other_reviews_visibility=RoundReviewSettings.Visibility.NEVER)
    application = make_application(selection_round)
    submitted_review(application, ReviewerFactory(), FULL)
    mine = submitted_review(application, reviewer, FULL)
    assert selectors.other_reviews_visible_to(mine, selection_round.review_settings) is None


def test_visibility_after_submission_hides_others_while_drafting(reviewer):
    selection_round = make_review_round(other_reviews_visibility=RoundReviewSettings.Visibility.AFTER_OWN_SUBMISSION)
    application = make_application(selection_round)
    submitted_review(application, ReviewerFactory(), FULL)
    mine = _save(assign(application, reviewer), [3])
    assert selectors.other_reviews_visible_to(mine, selection_round.review_settings) is None


def test_visibility_after_submission_shows_others_submitted_reviews(reviewer):
    selection_round = make_review_round(other_reviews_visibility=RoundReviewSettings.Visibility.AFTER_OWN_SUBMISSION)
    application = make_application(selection_round)
    other = submitted_review(application, ReviewerFactory(), FULL)
    assign(application, ReviewerFactory(), state=Review.State.DRAFT)
    mine = submitted_review(application, reviewer, FULL)
    assert [r.pk for r in selectors.other_reviews_visible_to(mine, selection_round.review_settings)] == [other.pk]


def test_visibility_hides_reviewer_names_unless_allowed(reviewer):
    selection_round = make_review_round(other_reviews_visibility=RoundReviewSettings.Visibility.AFTER_OWN_SUBMISSION)
    application = make_application(selection_round)
    submitted_review(application, ReviewerFactory(last_name="佐藤", first_name="一"), FULL)
    mine = submitted_review(application, reviewer, FULL)
    assert [r.shown_name for r in selectors.other_reviews_visible_to(mine, selection_round.review_settings)] == [
        "審査員A"]


def test_visibility_shows_reviewer_names_when_staff_allow_it(reviewer):
    selection_round = make_review_round(other_reviews_visibility=RoundReviewSettings.Visibility.AFTER_OWN_SUBMISSION,
                                 reviewer_names_visible=True)
    application = make_application(selection_round)
    submitted_review(application, ReviewerFactory(last_name="佐藤", first_name="一"), FULL)
    mine = submitted_review(application, reviewer, FULL)
    assert [r.shown_name for r in selectors.other_reviews_visible_to(mine, selection_round.review_settings)] == [
        "佐藤 一"]


def test_reviewer_can_see_an_assigned_application(selection_round, reviewer):
    application = make_application(selection_round)
    assign(application, reviewer)
    assert selectors.reviewer_can_see_application(reviewer, application) is True


def test_reviewer_cannot_see_an_unassigned_application(selection_round, reviewer):
    application = make_application(selection_round)
    assign(application, ReviewerFactory())
    assert selectors.reviewer_can_see_application(reviewer, application) is False


def test_reviewer_cannot_see_an_application_after_recusing(selection_round, reviewer):
    application = make_application(selection_round)
    assign(application, reviewer, state=Review.State.RECUSED)
    assert selectors.reviewer_can_see_application(reviewer, application) is False
