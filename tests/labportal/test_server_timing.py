import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_server_timing_header_reports_time_and_queries(client):
    with override_settings(SERVER_TIMING=True):
        response = client.get("/labs/")
    assert response["Server-Timing"].endswith('desc="6 queries"')


def test_server_timing_header_absent_by_default(client):
    assert "Server-Timing" not in client.get("/labs/")
