"""The lab mark: downloadable by the selected lab's organisation, by nobody else."""

import pytest
from django.urls import reverse

from labportal.models import Lab
from review import services

from tests.factories import ApplicantFactory, ReviewerFactory, make_application, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(selection_round, staff):
    application = make_application(selection_round, lab_name="マーク市地域DX推進ラボ")
    application.member = member_of(application.organisation)
    services.decision_record(application=application, outcome="selected", reason="選定", by=staff)
    services.round_announce(selection_round=selection_round, by=staff)
    lab = Lab.objects.get(decision__application=application)
    lab.member = application.member
    return lab


def test_lab_mark_downloads_as_svg_for_a_member(client, lab):
    client.force_login(lab.member)
    response = client.get(reverse("review:lab_mark", args=[lab.pk]))
    body = b"".join(response.streaming_content)
    assert (response.status_code, response["Content-Type"], b"<svg" in body,
            "attachment" in response["Content-Disposition"]) == (200, "image/svg+xml", True, True)


def test_lab_mark_refused_to_another_organisations_member(client, lab):
    client.force_login(member_of(make_application(lab.selection_round).organisation))
    assert client.get(reverse("review:lab_mark", args=[lab.pk])).status_code == 404


def test_lab_mark_refused_to_a_reviewer(client, lab):
    client.force_login(ReviewerFactory())
    assert client.get(reverse("review:lab_mark", args=[lab.pk])).status_code == 404


def test_lab_mark_sends_the_logged_out_to_login(client, lab):
    response = client.get(reverse("review:lab_mark", args=[lab.pk]))
    assert response.status_code == 302


def test_lab_mark_of_an_iot_lab_is_404(client, lab):
    client.force_login(lab.member)
    iot_lab = Lab.objects.filter(programme__code="iot").first()
    assert client.get(reverse("review:lab_mark", args=[iot_lab.pk])).status_code == 404


def test_lab_page_offers_the_mark_to_its_organisation(client, lab):
    client.force_login(lab.member)
    content = client.get(lab.get_absolute_url()).content.decode()
    assert reverse("review:lab_mark", args=[lab.pk]) in content


def test_lab_page_hides_the_mark_from_the_public(client, lab):
    content = client.get(lab.get_absolute_url()).content.decode()
    assert reverse("review:lab_mark", args=[lab.pk]) not in content


def test_lab_page_hides_the_mark_from_other_applicants(client, lab):
    client.force_login(ApplicantFactory())
    content = client.get(lab.get_absolute_url()).content.decode()
    assert "「地域DX推進ラボ」マーク" not in content


def test_selected_lab_appears_in_the_directory_and_open_data(client, lab):
    labs = client.get(reverse("opendata_labs_json")).json()["labs"]
    assert [(r["name"], r["round"]) for r in labs if r["programme"] == "dx"] == [
        ("マーク市地域DX推進ラボ", lab.selection_round.number)]
