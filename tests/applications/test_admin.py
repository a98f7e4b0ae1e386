import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications import services
from applications.models import Application, Attachment, Initiative, Quadrant
from labportal.models import OutboxMail, Region, Role
from tests.factories import OrganisationFactory, UserFactory, member_of

from .conftest import fill_completely, pdf_upload

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:applications_application_changelist"


@pytest.fixture
def staff(client):
    user = UserFactory(email="staff@meti.example.jp", is_staff=True, role=Role.STAFF)
    client.force_login(user)
    return user


def _submitted(organisation, applicant, selection_round, **changes):
    application = fill_completely(services.application_create(
        organisation=organisation, selection_round=selection_round, user=applicant))
    for key, values in changes.items():
        getattr(application, key.split("__")[0]).__getattribute__(key.split("__")[1]).set(values)
    services.application_submit(application_id=application.pk, user=applicant)
    return Application.objects.get(pk=application.pk)


# Session, user, groups/permissions, count, the page of rows, prefetched regions, the filters'
# choices (rounds, bureaus, prefectures, initiatives, quadrants) and the date hierarchy.
CHANGELIST_QUERIES = 15


@pytest.mark.parametrize("count", [1, 30])
def test_changelist_query_count_same_for_1_and_30(client, staff, organisation, applicant, selection_round,
                                                   django_assert_num_queries, count):
    for number in range(count):  # one application per organisation per round
        services.application_create(organisation=organisation if number == 0 else OrganisationFactory(),
                                    selection_round=selection_round, user=applicant)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = client.get(reverse(CHANGELIST))
    assert response.context["cl"].result_count == count


def test_changelist_row_checkbox_is_djangos_own(organisation, applicant, selection_round):
    """ApplicationAdmin writes the action checkbox itself (Django's widget renders three
    templates per row); staff and the actions' JavaScript see the very same HTML."""
    from django.contrib import admin
    from django.utils import translation

    application = services.application_create(organisation=organisation, selection_round=selection_round,
                                              user=applicant)
    model_admin = admin.site._registry[Application]
    with translation.override("ja"):
        assert model_admin.action_checkbox(application) == admin.ModelAdmin.action_checkbox(
            model_admin, application)


@pytest.fixture
def two_applications(organisation, applicant, selection_round):
    aizu_org = OrganisationFactory(name="会津若松市", regions=[Region.objects.get(name="会津若松市")])
    aizu_user = member_of(aizu_org, email="aizu@city.example.jp")
    sapporo = _submitted(organisation, applicant, selection_round)
    aizu = fill_completely(services.application_create(organisation=aizu_org, selection_round=selection_round,
                                                       user=aizu_user))
    aizu.basic.regions.set([Region.objects.get(name="会津若松市")])
    aizu.innovation.initiatives.set(Initiative.objects.filter(code="2"))
    aizu.innovation.quadrants.set(Quadrant.objects.filter(code="I"))
    return sapporo, aizu


@pytest.mark.parametrize(("params", "expected"), [
    ({"state": "submitted"}, ["札幌市"]), ({"state": "draft"}, ["会津若松市"]),
    ({"bureau": "tohoku"}, ["会津若松市"]), ({"prefecture": "01"}, ["札幌市"]),
    ({"initiative": "2"}, ["会津若松市"]), ({"quadrant": "II"}, ["札幌市"]),
])
def test_changelist_filters(client, staff, two_applications, params, expected):
    response = client.get(reverse(CHANGELIST), params)
    assert [a.organisation.name for a in response.context["cl"].result_list] == expected


def test_changelist_filter_by_round(client, staff, two_applications, selection_round):
    response = client.get(reverse(CHANGELIST), {"selection_round": selection_round.pk})
    assert response.context["cl"].result_count == 2


def test_export_csv_of_filtered_changelist(client, staff, two_applications):
    response = client.get(reverse("admin:applications_application_export_csv"), {"bureau": "hokkaido"})
    content = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert (content.startswith("\ufeff"), rows[0][:3], [r[0] for r in rows[1:]]) == (
        True, ["受付番号", "状態", "公募回"], [two_applications[0].receipt_number])


def test_export_csv_neutralises_formula_like_answers(client, staff, two_applications):
    sapporo = two_applications[0]
    type(sapporo.basic).objects.filter(pk=sapporo.basic.pk).update(lab_name="=HYPERLINK(\"x\")")
    content = client.get(reverse("admin:applications_application_export_csv")).content.decode("utf-8")
    row = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))[1]
    assert row[6] == "'=HYPERLINK(\"x\")"


def test_export_xlsx_opens_with_openpyxl_and_holds_each_application(client, staff, two_applications):
    response = client.get(reverse("admin:applications_application_export_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    values = {row[header.index("申請主体")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    sapporo = values["札幌市"]
    assert (sheet.title, sapporo[header.index("受付番号")], sapporo[header.index("象限")],
            sapporo[header.index("KPI数")], sapporo[header.index("方向性：DX推進のビジョン")]) == (
        "申請一覧", two_applications[0].receipt_number, "Ⅱ", 1, "ビジョン")


def test_export_action_on_selection(client, staff, two_applications):
    response = client.post(reverse(CHANGELIST), {"action": "export_csv",
                                                 "_selected_action": [two_applications[1].pk]})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert [r[3] for r in rows[1:]] == ["会津若松市"]


def test_change_page_shows_answers_read_only(client, staff, two_applications):
    content = client.get(reverse("admin:applications_application_change", args=[two_applications[0].pk]))
    text = content.content.decode()
    assert ("札幌市地域DX推進ラボ" in text, 'name="_save"' in text) == (True, False)


def test_return_for_revision_from_admin(client, staff, two_applications):
    sapporo = two_applications[0]
    due = (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("admin:applications_application_return", args=[sapporo.pk]),
                {"message": "KPIの目標年度を明記してください", "due_at": due})
    assert (Application.objects.get(pk=sapporo.pk).state,
            OutboxMail.objects.filter(event="applications_returned").count()) == ("returned", 1)


def test_return_with_past_due_refused_with_message(client, staff, two_applications):
    response = client.post(reverse("admin:applications_application_return", args=[two_applications[0].pk]),
                           {"message": "修正を", "due_at": "2020-01-01T10:00"})
    assert "現在より後の日時" in response.content.decode()


def test_versions_page_shows_what_changed(client, staff, two_applications, applicant):
    sapporo = two_applications[0]
    services.application_return_for_revision(application_id=sapporo.pk, by=staff, message="修正を",
                                             due_at=timezone.now() + datetime.timedelta(days=3))
    type(sapporo.direction).objects.filter(pk=sapporo.direction.pk).update(goals="新しい目標")
    services.application_submit(application_id=sapporo.pk, user=applicant)
    content = client.get(reverse("admin:applications_application_versions", args=[sapporo.pk])).content.decode()
    assert ("方向性：目標" in content, "+新しい目標" in content) == (True, True)


def test_staff_downloads_attachment_through_admin(client, staff, application, applicant):
    attachment = services.attachment_add(application=application, uploaded=pdf_upload(),
                                         kind=Attachment.Kind.PLAN, user=applicant)
    response = client.get(reverse("admin:applications_attachment_download", args=[attachment.pk]))
    assert response["Content-Type"] == "application/pdf"


def test_start_review_action(client, staff, two_applications):
    client.post(reverse(CHANGELIST), {"action": "start_review",
                                      "_selected_action": [a.pk for a in two_applications]})
    assert sorted(Application.objects.values_list("state", flat=True)) == ["draft", "under_review"]
