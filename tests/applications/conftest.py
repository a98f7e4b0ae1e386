"""Fixtures and helpers of the applications tests: an applicant with an organisation (札幌市), an
open round (times in Asia/Tokyo), and an application filled in completely. The factories are
tests/factories.py."""

from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import (
    Activity,
    Application,
    Initiative,
    RegionalityAspect,
    Kpi,
    Participant,
    Quadrant,
    RoadmapItem,
)
from labportal.models import Region
from tests.factories import OrganisationFactory, make_round, member_of
# test_region_choice.py, new while the factories moved, still imports UserFactory from here
from tests.factories import UserFactory  # noqa: F401

JST = ZoneInfo("Asia/Tokyo")
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def selection_round(db):
    return make_round()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="札幌市", regions=[Region.objects.get(name="札幌市")])


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
