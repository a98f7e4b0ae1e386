"""A changed plan is an Application, but its organisation handles it on the transition pages only."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_plan_not_listed_on_the_applicant_dashboard(client, member, drafted):
    client.force_login(member)
    response = client.get(reverse("applications:dashboard"))
    assert drafted.application not in response.context["applications"]


def test_plan_application_pages_answer_404(client, member, drafted):
    client.force_login(member)
    assert client.get(reverse("applications:detail", args=[drafted.application.pk])).status_code == 404


def test_plan_cannot_be_withdrawn_through_the_application_pages(client, member, submitted):
    client.force_login(member)
    client.post(reverse("applications:withdraw", args=[submitted.application.pk]))
    submitted.application.refresh_from_db()
    assert submitted.application.get_state_display() != "取下げ"


def test_plan_stays_submitted_when_the_clock_starts_reviews(submitted):
    from django.utils import timezone

    from applications.deadlines import start_review

    start_review(timezone.now())
    submitted.application.refresh_from_db()
    assert submitted.application.get_state_display() == "提出済"
