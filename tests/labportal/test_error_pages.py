"""The portal's error pages are in Japanese and say what happened to what the user sent:
a form too large (413), a stale form (CSRF, 403), no permission (403), nothing there (404), a
failure (500), and a database that does not answer (503, asking to retry)."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from labportal.models import Role, User

pytestmark = pytest.mark.django_db


def _applicant():
    user = User.objects.create_user(email="err@city.example.jp", password="correct horse battery staple")
    user.groups.add(Group.objects.get(name=Role.APPLICANT))
    return user


def test_a_form_too_large_is_explained_in_japanese(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client = Client()
    client.force_login(_applicant())
    response = client.post(reverse("applications:organisation_new"), {"name": "あ" * 400_000, "x": "い" * 400_000})
    body = response.content.decode()
    assert response.status_code == 413
    assert "送信した内容が大きすぎます" in body and "1MBまで" in body and "保存されていません" in body


def test_a_stale_form_is_explained_in_japanese_with_the_way_back():
    client = Client(enforce_csrf_checks=True)
    client.force_login(_applicant())
    client.cookies["csrftoken"] = "x" * 32
    response = client.post(reverse("applications:organisation_new"), {"name": "札幌市", "csrfmiddlewaretoken": "y" * 32})
    body = response.content.decode()
    assert response.status_code == 403
    assert "画面の有効期限が切れているため、送信できませんでした" in body and "「戻る」" in body
    assert "CSRF" not in body
    from labportal.models import SecurityEvent

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.CSRF_REFUSED)
    assert (event.identifier, event.path, event.target) == ("err@city.example.jp", "/applications/organisations/new/",
                                                            "CSRF: CSRF token from POST incorrect.")


def test_not_found_is_in_japanese_and_the_same_for_someone_elses_id():
    client = Client()
    client.force_login(_applicant())
    response = client.get("/applications/999999/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_a_form_without_cookies_says_to_allow_them():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"login": "a@example.jp", "password": "x"})
    assert response.status_code == 403
    assert "Cookieが無効" in response.content.decode()


def _get_home_failing_with(exc):
    client = Client(raise_request_exception=False)
    with mock.patch("labportal.views.selectors.open_rounds", side_effect=exc):
        return client.get("/")


def test_error_page_database_unavailable_is_503_asking_to_retry():
    response = _get_home_failing_with(OperationalError("server closed the connection unexpectedly"))
    assert (response.status_code, response["Retry-After"]) == (503, "30")
    assert "もう一度お試しください" in response.content.decode()


def test_error_page_other_failure_is_500_in_japanese():
    response = _get_home_failing_with(RuntimeError("bug"))
    assert response.status_code == 500
    assert "エラーが発生しました" in response.content.decode()
