import pytest
from django.core.management import call_command

from applications.models import Application, Membership

pytestmark = pytest.mark.django_db


def test_demo_data_gives_each_demo_applicant_its_municipality_and_sapporo_a_draft(capsys):
    call_command("demo_data")
    call_command("demo_data")  # idempotent
    memberships = sorted(Membership.objects.filter(state="active").values_list("user__email", "organisation__name"))
    drafts = list(Application.objects.values_list("organisation__name", "state"))
    assert (memberships, drafts) == (
        [("aizu@labportal.example", "会津若松市"), ("sapporo@labportal.example", "札幌市")],
        [("札幌市", "draft")])
