import pytest
from django.core.management import call_command

from applications.models import Application
from review.models import Review, RoundReviewSettings

pytestmark = pytest.mark.django_db


def test_demo_data_gives_the_demo_dx_rounds_review_settings(capsys):
    call_command("demo_data")
    assert sorted(RoundReviewSettings.objects.values_list("selection_round__number", "reviewers_per_application")) == [
        (1, 2), (2, 2)]


def test_demo_data_assigns_both_demo_reviewers_once_the_demo_application_is_submitted(capsys):
    call_command("demo_data")
    Application.objects.filter(organisation__name="札幌市").update(state=Application.State.SUBMITTED)
    call_command("demo_data")
    call_command("demo_data")  # idempotent
    assert sorted(Review.objects.values_list("reviewer__email", flat=True)) == [
        "reviewer1@labportal.example", "reviewer2@labportal.example"]
