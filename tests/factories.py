"""The one test-data world: every test makes its people, organisations, rounds, applications and
reviews here. Straight to the models, except where what a person would produce goes through a
service (a submitted review).

- People: `UserFactory` (an applicant, the ordinary person who signs up), `ReviewerFactory` and
  `StaffFactory` (both with an authenticator app: they cannot work without one), `member_of`.
- Organisations: `OrganisationFactory` makes one as registered (状態「確認待ち」, the model's default)
  in a region of its own; pass status=Organisation.Status.CONFIRMED for a confirmed one.
- Rounds: `make_round` (a DX round open for applications now), `make_review_round` (one whose call
  has closed, in review, with its review settings).
- Applications and reviews: `make_application` (submitted, every section present), `assign`,
  `score_inputs`, `submitted_review`, `raw_scores`.

Area helpers that are not factories stay beside their tests (a plan filled in completely in
tests/transition/conftest.py, an application filled in completely in tests/applications/conftest.py)."""

import datetime
import itertools

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from applications.models import SECTION_MODELS, Application, Membership, Organisation
from labportal.models import Prefecture, Programme, Region, Role, SelectionRound, User
from review import services as review_services
from review.models import CriteriaSet, Criterion, Review, RoundReviewSettings, Score
from tests.two_factor import give_totp_if_staff

PASSWORD = "correct horse battery staple"


# --- People ----------------------------------------------------------------------------------

def _role(default):
    def add_group(user, create, extracted, **kwargs):
        role = extracted or default
        if create:
            user.groups.add(Group.objects.get(name=role))
            give_totp_if_staff(user, role)
    return factory.PostGeneration(add_group)


class UserFactory(factory.django.DjangoModelFactory):
    """An applicant unless `role=` says otherwise (Role.STAFF, Role.REVIEWER)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@city.example.jp")
    last_name = "申請"
    first_name = factory.Sequence(lambda n: f"太郎{n}")
    password = factory.django.Password(PASSWORD)

    role = _role(Role.APPLICANT)


ApplicantFactory = UserFactory  # the ordinary person: the name some tests read better with


class ReviewerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"reviewer{n}@example.go.jp")
    last_name = "審査"
    first_name = factory.Sequence(lambda n: f"{n}郎")
    is_staff = True
    role = _role(Role.REVIEWER)


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.go.jp")
    last_name = "事務局"
    is_staff = True
    role = _role(Role.STAFF)


def member_of(organisation, **kwargs) -> User:
    """An applicant who is an active administrator of `organisation`."""
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organisation=organisation, state=Membership.State.ACTIVE,
                              role=Membership.Role.ADMIN)
    return user


# --- Organisations -----------------------------------------------------------------------------

class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    kind = Region.Kind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"テスト{n}市")
    prefecture = factory.LazyFunction(lambda: Prefecture.objects.get(code="01"))


class OrganisationFactory(factory.django.DjangoModelFactory):
    """Registered, awaiting confirmation; its regions are `regions=` or one region of its own (so
    that no two organisations share a region, and no conflict of interest by region, by chance)."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"テスト市{n}")
    kind = Organisation.Kind.MUNICIPALITY
    department = "企画政策部"
    phone = "000-0000-0001"

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.set(extracted if extracted is not None else [RegionFactory()])


# --- Rounds ------------------------------------------------------------------------------------

_round_numbers = itertools.count(50)


def make_round(number=None, opens_at=None, closes_at=None, state=SelectionRound.State.OPEN) -> SelectionRound:
    """A DX round, by default open for applications from yesterday for 30 days."""
    now = timezone.now()
    number = number or (SelectionRound.objects.filter(programme__code="dx").count() + 1)
    return SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=number, state=state,
        opens_at=opens_at or now - datetime.timedelta(days=1),
        closes_at=closes_at or now + datetime.timedelta(days=30))


def dx_criteria_set() -> CriteriaSet:
    return CriteriaSet.objects.get(programme__code="dx", version=1)


def _free_round_number() -> int:
    """The next number from 50 on that no DX round has (a test may have made rounds of its own)."""
    taken = set(SelectionRound.objects.filter(programme__code="dx").values_list("number", flat=True))
    return next(number for number in _round_numbers if number not in taken)


def make_review_round(*, state=SelectionRound.State.REVIEWING, criteria_set=None, per_application=2,
                      due_in_days=14, **settings) -> SelectionRound:
    """A DX round whose call closed ten days ago, in review (unless `state`), with its review
    settings: the DX criteria, `per_application` reviewers each, due in `due_in_days`."""
    now = timezone.now()
    selection_round = make_round(_free_round_number(), state=state, opens_at=now - datetime.timedelta(days=40),
                                 closes_at=now - datetime.timedelta(days=10))
    RoundReviewSettings.objects.create(
        selection_round=selection_round, criteria_set=criteria_set or dx_criteria_set(),
        reviewers_per_application=per_application,
        review_due_at=now + datetime.timedelta(days=due_in_days), **settings)
    return selection_round


# --- Applications and reviews ----------------------------------------------------------------------

_receipts = itertools.count(1)


def make_application(selection_round, *, organisation=None, state=Application.State.UNDER_REVIEW,
                     lab_name=None, regions=None) -> Application:
    """A submitted application (in review unless `state`) with every section, of a confirmed
    organisation made for it unless given; 対象地域 are `regions` or the organisation's."""
    organisation = organisation or OrganisationFactory(
        status=Organisation.Status.CONFIRMED, **({"regions": regions} if regions is not None else {}))
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
    return {criterion.pk: review_services.ScoreInput(value, comment if value is not None else "")
            for criterion, value in zip(criteria(selection_round), values)}


def submitted_review(application, reviewer, values, *, recommendation=Review.Recommendation.RECOMMEND) -> Review:
    """A review submitted through the service, so it is what a reviewer would have produced."""
    review = assign(application, reviewer)
    return review_services.review_save(review=review, by=reviewer, submit=True, recommendation=recommendation,
                                       scores=score_inputs(application.selection_round, values))


def raw_scores(review, values) -> None:
    """Scores straight to the table (e.g. a missing one that the service would refuse)."""
    for criterion, value in zip(criteria(review.application.selection_round), values):
        Score.objects.create(review=review, criterion=criterion, value=value)
