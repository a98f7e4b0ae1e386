"""A round's review settings are versioned (issue 15): the admin never edits them in place or
deletes them; 「新しい版を作成」 copies the current values and saves the change, with its reason,
as the next version; every earlier version stays as it was."""

import pytest
from django.urls import reverse

from review import services
from review.models import RoundReviewSettings, RoundReviewSettingsVersion

from tests.factories import StaffFactory, make_review_round

pytestmark = pytest.mark.django_db


def _post(round_settings, **changes):
    data = {"criteria_set": round_settings.criteria_set_id, "reviewers_per_application": "2",
            "review_due_at_0": "", "review_due_at_1": "", "other_reviews_visibility": "never",
            "disagreement_threshold": "0.50", "reason": ""}
    data.update(changes)
    return data


def test_settings_change_page_is_read_only_and_offers_a_new_version(client):
    round_settings = make_review_round().review_settings
    client.force_login(StaffFactory())
    page = client.get(reverse("admin:review_roundreviewsettings_change", args=[round_settings.pk]))
    assert (page.context["has_change_permission"], "新しい版を作成" in page.content.decode()) == (False, True)
    response = client.post(reverse("admin:review_roundreviewsettings_change", args=[round_settings.pk]),
                           _post(round_settings, reviewers_per_application="5"))
    round_settings.refresh_from_db()
    assert (response.status_code, round_settings.reviewers_per_application) == (403, 2)


def test_settings_new_version_keeps_the_old_one_untouched(client):
    round_settings = make_review_round().review_settings
    staff = StaffFactory()
    client.force_login(staff)
    url = reverse("admin:review_roundreviewsettings_new_version", args=[round_settings.pk])
    assert client.get(url).context["form"].initial["reviewers_per_application"] == 2
    response = client.post(url, _post(round_settings, reviewers_per_application="3",
                                      reason="応募が多いため審査員を増やす"))
    assert response.status_code == 302
    first, second = RoundReviewSettingsVersion.objects.order_by("number")
    round_settings.refresh_from_db()
    assert ((first.number, first.reviewers_per_application), (second.number, second.reviewers_per_application),
            second.created_by, second.reason, round_settings.reviewers_per_application) == (
        (1, 2), (2, 3), staff, "応募が多いため審査員を増やす", 3)


def test_settings_new_version_needs_a_reason(client):
    round_settings = make_review_round().review_settings
    client.force_login(StaffFactory())
    response = client.post(reverse("admin:review_roundreviewsettings_new_version", args=[round_settings.pk]),
                           _post(round_settings, reviewers_per_application="4"))
    round_settings.refresh_from_db()
    assert (response.status_code, response.context["form"].errors["reason"], round_settings.reviewers_per_application,
            RoundReviewSettingsVersion.objects.count()) == (400, ["このフィールドは必須です。"], 2, 0)


def test_settings_delete_is_refused_in_japanese(client):
    round_settings = make_review_round().review_settings
    client.force_login(StaffFactory())
    response = client.post(reverse("admin:review_roundreviewsettings_delete", args=[round_settings.pk]),
                           {"post": "yes"}, follow=True)
    assert RoundReviewSettings.objects.filter(pk=round_settings.pk).exists()
    assert [str(m) for m in response.context["messages"]] == [
        "公募回の審査設定は削除できません（審査・評点・決定がこの設定のもとで行われるため）。"
        "変える場合は「新しい版を作成」を使ってください。"]


def test_settings_versions_are_never_rewritten_by_the_service():
    round_settings = make_review_round().review_settings
    staff = StaffFactory()
    round_settings.reviewers_per_application = 4
    with pytest.raises(services.ReviewError):
        services.round_settings_save(round_settings=round_settings, by=staff)
    services.round_settings_save(round_settings=round_settings, by=staff, reason="増員")
    round_settings.disagreement_threshold = "0.40"
    services.round_settings_save(round_settings=round_settings, by=staff, reason="基準を厳しく")
    assert list(RoundReviewSettingsVersion.objects.order_by("number").values_list(
        "number", "reviewers_per_application", "reason")) == [
        (1, 2, "版の記録を始める前の設定"), (2, 4, "増員"), (3, 4, "基準を厳しく")]
