"""Fixtures and helpers of the transition tests (the factories are tests/factories.py): a policy
whose period has started, the IoT lab of 会津若松市 linked to its organisation, a plan filled in
completely. Times in Asia/Tokyo."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from applications.models import (
    Activity,
    Initiative,
    RegionalityAspect,
    Kpi,
    Organisation,
    Participant,
    Quadrant,
    RoadmapItem,
)
from labportal.models import Lab
from tests.factories import OrganisationFactory, StaffFactory, member_of
from transition import services
from transition.models import TransitionPolicy, TransitionRequest

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=JST)


def make_policy(*, starts_on=None, ends_on=None, procedure=TransitionPolicy.Procedure.PLAN_CHANGE,
                end_state=TransitionPolicy.EndState.ABOLISH, effective_from=None, offsets=None,
                name="移行方針（テスト）") -> TransitionPolicy:
    today = timezone.localdate()
    policy = TransitionPolicy(
        name=name, effective_from=effective_from or timezone.now() - datetime.timedelta(days=400),
        period_starts_on=starts_on or today - datetime.timedelta(days=365),
        period_ends_on=ends_on or today + datetime.timedelta(days=730),
        procedure=procedure, end_state=end_state,
        reminder_offsets_days=[180, 90, 30, 7] if offsets is None else offsets)
    return services.policy_save(policy=policy)


def iot_lab(name="会津若松市") -> Lab:
    return Lab.objects.get(programme__code="iot", name=name)


def request_of(lab: Lab) -> TransitionRequest:
    return TransitionRequest.objects.get(lab=lab)


def fill_plan(transition_request: TransitionRequest) -> TransitionRequest:
    """Answer every required item of the plan, as a careful organisation would."""
    application = transition_request.application
    basic = application.basic
    basic.lab_name = f"{transition_request.lab.name}地域DX推進ラボ"
    basic.implementing_body = "会津若松市DX推進協議会"
    basic.implementing_body_members = "会津若松市、会津大学、会津若松商工会議所"
    basic.contact_name = "会津 次郎"
    basic.contact_kana = "アイヅ ジロウ"
    basic.contact_department = "企画政策部"
    basic.contact_phone = "000-0000-0001"
    basic.contact_email = "dx@city.aizuwakamatsu.example.jp"
    basic.save()
    basic.regions.set([transition_request.lab.region])
    direction = application.direction
    direction.vision, direction.goals, direction.process = "ビジョン", "目標", "プロセス"
    direction.save()
    Kpi.objects.create(application=application, indicator="DX支援件数", current_value="10件",
                       target_value="100件", target_fiscal_year=2028)
    RoadmapItem.objects.create(application=application, fiscal_year=2026, plan="相談窓口の開設")
    regionality = application.regionality
    regionality.regional_issues, regionality.target_industries = "人手不足", "製造業"
    regionality.save()
    regionality.aspects.set(RegionalityAspect.objects.filter(code="1"))
    application.innovation.initiatives.set(Initiative.objects.filter(code="1"))
    innovation = application.innovation
    innovation.activity_plan = "相談窓口と専門家派遣を行う。"
    innovation.save()
    innovation.quadrants.set(Quadrant.objects.filter(code="II"))
    innovation.activities.set(Activity.objects.all()[:2])
    commitment = application.commitment
    commitment.municipality_role, commitment.funding_plan = "事務局を担う", "市の予算と会費"
    commitment.returns, commitment.staffing = "会費収入", "専任職員2名"
    commitment.save()
    diversity = application.diversity
    diversity.collaboration = "産学官の協議会"
    diversity.save()
    Participant.objects.create(application=application, name="会津大学", kind=Participant.Kind.SCHOOL,
                               role="技術支援")
    TransitionRequest.objects.filter(pk=transition_request.pk).update(
        changes_statement="地域全体（面）に加え、地域企業（点）の支援を始めます。")
    transition_request.refresh_from_db()
    return transition_request


@pytest.fixture
def policy(db):
    return make_policy()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="会津若松市", status=Organisation.Status.CONFIRMED, regions=[])


@pytest.fixture
def member(organisation):
    return member_of(organisation, email="aizu@city.example.jp")


@pytest.fixture
def transition_request(policy, organisation, member, staff):
    """会津若松市's IoT lab, linked to its organisation by staff."""
    return services.request_link_organisation(transition_request=request_of(iot_lab()), organisation=organisation, by=staff)


@pytest.fixture
def drafted(transition_request, member):
    """The request started (作成中) with its plan filled in completely."""
    transition_request = services.request_start(transition_request=transition_request, user=member)
    return fill_plan(transition_request)


@pytest.fixture
def submitted(drafted, member):
    return services.request_submit(transition_request=drafted, user=member)
