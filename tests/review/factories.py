"""Factories of the review tests: reviewers, staff, rounds in review, submitted applications
with their sections, reviews with scores. Straight to the models, except where a test is about
the service itself."""

import datetime
import itertools

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from applications.models import SECTION_MODELS, Application, Membership, Organisation
from labportal.models import Prefecture, Programme, Region, Role, SelectionRound, User
from review import services
from review.models import CriteriaSet, Criterion, Review, RoundReviewSettings, Score
from tests.two_factor import give_totp_if_staff

PASSWORD = "correct horse battery staple"
_round_numbers = itertools.count(50)


def _role(default):
    def add_group(user, create, extracted, **kwargs):
        if create and (extracted or default):
            user.groups.add(Group.objects.get(name=extracted or default))
        if create:
            give_totp_if_staff(user, extracted or default)
    return factory.PostGeneration(add_group)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.go.jp")
    last_name = "審査"
    first_name = factory.Sequence(lambda n: f"{n}郎")
    password = factory.django.Password(PASSWORD)

    role = _role(None)


class ReviewerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"reviewer{n}@example.go.jp")
    is_staff = True
    role = _role(Role.REVIEWER)


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.go.jp")
    last_name = "事務局"
    is_staff = True
    role = _role(Role.STAFF)


class ApplicantFactory(UserFactory):
    email = factory.Sequence(lambda n: f"applicant{n}@city.example.jp")
    last_name = "申請"
    role = _role(Role.APPLICANT)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    kind = Region.Kind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"テスト{n}市")
    prefecture = factory.LazyFunction(lambda: Prefecture.objects.get(code="01"))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"テスト{n}市役所")
    kind = Organisation.Kind.MUNICIPALITY
    status = Organisation.Status.CONFIRMED

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.set(extracted if extracted is not None else [RegionFactory()])


def member_of(organisation, **kwargs) -> User:
    user = ApplicantFactory(**kwargs)
    Membership.objects.create(user=user, organisation=organisation, state=Membership.State.ACTIVE,
                              role=Membership.Role.ADMIN)
    return user


def dx_criteria_set() -> CriteriaSet:
    return CriteriaSet.objects.get(programme__code="dx", version=1)


def make_round(*, state=SelectionRound.State.REVIEWING, criteria_set=None, per_application=2,
               due_in_days=14, **settings) -> SelectionRound:
    now = timezone.now()
    selection_round = SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=next(_round_numbers), state=state,
        opens_at=now - datetime.timedelta(days=40), closes_at=now - datetime.timedelta(days=10))
    RoundReviewSettings.objects.create(
        selection_round=selection_round, criteria_set=criteria_set or dx_criteria_set(),
        reviewers_per_application=per_application,
        review_due_at=now + datetime.timedelta(days=due_in_days), **settings)
    return selection_round


_receipts = itertools.count(1)


def make_application(selection_round, *, organisation=None, state=Application.State.UNDER_REVIEW,
                     lab_name=None, regions=None) -> Application:
    organisation = organisation or OrganisationFactory(**({"regions": regions} if regions is not None else {}))
    seq = next(_receipts)
    application = Application.objects.create(
        organisation=organisation, selection_round=selection_round, state=state,
        receipt_number=f"DX-TEST-{selection_round.number:02d}-{seq:05d}", receipt_seq=seq,
        submitted_at=timezone.now(), first_submitted_at=timezone.now())
    for model in SECTION_MODELS:
        model.objects.create(application=application)
    basic = application.basic
    basic.lab_name = lab_name or f"{organisation.name}地域DX推進ラボ"
    basic.implementing_body = f"{organisation.name}DX推進協議会"
    basic.save()
    basic.regions.set(regions if regions is not None else organisation.regions.all())
    return application


def assign(application, reviewer, *, due_at=None, state=Review.State.NOT_STARTED) -> Review:
    return Review.objects.create(application=application, reviewer=reviewer, state=state,
                                 due_at=due_at or timezone.now() + datetime.timedelta(days=14))


def criteria(selection_round) -> list[Criterion]:
    return list(selection_round.review_settings.criteria_set.criteria.order_by("order"))


def score_inputs(selection_round, values, comment="根拠のあるコメント") -> dict:
    """{criterion id: ScoreInput} from values in criterion order (None: not scored)."""
    return {criterion.pk: services.ScoreInput(value, comment if value is not None else "")
            for criterion, value in zip(criteria(selection_round), values)}


def submitted_review(application, reviewer, values, *, recommendation=Review.Recommendation.RECOMMEND) -> Review:
    """A review submitted through the service, so it is what a reviewer would have produced."""
    review = assign(application, reviewer)
    return services.review_save(review=review, by=reviewer, submit=True, recommendation=recommendation,
                                scores=score_inputs(application.selection_round, values))


def raw_scores(review, values) -> None:
    """Scores straight to the table (e.g. a missing one that the service would refuse)."""
    for criterion, value in zip(criteria(review.application.selection_round), values):
        Score.objects.create(review=review, criterion=criterion, value=value)
