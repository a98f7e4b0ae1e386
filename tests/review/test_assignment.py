import datetime
from collections import Counter

import pytest
from django.utils import timezone

from applications.models import Application
from labportal.models import OutboxMail, Prefecture, Region, Role
from review import selectors, services
from review.models import ConflictOfInterest, Review

from tests.factories import (
    ApplicantFactory,
    OrganisationFactory,
    RegionFactory,
    ReviewerFactory,
    StaffFactory,
    assign,
    make_application,
    make_review_round,
)

pytestmark = pytest.mark.django_db


def test_assign_creates_a_not_started_review_due_at_the_round_due_date(selection_round, reviewer, staff):
    review = services.review_assign(application=make_application(selection_round), reviewer=reviewer, by=staff)
    assert (review.state, review.due_at) == (Review.State.NOT_STARTED, selection_round.review_settings.review_due_at)


def test_assign_moves_a_submitted_application_to_under_review(selection_round, reviewer, staff):
    application = make_application(selection_round, state=Application.State.SUBMITTED)
    services.review_assign(application=application, reviewer=reviewer, by=staff)
    application.refresh_from_db()
    assert application.state == Application.State.UNDER_REVIEW


def test_assign_mails_the_reviewer_once_per_batch(selection_round, reviewer, staff):
    applications = [make_application(selection_round) for _ in range(3)]
    services.reviews_assign(selection_round=selection_round, by=staff,
                            pairs=[(a, reviewer) for a in applications])
    assert list(OutboxMail.objects.filter(event="review_assigned").values_list("recipients", flat=True)) == [
        [reviewer.email]]


def test_assign_refused_on_an_organisation_conflict(selection_round, reviewer, staff):
    application = make_application(selection_round)
    ConflictOfInterest.objects.create(reviewer=reviewer, organisation=application.organisation, reason="所属先")
    with pytest.raises(services.ConflictOfInterestError, match="所属先"):
        services.review_assign(application=application, reviewer=reviewer, by=staff)


def test_assign_refused_when_the_declared_prefecture_contains_the_region(selection_round, reviewer, staff):
    hokkaido = Region.objects.get(kind=Region.Kind.PREFECTURE, name="北海道")
    application = make_application(selection_round, regions=[RegionFactory(prefecture=hokkaido.prefecture)])
    ConflictOfInterest.objects.create(reviewer=reviewer, region=hokkaido, reason="出身地")
    with pytest.raises(services.ConflictOfInterestError, match="北海道"):
        services.review_assign(application=application, reviewer=reviewer, by=staff)


def test_assign_allowed_when_the_conflict_is_in_another_prefecture(selection_round, reviewer, staff):
    aomori = Region.objects.get(kind=Region.Kind.PREFECTURE, name="青森県")
    application = make_application(selection_round)  # in 北海道
    ConflictOfInterest.objects.create(reviewer=reviewer, region=aomori)
    assert services.review_assign(application=application, reviewer=reviewer, by=staff).pk


def test_assign_refused_for_a_collaboration_containing_the_declared_city(selection_round, reviewer, staff):
    city = RegionFactory()
    collaboration = RegionFactory(kind=Region.Kind.COLLABORATION, name="テスト広域連携")
    collaboration.members.set([city, RegionFactory()])
    application = make_application(selection_round, regions=[collaboration])
    ConflictOfInterest.objects.create(reviewer=reviewer, region=city)
    with pytest.raises(services.ConflictOfInterestError):
        services.review_assign(application=application, reviewer=reviewer, by=staff)


def test_assign_refused_for_a_user_who_is_not_a_reviewer(selection_round, staff):
    with pytest.raises(services.ReviewError, match="審査員として登録されていません"):
        services.review_assign(application=make_application(selection_round), reviewer=ApplicantFactory(), by=staff)


def test_assign_refused_twice_for_the_same_pair(selection_round, reviewer, staff):
    application = make_application(selection_round)
    services.review_assign(application=application, reviewer=reviewer, by=staff)
    with pytest.raises(services.ReviewError, match="既に"):
        services.review_assign(application=application, reviewer=reviewer, by=staff)


def test_assign_refused_for_a_withdrawn_application(selection_round, reviewer, staff):
    application = make_application(selection_round, state=Application.State.WITHDRAWN)
    with pytest.raises(services.ReviewError, match="審査の対象ではない"):
        services.review_assign(application=application, reviewer=reviewer, by=staff)


def test_assign_without_any_due_date_is_refused(reviewer, staff):
    selection_round = make_review_round()
    selection_round.review_settings.review_due_at = None
    selection_round.review_settings.save()
    with pytest.raises(services.ReviewError, match="審査期限"):
        services.review_assign(application=make_application(selection_round), reviewer=reviewer, by=staff)


def _loads(selection_round, reviewers):
    counts = Counter(Review.objects.filter(application__selection_round=selection_round,
                                           state__in=Review.ACTIVE_STATES).values_list("reviewer_id", flat=True))
    return [counts[r.pk] for r in reviewers]


def test_auto_assign_gives_every_application_n_reviewers(staff):
    selection_round = make_review_round(per_application=3)
    pool = ReviewerFactory.create_batch(5)
    applications = [make_application(selection_round) for _ in range(7)]
    services.reviews_auto_assign(selection_round=selection_round, by=staff)
    counts = Counter(Review.objects.filter(application__in=applications).values_list("application_id", flat=True))
    assert sorted(counts.values()) == [3] * 7 and len(pool) == 5


def test_auto_assign_balances_loads_within_one(staff):
    selection_round = make_review_round(per_application=2)
    pool = ReviewerFactory.create_batch(4)
    for _ in range(7):
        make_application(selection_round)
    services.reviews_auto_assign(selection_round=selection_round, by=staff)
    loads = _loads(selection_round, pool)
    assert max(loads) - min(loads) <= 1


def test_auto_assign_never_picks_a_conflicted_reviewer(staff):
    selection_round = make_review_round(per_application=2)
    pool = ReviewerFactory.create_batch(4)
    hokkaido = Region.objects.get(kind=Region.Kind.PREFECTURE, name="北海道")
    ConflictOfInterest.objects.create(reviewer=pool[0], region=hokkaido)
    applications = [make_application(selection_round) for _ in range(6)]  # all in 北海道
    other = make_application(selection_round, regions=[RegionFactory(prefecture=Prefecture.objects.get(code="13"))])
    services.reviews_auto_assign(selection_round=selection_round, by=staff)
    assert not Review.objects.filter(reviewer=pool[0], application__in=applications).exists() and \
        Review.objects.filter(application=other).count() == 2


def test_auto_assign_with_conflicts_is_balanced_when_possible(staff):
    selection_round = make_review_round(per_application=2)
    pool = ReviewerFactory.create_batch(5)
    applications = [make_application(selection_round) for _ in range(10)]
    for reviewer, application in zip(pool, applications):
        ConflictOfInterest.objects.create(reviewer=reviewer, organisation=application.organisation)
    services.reviews_auto_assign(selection_round=selection_round, by=staff)
    loads = _loads(selection_round, pool)
    assert (sum(loads), max(loads) - min(loads)) == (20, 0)


def test_auto_assign_keeps_existing_reviewers_and_counts_their_load(staff):
    selection_round = make_review_round(per_application=2)
    pool = ReviewerFactory.create_batch(3)
    applications = [make_application(selection_round) for _ in range(3)]
    assign(applications[0], pool[0])
    services.reviews_auto_assign(selection_round=selection_round, by=staff)
    assert _loads(selection_round, pool) == [2, 2, 2]


def test_auto_assign_reports_a_shortfall_when_everyone_conflicts(staff):
    selection_round = make_review_round(per_application=2)
    pool = ReviewerFactory.create_batch(2)
    application = make_application(selection_round)
    ConflictOfInterest.objects.create(reviewer=pool[0], organisation=application.organisation)
    result = services.reviews_auto_assign(selection_round=selection_round, by=staff)
    assert [(a.pk, missing) for a, missing in result.shortfalls] == [(application.pk, 1)]


def test_auto_assign_run_twice_adds_nobody(staff):
    selection_round = make_review_round(per_application=2)
    ReviewerFactory.create_batch(3)
    for _ in range(3):
        make_application(selection_round)
    services.reviews_auto_assign(selection_round=selection_round, by=staff)
    assert services.reviews_auto_assign(selection_round=selection_round, by=staff).created == []


def test_recuse_removes_the_review_from_the_reviewers_list(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    services.review_recuse(review=review, by=reviewer, reason="申請主体の委員を務めているため")
    assert list(selectors.reviews_of_reviewer(reviewer)) == []


def test_recuse_flags_the_application_for_reassignment(selection_round, reviewer):
    application = make_application(selection_round)
    assign(application, ReviewerFactory())
    review = assign(application, reviewer)
    services.review_recuse(review=review, by=reviewer, reason="利害関係あり")
    assert list(selectors.applications_needing_reviewers(selection_round)) == [application]


def test_recuse_mails_staff(selection_round, reviewer, staff):
    review = assign(make_application(selection_round), reviewer)
    services.review_recuse(review=review, by=reviewer, reason="利害関係あり")
    assert list(OutboxMail.objects.filter(event="review_recused").values_list("recipients", flat=True)) == [
        [staff.email]]


def test_recuse_without_a_reason_is_refused(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    with pytest.raises(services.ReviewError, match="理由"):
        services.review_recuse(review=review, by=reviewer, reason=" ")


def test_recuse_of_someone_elses_review_is_refused(selection_round, reviewer):
    review = assign(make_application(selection_round), ReviewerFactory())
    with pytest.raises(services.ReviewError):
        services.review_recuse(review=review, by=reviewer, reason="利害関係あり")


def test_recused_reviewer_is_never_assigned_again_automatically(staff):
    selection_round = make_review_round(per_application=1)
    reviewer = ReviewerFactory()
    application = make_application(selection_round)
    services.review_recuse(review=assign(application, reviewer), by=reviewer, reason="利害関係あり")
    result = services.reviews_auto_assign(selection_round=selection_round, by=staff)
    assert (result.created, len(result.shortfalls)) == ([], 1)


def test_conflict_declared_later_withdraws_the_open_reviews_it_breaks(selection_round, reviewer):
    application = make_application(selection_round)
    review = assign(application, reviewer)
    services.conflict_declare(reviewer=reviewer, by=reviewer, organisation=application.organisation, reason="所属先")
    review.refresh_from_db()
    assert review.state == Review.State.RECUSED


def test_conflict_declared_later_leaves_other_reviews_alone(selection_round, reviewer):
    review = assign(make_application(selection_round), reviewer)
    services.conflict_declare(reviewer=reviewer, by=reviewer, organisation=OrganisationFactory(), reason="所属先")
    review.refresh_from_db()
    assert review.state == Review.State.NOT_STARTED


def test_unassign_deletes_a_not_started_review(selection_round, reviewer, staff):
    review = assign(make_application(selection_round), reviewer)
    services.review_unassign(review=review, by=staff)
    assert not Review.objects.filter(pk=review.pk).exists()


def test_unassign_refused_once_scoring_started(selection_round, reviewer, staff):
    review = assign(make_application(selection_round), reviewer, state=Review.State.DRAFT)
    with pytest.raises(services.ReviewLocked):
        services.review_unassign(review=review, by=staff)


def test_set_due_changes_open_reviews_only(selection_round, reviewer, staff):
    open_review = assign(make_application(selection_round), reviewer)
    done = assign(make_application(selection_round), reviewer, state=Review.State.SUBMITTED)
    new_due = timezone.now() + datetime.timedelta(days=30)
    assert services.reviews_set_due(reviews=[open_review, done], due_at=new_due, by=staff) == 1


def test_reviewers_are_only_active_staff_flagged_members_of_the_group(reviewer):
    ReviewerFactory(is_active=False)
    ReviewerFactory(is_staff=False)
    StaffFactory()
    assert list(selectors.reviewers()) == [reviewer] and Role.REVIEWER == "reviewer"
