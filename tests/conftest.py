"""Shared test set-up: which services are there, browser launch arguments, common factories.

Integration tests (marker `integration`) need PostgreSQL and Redis; browser tests (marker `e2e`)
need Debian's /usr/bin/chromium. Where one is missing they are skipped with the reason, unless
REQUIRE_SERVICES=1, where a missing service or browser fails the test instead.
"""

import os
import shutil

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # pytest-django's live_server + Playwright

# Property-based tests (tests/*/test_forms_property.py): the same examples on every run in CI, few
# enough that each test stays within seconds on PostgreSQL. HYPOTHESIS_PROFILE=deep searches wider.
_HYPOTHESIS = {"deadline": None, "derandomize": True, "database": None, "print_blob": True,
               "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.data_too_large]}
hypothesis_settings.register_profile("ci", max_examples=12, **_HYPOTHESIS)
hypothesis_settings.register_profile("deep", max_examples=300, **{**_HYPOTHESIS, "derandomize": False})
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing_for(item):
    if item.get_closest_marker("integration"):
        if not settings.POSTGRES_AVAILABLE:
            return "PostgreSQL が応答しません（DATABASE_URL または 127.0.0.1:5432）"
        if not settings.REDIS_AVAILABLE:
            return "Redis が応答しません（CELERY_BROKER_URL または 127.0.0.1:6379）"
    if item.get_closest_marker("e2e") and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"{CHROMIUM} がありません（apt-get install chromium）"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = _missing_for(item)
        if reason is None:
            continue
        if settings.REQUIRE_SERVICES:
            item.add_marker(pytest.mark.usefixtures("_fail_missing_service"))
            item.user_properties.append(("missing", reason))
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _fail_missing_service(request):
    reason = dict(request.node.user_properties).get("missing")
    pytest.fail(f"REQUIRE_SERVICES=1: {reason}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Reduced motion: axe reads settled colours, not a button's hover fade caught half-way.
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo",
            "viewport": {"width": 1280, "height": 900}, "reduced_motion": "reduce"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Serialized rollback (django_db(serialized_rollback=True)) restores the data migrations'
    rows from a copy Django keeps on the connection object. Playwright's sync API runs test code
    in another greenlet, where asgiref's Local hands out a new connection object without that
    copy, and later tests then silently start from an empty register. Keep the copy on the
    connection class, so every connection object has it."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = connection.__dict__.get("_test_serialized_contents")
        if contents is not None:
            type(connection)._test_serialized_contents = contents


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser, with the authenticator app every admin user must have
    (labportal/two_factor.py; helpers in tests/two_factor.py)."""
    from tests.two_factor import give_totp

    give_totp(admin_user)
    return admin_user
