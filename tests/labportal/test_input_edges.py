"""Input at the edges (issue 15): ids that no database integer holds, forged table sizes, uploads
past the size limit or that are two files in one, the security log's record of the admin's
"does not exist", and the browsers' CSP violation reports."""

import inspect
import io
import json
import zipfile

import pytest
from django import forms
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

import applications.forms
import review.forms
import transition.forms
from applications import forms as application_forms
from applications import services
from applications.forms import BasicInfoForm, InnovationForm, OrganisationForm, RegionalityForm
from applications.models import Attachment
from labportal.ids import IdCheckedChoiceMixin
from labportal.models import SecurityEvent
from labportal.uploads import TooLargeUpload
from tests.applications.conftest import PDF_BYTES, applicant, application, organisation, selection_round
from tests.factories import ReviewerFactory, StaffFactory

pytestmark = pytest.mark.django_db

HUGE_ID = "99999999999999999999"  # 20 digits: more than any database integer holds


# --- Ids in multiple choices -----------------------------------------------------------------------

def _form_classes():
    for module in (applications.forms, transition.forms, review.forms):
        for _name, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, forms.BaseForm) and form_class.__module__ == module.__name__:
                yield form_class


def test_every_model_choice_field_of_the_portals_forms_checks_its_ids():
    unchecked = sorted(f"{form_class.__name__}.{name}" for form_class in _form_classes()
                       for name, field in form_class.base_fields.items()
                       if isinstance(field, forms.ModelMultipleChoiceField)
                       and not isinstance(field, IdCheckedChoiceMixin))
    assert unchecked == []


def _multiple_choices():
    """Every multiple choice of the applicant's forms, as (form class, field name)."""
    return [(form_class, name) for form_class in (BasicInfoForm, RegionalityForm, InnovationForm, OrganisationForm)
            for name, field in form_class.base_fields.items() if isinstance(field, forms.ModelMultipleChoiceField)]


def test_applicant_forms_have_multiple_choices_to_drive():
    """The regions of the basic section and of the organisation form, and the sections' choices."""
    names = {f"{form.__name__}.{name}" for form, name in _multiple_choices()}
    assert {"BasicInfoForm.regions", "OrganisationForm.regions", "InnovationForm.activities"} <= names


@pytest.mark.parametrize(("form_class", "name"), _multiple_choices(), ids=lambda v: getattr(v, "__name__", v))
def test_a_20_digit_id_is_a_field_error_before_any_query(form_class, name):
    """SQLite raised OverflowError on this id (make run); the field now refuses it unread."""
    field = form_class.base_fields[name]
    with CaptureQueriesContext(connection) as queries, pytest.raises(forms.ValidationError) as refused:
        field.clean([HUGE_ID])
    assert (refused.value.code, len(queries)) == ("invalid_choice", 0)


MALFORMED_IDS = st.one_of(
    st.integers(min_value=2**63, max_value=10**40).map(str),
    st.integers(max_value=-(2**63) - 1, min_value=-(10**40)).map(str),
    st.text(max_size=30),
    st.sampled_from([HUGE_ID, "1e30", "0x10", "1.5", "\x00", "NaN", "-0", " 1", "１２３"]),
)


@pytest.mark.parametrize(("form_class", "name"), _multiple_choices(), ids=lambda v: getattr(v, "__name__", v))
@given(values=st.lists(MALFORMED_IDS, min_size=1, max_size=5))
def test_multiple_choice_answers_any_id_with_a_field_error_or_a_choice(form_class, name, values):
    field = form_class.base_fields[name]
    try:
        chosen = field.clean(values)
    except forms.ValidationError:
        return
    assert {str(item.pk) for item in chosen} <= {v.strip() for v in values}


def test_organisation_form_with_a_20_digit_region_keeps_what_was_typed(client):
    client.force_login(_applicant())
    response = client.post(reverse("applications:organisation_new"), {
        "name": "テスト市", "name_kana": "テストシ", "kind": "municipality", "regions": [HUGE_ID],
        "department": "情報政策課", "address": "テスト市1-1", "phone": "011-211-2111"})
    form = response.context["form"]
    assert (response.status_code < 500, list(form.errors), form["name"].value()) == (True, ["regions"], "テスト市")


def _applicant():
    from tests.factories import ApplicantFactory

    return ApplicantFactory()


# --- Table sizes (formsets) ------------------------------------------------------------------------

def _direction_post(application, **tables):
    data = {"version": str(application.direction.version), "vision": "入力したビジョン", "goals": "目標",
            "process": "", "kpis-TOTAL_FORMS": "0", "kpis-INITIAL_FORMS": "0", "roadmap-TOTAL_FORMS": "0",
            "roadmap-INITIAL_FORMS": "0"}
    data.update(tables)
    return data


def test_every_table_formset_is_bounded_with_validate_max():
    formsets = [spec[0] for _form, specs in application_forms.SECTION_FORMS.values() for spec in specs]
    bounds = {f.model.__name__: (f.max_num, f.absolute_max, f.validate_max) for f in formsets}
    assert bounds == {"Kpi": (30, 30, True), "RoadmapItem": (15, 15, True), "Participant": (100, 100, True)}


def test_forged_total_forms_is_refused_before_forms_are_built(client, application, applicant, monkeypatch):
    built = []
    original = application_forms.TableFormSet._construct_form

    def counting(self, i, **kwargs):
        built.append(i)
        return original(self, i, **kwargs)

    monkeypatch.setattr(application_forms.TableFormSet, "_construct_form", counting)
    client.force_login(applicant)
    response = client.post(reverse("applications:section", args=[application.pk, "direction"]),
                           _direction_post(application, **{"kpis-TOTAL_FORMS": "100000"}))
    content = response.content.decode()
    assert (response.status_code, "この表は30行までです" in content, "入力したビジョン" in content,
            len(built) <= 30 + 1) == (400, True, True, True)


def test_forged_total_forms_builds_no_row_form_while_validating(application):
    formset = application_forms.KpiFormSet(
        {"kpis-TOTAL_FORMS": "100000", "kpis-INITIAL_FORMS": "0"}, instance=application, prefix="kpis")
    assert (formset.is_valid(), formset.non_form_errors(), "forms" in formset.__dict__) == (
        False, ["この表は30行までです。行を減らしてから保存してください（ほかの欄に入力した内容は消えていません）。"], False)


def test_every_admin_inline_formset_is_bounded_with_validate_max(rf):
    from django.contrib import admin

    request = rf.get("/")
    request.user = StaffFactory(is_superuser=True)
    bounds = {}
    for model_admin in admin.site._registry.values():
        for inline in model_admin.get_inline_instances(request, None):
            formset = inline.get_formset(request, None)
            bounds[type(inline).__name__] = (formset.max_num <= 200, formset.absolute_max <= 200, formset.validate_max)
    assert len(bounds) >= 3 and set(bounds.values()) == {(True, True, True)}, bounds


# --- Uploads -------------------------------------------------------------------------------------

def _upload(client, application, name, content, kind="budget"):
    return client.post(reverse("applications:attachments", args=[application.pk]), {
        "kind": kind, "file": SimpleUploadedFile(name, content, content_type="application/octet-stream")})


def test_upload_past_the_limit_is_cut_off_while_streaming_with_a_message(client, application, applicant, settings):
    settings.APPLICATION_ATTACHMENT_MAX_BYTES = 100 * 1024
    client.force_login(applicant)
    response = _upload(client, application, "大きな計画書.pdf", PDF_BYTES + b"0" * (300 * 1024), kind="plan")
    received = response.wsgi_request.FILES["file"]
    form = response.context["form"]
    assert (isinstance(received, TooLargeUpload), received.size, form.errors["file"], form["kind"].value(),
            Attachment.objects.count()) == (
        True, len(PDF_BYTES) + 300 * 1024, ["ファイルが大きすぎます（0.3MB）。1ファイル0MBまでにしてください。"], "plan", 0)


def _zip_bytes(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>",
                   "_rels/.rels": "<Relationships/>"})
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("計画書.pdf", PDF_BYTES + _zip_bytes({"readme.txt": "zip"}), "ZIP形式のデータ"),
    ("計画書.pdf", PDF_BYTES + b" " * 9000 + _zip_bytes({"a.txt": "x"}), "ZIP形式のデータ"),  # past 8 KB
    ("計画書.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n", "ウェブページ（HTML）"),
    ("計画書.pdf", PDF_BYTES + b"appended data " * 200, "%%EOF"),
    ("画像.png", PNG + b"appended data " * 200, "画像の終わり"),
    ("予算.docx", _zip_bytes({"[Content_Types].xml": "<Types/>", "word/x.xml": "x", "%PDF-1.4": ""}),
     "PDFとしても読める"),
], ids=["pdf+zip", "pdf+zip-past-8kb", "pdf-with-html", "pdf+trailer", "png+html", "docx-with-pdf-header"])
def test_polyglot_upload_is_refused_on_the_file_field(client, application, applicant, name, content, reason):
    client.force_login(applicant)
    response = _upload(client, application, name, content)
    errors = response.context["form"].errors.get("file") or [""]
    assert (reason in errors[0], Attachment.objects.count()) == (True, 0), errors


@pytest.mark.parametrize(("name", "content"), [("計画書.pdf", PDF_BYTES), ("予算.docx", DOCX), ("地図.png", PNG)])
def test_plain_files_are_still_accepted(client, application, applicant, name, content):
    client.force_login(applicant)
    _upload(client, application, name, content)
    assert list(Attachment.objects.values_list("original_name", flat=True)) == [name]


def test_service_refuses_a_polyglot_whatever_the_page(application, applicant):
    with pytest.raises(services.AttachmentRefused):
        services.attachment_add(application=application, kind="plan", user=applicant, uploaded=SimpleUploadedFile(
            "計画書.pdf", PDF_BYTES + _zip_bytes({"a.html": "<html>"})))


# --- The security log ------------------------------------------------------------------------------

def test_admin_object_that_does_not_exist_is_recorded_in_the_security_log(client):
    staff = StaffFactory()
    client.force_login(staff)
    response = client.get(reverse("admin:review_review_change", args=[987654]))
    events = list(SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_NOT_FOUND)
                  .values_list("user", "path", "target"))
    assert (response.status_code, response["Location"], events) == (
        302, reverse("admin:index"), [(staff.pk, "/admin/review/review/987654/change/", "審査 #987654")])


def test_admin_history_with_an_id_that_is_not_a_number_is_does_not_exist_and_recorded(client):
    client.force_login(StaffFactory())
    response = client.get("/admin/review/review/abc/history/")
    assert (response.status_code, response["Location"],
            SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_NOT_FOUND).count()) == (
        302, reverse("admin:index"), 1)


# --- CSP reports -----------------------------------------------------------------------------------

REPORT = {"csp-report": {"document-uri": "https://dx-lab.example.go.jp/labs/", "effective-directive": "script-src-elem",
                         "violated-directive": "script-src-elem", "blocked-uri": "https://evil.example/x.js"}}


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _report(client, body, content_type="application/csp-report", **extra):
    return client.post(reverse("csp_report"), body if isinstance(body, bytes) else json.dumps(body),
                       content_type=content_type, **extra)


def test_csp_report_is_recorded_without_a_csrf_token(fresh_cache):
    from django.test import Client

    response = _report(Client(enforce_csrf_checks=True), REPORT)
    assert (response.status_code, list(SecurityEvent.objects.values_list("kind", "target"))) == (
        204, [("csp_violation", "script-src-elem: https://evil.example/x.js（ページ: https://dx-lab.example.go.jp/labs/）")])


def test_csp_report_of_the_reporting_api_is_recorded(client, fresh_cache):
    body = [{"type": "csp-violation", "url": "https://dx-lab.example.go.jp/",
             "body": {"documentURL": "https://dx-lab.example.go.jp/", "effectiveDirective": "style-src-attr",
                      "blockedURL": "inline"}}]
    response = _report(client, body, content_type="application/reports+json")
    assert (response.status_code, list(SecurityEvent.objects.values_list("target", flat=True))) == (
        204, ["style-src-attr: inline（ページ: https://dx-lab.example.go.jp/）"])


def test_csp_report_too_large_is_refused_unrecorded(client, fresh_cache):
    body = {"csp-report": {**REPORT["csp-report"], "script-sample": "x" * 20_000}}
    response = _report(client, body)
    assert (response.status_code, SecurityEvent.objects.count()) == (413, 0)


def test_csp_reports_past_the_rate_limit_are_not_recorded(client, fresh_cache, settings):
    settings.CSP_REPORTS_PER_MINUTE = 3
    answers = [_report(client, REPORT).status_code for _ in range(5)]
    assert (answers, SecurityEvent.objects.count()) == ([204, 204, 204, 429, 429], 3)


def test_csp_report_that_is_not_a_report_is_400(client, fresh_cache):
    answers = [_report(client, b"not json").status_code, _report(client, {"hello": 1}).status_code,
               _report(client, REPORT, content_type="text/plain").status_code,
               client.get(reverse("csp_report")).status_code]
    assert (answers, SecurityEvent.objects.count()) == ([400, 400, 415, 405], 0)


def test_pages_name_the_report_endpoint_in_their_policy(client):
    response = client.get(reverse("lab_list"))
    assert ("report-uri /csp-report/" in response["Content-Security-Policy"],
            response["Reporting-Endpoints"]) == (True, 'csp-endpoint="http://testserver/csp-report/"')
