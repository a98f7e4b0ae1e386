import pytest

from review import services
from review.models import CriteriaSet, Criterion

from tests.factories import (
    assign,
    criteria,
    dx_criteria_set,
    make_application,
    make_review_round,
    score_inputs,
)

pytestmark = pytest.mark.django_db


def test_criteria_seed_dx_six_in_order():
    assert [c.name for c in dx_criteria_set().criteria.order_by("order")] == [
        "方向性", "地域性", "革新性", "自治体の積極性と継続性", "多様性と一体感", "その他"]


def test_criteria_seed_marks_only_other_as_bonus():
    assert [c.name for c in dx_criteria_set().criteria.filter(is_bonus=True)] == ["その他"]


def test_criteria_set_is_editable_before_any_score(selection_round, staff):
    criterion = criteria(selection_round)[0]
    criterion.weight = 2
    services.criterion_save(criterion=criterion, by=staff)
    assert Criterion.objects.get(pk=criterion.pk).weight == 2


def test_criteria_set_frozen_after_first_draft_score(selection_round, reviewer, staff):
    review = assign(make_application(selection_round), reviewer)
    services.review_save(review=review, by=reviewer, scores=score_inputs(selection_round, [3]))
    criterion = criteria(selection_round)[0]
    criterion.weight = 2
    with pytest.raises(services.CriteriaFrozen):
        services.criterion_save(criterion=criterion, by=staff)


def test_criteria_set_frozen_refuses_deleting_a_criterion(selection_round, reviewer, staff):
    review = assign(make_application(selection_round), reviewer)
    services.review_save(review=review, by=reviewer, scores=score_inputs(selection_round, [3]))
    with pytest.raises(services.CriteriaFrozen):
        services.criterion_delete(criterion=criteria(selection_round)[-1], by=staff)


def test_criteria_set_frozen_refuses_adding_a_criterion(selection_round, reviewer, staff):
    review = assign(make_application(selection_round), reviewer)
    services.review_save(review=review, by=reviewer, scores=score_inputs(selection_round, [3]))
    with pytest.raises(services.CriteriaFrozen):
        services.criterion_save(criterion=Criterion(criteria_set=dx_criteria_set(), order=7, name="追加"), by=staff)


def test_criteria_set_not_frozen_by_saving_comments_only(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    services.review_save(review=review, by=reviewer, scores={
        criteria(selection_round)[0].pk: services.ScoreInput(None, "読み始めました")})
    assert dx_criteria_set().frozen_at is None


def test_round_choice_of_set_frozen_after_first_score(selection_round, reviewer, staff):
    review = assign(make_application(selection_round), reviewer)
    services.review_save(review=review, by=reviewer, scores=score_inputs(selection_round, [3]))
    round_settings = selection_round.review_settings
    round_settings.refresh_from_db()
    round_settings.criteria_set = CriteriaSet.objects.get(programme__code="dx", version=1)
    other = services.criteria_set_copy(criteria_set=round_settings.criteria_set, by=staff)
    round_settings.criteria_set = other
    with pytest.raises(services.CriteriaFrozen):
        services.round_settings_save(round_settings=round_settings, by=staff)


def test_round_choice_of_set_changeable_before_first_score(selection_round, staff):
    other = services.criteria_set_copy(criteria_set=dx_criteria_set(), by=staff, name="最終版")
    round_settings = selection_round.review_settings
    round_settings.criteria_set = other
    services.round_settings_save(round_settings=round_settings, by=staff, reason="最終版の基準セットにする")
    round_settings.refresh_from_db()
    assert round_settings.criteria_set == other


def test_round_settings_refuse_a_set_of_another_programme(selection_round, staff):
    round_settings = selection_round.review_settings
    round_settings.criteria_set = CriteriaSet.objects.get(programme__code="iot")
    with pytest.raises(services.ReviewError):
        services.round_settings_save(round_settings=round_settings, by=staff)


def test_criteria_set_copy_is_the_next_unfrozen_version_with_the_same_criteria(selection_round, reviewer, staff):
    review = assign(make_application(selection_round), reviewer)
    services.review_save(review=review, by=reviewer, scores=score_inputs(selection_round, [3]))
    copy = services.criteria_set_copy(criteria_set=dx_criteria_set(), by=staff)
    assert (copy.version, copy.frozen_at, [c.name for c in copy.criteria.order_by("order")]) == (
        2, None, [c.name for c in dx_criteria_set().criteria.order_by("order")])


def test_criteria_a_new_set_of_five_can_be_made_and_chosen(staff):
    new = services.criteria_set_copy(criteria_set=dx_criteria_set(), by=staff, name="地域DX推進ラボの審査の視点")
    for criterion in new.criteria.filter(name__in=["その他"]):
        services.criterion_delete(criterion=criterion, by=staff)
    innovation = new.criteria.get(name="革新性")
    innovation.name = "変革"
    services.criterion_save(criterion=innovation, by=staff)
    selection_round = make_review_round(criteria_set=new)
    assert [c.name for c in criteria(selection_round)] == [
        "方向性", "地域性", "変革", "自治体の積極性と継続性", "多様性と一体感"]


def test_criterion_scale_labels_outside_the_scale_refused(staff):
    criterion = Criterion(criteria_set=dx_criteria_set(), order=9, name="記号", scale_min=1, scale_max=4,
                          scale_labels={"5": "S"})
    with pytest.raises(Exception, match="評点の範囲"):
        services.criterion_save(criterion=criterion, by=staff)


def test_criterion_label_for_shows_the_letter_and_number():
    criterion = Criterion(scale_min=1, scale_max=4, scale_labels={"4": "A", "1": "D"})
    assert criterion.label_for(4) == "A（4）"
