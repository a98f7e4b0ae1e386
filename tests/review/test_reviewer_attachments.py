"""A reviewer opens the attachments of the applications they review, and of no other."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from applications.models import Attachment
from review.models import Review

from tests.factories import ReviewerFactory, StaffFactory, assign, make_application

pytestmark = pytest.mark.django_db


def _attachment(application):
    attachment = Attachment(application=application, original_name="計画書.pdf",
                            content_type="application/pdf", extension="pdf", size=8)
    attachment.file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    return attachment


def _download(client, attachment):
    return client.get(reverse("admin:applications_attachment_download", args=[attachment.pk]))


def test_reviewer_downloads_attachment_of_assigned_application(client, reviewer, selection_round):
    application = make_application(selection_round)
    assign(application, reviewer)
    client.force_login(reviewer)
    assert _download(client, _attachment(application))["Content-Type"] == "application/pdf"


def test_reviewer_attachment_of_unassigned_application_is_404(client, reviewer, selection_round):
    application = make_application(selection_round)
    assign(application, ReviewerFactory())
    client.force_login(reviewer)
    assert _download(client, _attachment(application)).status_code == 404


def test_reviewer_attachment_after_recusal_is_404(client, reviewer, selection_round):
    application = make_application(selection_round)
    assign(application, reviewer, state=Review.State.RECUSED)
    client.force_login(reviewer)
    assert _download(client, _attachment(application)).status_code == 404


def test_staff_bulk_action_on_applications_opens_the_assignment_page(client, selection_round):
    applications = [make_application(selection_round) for _ in range(2)]
    client.force_login(StaffFactory())
    response = client.post(reverse("admin:applications_application_changelist"), {
        "action": "assign_reviewers", "_selected_action": [a.pk for a in applications]})
    assert response.status_code == 302
    assert "/assign/" in response["Location"]
    assert all(f"applications={a.pk}" in response["Location"] for a in applications)
