"""The transition plan's attachments go through the same checks as an application's: a file whose
content is not what its name says is refused on its field, and the plan keeps no file."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.applications.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db


def test_plan_attachment_of_a_pdf_named_as_excel_is_refused_on_the_file_field(client, drafted, member):
    client.force_login(member)
    response = client.post(reverse("transition:plan_attachments", args=[drafted.pk]), {
        "kind": "budget", "file": SimpleUploadedFile("予算.xlsx", PDF_BYTES, content_type="application/pdf")})
    chosen = re.search(r'<option value="(\w+)" selected>', response.content.decode())
    assert (response.status_code, response.context["form"].errors.get("file"), chosen.group(1),
            drafted.application.attachments.count()) == (400, [
                "選んだファイル「予算.xlsx」は、中身はPDFですが、拡張子は「.xlsx」です。"
                "中身に合った拡張子（.pdf）の名前にしてから、もう一度選んでください。"], "budget", 0)
