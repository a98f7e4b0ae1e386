"""Attachments as files: an upload whose content is not what its name says is refused on its
field, keeping the rest of the form; a download is always a download (never rendered by the
browser, never kept by a shared cache); the stored files are reachable only through the
checked views, never at a media or static URL."""

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.views.static import serve

from applications import services
from applications.models import Attachment
from review.models import Review
from tests.factories import ReviewerFactory

from .conftest import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _upload(client, application, name, content, kind="budget"):
    return client.post(reverse("applications:attachments", args=[application.pk]), {
        "kind": kind, "file": SimpleUploadedFile(name, content, content_type="application/pdf")})


def _refusal(response):
    """(status, the message next to the file field, the kind still chosen, files stored)."""
    html = response.content.decode()
    chosen = re.search(r'<option value="(\w+)" selected>', html)
    return (response.status_code, response.context["form"].errors.get("file"),
            chosen.group(1) if chosen else None, Attachment.objects.count())


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant)
    return client


def test_upload_of_a_program_renamed_pdf_is_refused_on_the_file_field(applicant_client, application):
    response = _upload(applicant_client, application, "計画書.pdf", EXE_BYTES)
    assert _refusal(response) == (400, [
        "選んだファイル「計画書.pdf」の形式は登録できません。PDF、Word、Excel、画像（JPEG・PNG）のファイルを"
        "選んでください（ファイル名の拡張子ではなく、ファイルの中身で判定しています）。"], "budget", 0)


def test_upload_of_a_web_page_renamed_pdf_is_refused_on_the_file_field(applicant_client, application):
    response = _upload(applicant_client, application, "説明資料.pdf", HTML_BYTES)
    assert _refusal(response) == (400, [
        "選んだファイル「説明資料.pdf」の形式は登録できません。PDF、Word、Excel、画像（JPEG・PNG）のファイルを"
        "選んでください（ファイル名の拡張子ではなく、ファイルの中身で判定しています）。"], "budget", 0)


def test_upload_of_a_pdf_named_as_excel_is_refused_on_the_file_field(applicant_client, application):
    response = _upload(applicant_client, application, "予算.xlsx", PDF_BYTES)
    assert _refusal(response) == (400, [
        "選んだファイル「予算.xlsx」は、中身はPDFですが、拡張子は「.xlsx」です。"
        "中身に合った拡張子（.pdf）の名前にしてから、もう一度選んでください。"], "budget", 0)


def test_upload_of_a_pdf_without_extension_is_refused_on_the_file_field(applicant_client, application):
    response = _upload(applicant_client, application, "予算", PDF_BYTES)
    assert _refusal(response)[1] == [
        "選んだファイル「予算」は、中身はPDFですが、拡張子がありません。"
        "中身に合った拡張子（.pdf）の名前にしてから、もう一度選んでください。"]


def test_upload_of_a_pdf_with_a_full_width_extension_is_accepted(applicant_client, application):
    response = _upload(applicant_client, application, "計画書．ＰＤＦ", PDF_BYTES)
    assert (response.status_code, list(Attachment.objects.values_list("original_name", "extension"))) == (
        302, [("計画書．ＰＤＦ", "pdf")])


def test_service_refuses_a_pdf_named_as_word_whatever_the_page(application, applicant):
    with pytest.raises(services.AttachmentRefused):
        services.attachment_add(application=application, uploaded=pdf_upload("計画.docx"), kind="plan",
                                user=applicant)


# --- Downloads ------------------------------------------------------------------------------------

@pytest.fixture
def attachment(application, applicant):
    return services.attachment_add(application=application, uploaded=pdf_upload("計画書（案）.pdf"), kind="plan",
                                   user=applicant)


def _headers(response):
    b"".join(response.streaming_content)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    return (response.status_code, response["Content-Disposition"], response["X-Content-Type-Options"],
            {"private", "no-store"} <= cache_control)


JAPANESE_NAME_DISPOSITION = "attachment; filename*=utf-8''%E8%A8%88%E7%94%BB%E6%9B%B8%EF%BC%88%E6%A1%88%EF%BC%89.pdf"


def test_member_download_is_an_attachment_named_by_rfc_5987_never_sniffed_nor_shared_cached(
        applicant_client, attachment):
    response = applicant_client.get(reverse("applications:attachment_download", args=[attachment.pk]))
    assert _headers(response) == (200, JAPANESE_NAME_DISPOSITION, "nosniff", True)


def test_reviewer_download_in_the_admin_has_the_same_headers(client, application, attachment):
    reviewer = ReviewerFactory()
    Review.objects.create(application=application, reviewer=reviewer, due_at=application.selection_round.closes_at)
    client.force_login(reviewer)
    response = client.get(reverse("admin:applications_attachment_download", args=[attachment.pk]))
    assert _headers(response) == (200, JAPANESE_NAME_DISPOSITION, "nosniff", True)


def test_stored_file_is_not_served_at_any_media_or_static_url(applicant_client, attachment):
    name = attachment.file.name  # applications/<id>/<uuid>.pdf under MEDIA_ROOT
    urls = ["/" + name, "/media/" + name, f"/{settings.MEDIA_URL.strip('/')}/{name}".replace("//", "/"),
            f"/{settings.STATIC_URL.strip('/')}/{name}", f"/{settings.STATIC_URL.strip('/')}/../media/{name}"]
    assert [applicant_client.get(url).status_code for url in urls] == [404] * len(urls)


def test_no_url_pattern_serves_files_from_disk_without_a_check():
    def callbacks(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from callbacks(pattern.url_patterns)
            else:
                yield pattern.callback

    assert [c for c in callbacks(get_resolver().url_patterns) if c is serve] == []


def test_media_root_is_outside_everything_whitenoise_serves():
    served = [settings.STATIC_ROOT, *settings.STATICFILES_DIRS, getattr(settings, "WHITENOISE_ROOT", None)]
    media = settings.MEDIA_ROOT.resolve()
    assert [root for root in served if root and (media == root.resolve() or root.resolve() in media.parents
                                                 or media in root.resolve().parents)] == []
