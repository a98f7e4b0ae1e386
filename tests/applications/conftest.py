"""Factories and helpers of the applications tests: an applicant with an organisation, an open
round (times in Asia/Tokyo), and an application filled in completely."""

import datetime
from zoneinfo import ZoneInfo

import factory
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import services
from applications.models import (
    Activity,
    Application,
    Initiative,
    RegionalityAspect,
    Kpi,
    Membership,
    Organisation,
    Participant,
    Quadrant,
    RoadmapItem,
)
from labportal.models import Programme, Region, Role, SelectionRound, User
from tests.two_factor import give_totp_if_staff

JST = ZoneInfo("Asia/Tokyo")
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@city.example.jp")
    last_name = "申請"
    first_name = factory.Sequence(lambda n: f"太郎{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or Role.APPLICANT))
            self.save()
            give_totp_if_staff(self, extracted)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"テスト市{n}")
    kind = Organisation.Kind.MUNICIPALITY

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.set(extracted or [Region.objects.get(name="札幌市")])


def member_of(organisation, **kwargs) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organisation=organisation, state=Membership.State.ACTIVE,
                              role=Membership.Role.ADMIN)
    return user


def make_round(number=None, opens_at=None, closes_at=None, state=SelectionRound.State.OPEN):
    now = timezone.now()
    number = number or (SelectionRound.objects.filter(programme__code="dx").count() + 1)
    return SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=number, state=state,
        opens_at=opens_at or now - datetime.timedelta(days=1),
        closes_at=closes_at or now + datetime.timedelta(days=30))


@pytest.fixture
def selection_round(db):
    return make_round()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="札幌市")


@pytest.fixture
def applicant(organisation):
    return member_of(organisation, email="sapporo@city.example.jp")


@pytest.fixture
def application(organisation, selection_round, applicant):
    return services.application_create(organisation=organisation, selection_round=selection_round,
                                       user=applicant)


def pdf_upload(name="plan.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fill_completely(application: Application):
    """Answer every required item, as a careful applicant would (straight to the models)."""
    basic = application.basic
    basic.lab_name = "札幌市地域DX推進ラボ"
    basic.implementing_body = "札幌市DX推進協議会"
    basic.implementing_body_members = "札幌市、北海道大学、札幌商工会議所"
    basic.contact_name = "札幌 太郎"
    basic.contact_kana = "サッポロ タロウ"
    basic.contact_department = "経済観光局"
    basic.contact_phone = "000-0000-0000"
    basic.contact_email = "dx@city.sapporo.example.jp"
    basic.save()
    basic.regions.set([Region.objects.get(name="札幌市")])
    direction = application.direction
    direction.vision, direction.goals, direction.process = "ビジョン", "目標", "プロセス"
    direction.save()
    Kpi.objects.create(application=application, indicator="DX支援件数", current_value="10件",
                       target_value="100件", target_fiscal_year=2028)
    RoadmapItem.objects.create(application=application, fiscal_year=2026, plan="相談窓口の開設")
    regionality = application.regionality
    regionality.regional_issues, regionality.target_industries = "人手不足", "観光業、製造業"
    regionality.save()
    regionality.aspects.set(RegionalityAspect.objects.filter(code="1"))
    application.innovation.initiatives.set(Initiative.objects.filter(code="1"))
    innovation = application.innovation
    innovation.activity_plan = "相談窓口と専門家派遣を行う。"
    innovation.save()
    innovation.quadrants.set(Quadrant.objects.filter(code="II"))
    innovation.activities.set(Activity.objects.filter(code__in=["consultation", "expert_dispatch"]))
    commitment = application.commitment
    commitment.municipality_role = "事務局を担う"
    commitment.funding_plan = "市の予算と会費"
    commitment.returns = "会費収入"
    commitment.staffing = "専任職員2名"
    commitment.save()
    diversity = application.diversity
    diversity.collaboration = "産学官の協議会"
    diversity.save()
    Participant.objects.create(application=application, name="北海道大学", kind=Participant.Kind.SCHOOL,
                               role="技術支援")
    return application


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth rate-limits mails per address in the cache: each test starts afresh."""
    from django.core.cache import cache

    cache.clear()
