from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


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
