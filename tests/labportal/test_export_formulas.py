"""Every CSV and Excel export, downloaded as staff (or the public, for the open data): text that
a spreadsheet would run as a formula — = + - @, a tab or carriage return, and the full-width ＝ ＋
－ ＠ of a Japanese IME — comes out as text with a leading apostrophe, wherever an applicant,
a reviewer or staff typed it."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from labportal.models import Lab
from labportal.spreadsheet import csv_cell, xlsx_cell
from review.models import Review
from tests.factories import (
    OrganisationFactory,
    ReviewerFactory,
    StaffFactory,
    make_application,
    make_review_round,
    submitted_review,
)
from tests.transition.conftest import iot_lab, make_policy
from transition import services as transition_services
from transition.models import TransitionRequest

pytestmark = pytest.mark.django_db

ORGANISATION = "＝HYPERLINK(\"http://evil.example\",\"申請主体\")"
LAB = "=HYPERLINK(\"http://evil.example\",\"ラボ\")"
ANSWER = "@SUM(1+1)*cmd|' /C calc'!A0"
CONTACT = "－1+1 札幌"
COMMENT = "＋1+1 総評"
MESSAGE = "\t=1+1 お知らせ"
IMPLEMENTING_BODY = "+1+1 協議会"
BUDGET = "-1+1 予算"
FULL_WIDTH_AT = "＠SUM(A1) 備考"
CARRIAGE_RETURN = "\r=1+1 改行"


def _csv_cells(response) -> set[str]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return {cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row}


def _xlsx_cells(response) -> set:
    workbook = load_workbook(io.BytesIO(response.content))
    return {cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row}


def _escaped(cells, *texts) -> list[bool]:
    """For each text: is it there with its apostrophe, and nowhere without?"""
    return ["'" + text in cells and text not in cells for text in texts]


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


# --- The shared cell functions ------------------------------------------------------------------

def test_cells_neutralise_every_formula_prefix_half_and_full_width():
    texts = ["=1", "+1", "-1", "@A1", "\t=1", "\r=1", "＝1", "＋1", "－1", "＠A1"]
    assert ([csv_cell(t) for t in texts], [xlsx_cell(t) for t in texts]) == (
        ["'" + t for t in texts], ["'" + t for t in texts])


def test_cells_keep_numbers_as_numbers_and_plain_text_as_is():
    assert ([csv_cell(v) for v in (-0.5, 3, None, "札幌市")], [xlsx_cell(v) for v in (-0.5, 3, None, "札幌市")]) == (
        ["-0.5", "3", "", "札幌市"], [-0.5, 3, None, "札幌市"])


def test_xlsx_cell_drops_control_characters_before_neutralising():
    assert xlsx_cell("\x01=1+1") == "'=1+1"


# --- applications: the staff's export of applications (admin) ------------------------------------

@pytest.fixture
def hostile_application(db):
    application = make_application(make_review_round(), organisation=OrganisationFactory(name=ORGANISATION), lab_name=LAB)
    basic = application.basic
    basic.contact_name, basic.implementing_body = CONTACT, IMPLEMENTING_BODY
    basic.save()
    direction = application.direction
    direction.vision, direction.goals, direction.process = ANSWER, FULL_WIDTH_AT, CARRIAGE_RETURN
    direction.save()
    commitment = application.commitment
    commitment.funding_plan = BUDGET
    commitment.save()
    return application


APPLICATION_TEXTS = (ORGANISATION, LAB, ANSWER, CONTACT, IMPLEMENTING_BODY, FULL_WIDTH_AT, CARRIAGE_RETURN, BUDGET)


def test_applications_csv_export_escapes_what_applicants_typed(staff_client, hostile_application):
    cells = _csv_cells(staff_client.get(reverse("admin:applications_application_export_csv")))
    assert _escaped(cells, *APPLICATION_TEXTS) == [True] * len(APPLICATION_TEXTS)


def test_applications_xlsx_export_escapes_what_applicants_typed(staff_client, hostile_application):
    cells = _xlsx_cells(staff_client.get(reverse("admin:applications_application_export_xlsx")))
    texts = [text.replace("\r", "\n") for text in APPLICATION_TEXTS]  # XML reads a CR back as a LF
    assert _escaped(cells, *texts) == [True] * len(texts)


# --- review: a round's results (admin) -------------------------------------------------------------

@pytest.fixture
def hostile_round(db):
    selection_round = make_review_round()
    application = make_application(selection_round, organisation=OrganisationFactory(name=ORGANISATION),
                                   lab_name=LAB)
    for reviewer in ReviewerFactory.create_batch(2):
        review = submitted_review(application, reviewer, [3, 3, 3, 3, 3, None])
        Review.objects.filter(pk=review.pk).update(overall_comment=COMMENT)
    return selection_round


def _results(client, selection_round, extension):
    return client.get(reverse(f"admin:review_roundreviewsettings_export_{extension}",
                              args=[selection_round.review_settings.pk]))


def test_review_results_csv_escapes_lab_and_organisation_names(staff_client, hostile_round):
    cells = _csv_cells(_results(staff_client, hostile_round, "csv"))
    assert _escaped(cells, ORGANISATION, LAB) == [True, True]


def test_review_results_xlsx_escapes_names_and_the_reviewers_comments(staff_client, hostile_round):
    cells = _xlsx_cells(_results(staff_client, hostile_round, "xlsx"))
    assert _escaped(cells, ORGANISATION, LAB, COMMENT) == [True, True, True]


# --- transition: the dashboard's export (staff) ------------------------------------------------------

@pytest.fixture
def hostile_transition(db):
    make_policy()
    transition_request = TransitionRequest.objects.get(lab=iot_lab())
    transition_services.request_link_organisation(transition_request=transition_request, organisation=OrganisationFactory(name=ORGANISATION),
                                                  by=StaffFactory())
    TransitionRequest.objects.filter(pk=transition_request.pk).update(decision_message=MESSAGE)
    Lab.objects.filter(pk=transition_request.lab_id).update(name=LAB)
    return transition_request


def test_transition_csv_export_escapes_organisation_lab_and_message(staff_client, hostile_transition):
    cells = _csv_cells(staff_client.get(reverse("transition:export_csv")))
    assert _escaped(cells, ORGANISATION, LAB, MESSAGE) == [True, True, True]


def test_transition_xlsx_export_escapes_organisation_lab_and_message(staff_client, hostile_transition):
    cells = _xlsx_cells(staff_client.get(reverse("transition:export_xlsx")))
    assert _escaped(cells, ORGANISATION, LAB, MESSAGE) == [True, True, True]


# --- labportal: the open data (public) ----------------------------------------------------------------

def test_opendata_csv_escapes_a_lab_name_in_full_width(client):
    Lab.objects.filter(pk=iot_lab().pk).update(name="＝1+1 ラボ")
    cells = _csv_cells(client.get(reverse("opendata_labs_csv")))
    assert _escaped(cells, "＝1+1 ラボ") == [True]


def test_applications_export_keeps_numbers_as_numbers(staff_client, hostile_application):
    workbook = load_workbook(io.BytesIO(staff_client.get(reverse("admin:applications_application_export_xlsx")).content))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index("KPI数") + 1).value == 0
