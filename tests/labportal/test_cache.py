"""The cache the web workers share (labportal/cache.py): on Redis, so that a used authenticator code
or a rate limit holds across gunicorn's workers; and when Redis does not answer, logins go on."""

import logging

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import reverse

from labportal.cache import FallbackRedisCache
from labportal.models import Role, User

pytestmark = pytest.mark.django_db

LIVE_REDIS = "redis://127.0.0.1:6379/14"
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
DEAD_CACHES = {"default": {"BACKEND": "labportal.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS}}


@pytest.fixture
def live_redis():
    if not settings.REDIS_AVAILABLE:
        if settings.REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1: Redis does not answer")
        pytest.skip("Redis does not answer")
    first = FallbackRedisCache(LIVE_REDIS, {})
    first.clear()
    yield first
    first.clear()


def test_what_one_worker_marks_another_worker_sees(live_redis):
    other_worker = FallbackRedisCache(LIVE_REDIS, {})  # its own process cache would not have it
    assert live_redis.add("two_factor.totp.used:1:123456", True, timeout=90) is True
    assert other_worker.add("two_factor.totp.used:1:123456", True, timeout=90) is False


def test_without_redis_the_cache_still_answers_and_says_so_once(caplog):
    cache = FallbackRedisCache(DEAD_REDIS, {})
    with caplog.at_level(logging.ERROR, logger="labportal.cache"):
        assert cache.add("failures", 0, timeout=60) is True
        assert cache.incr("failures") == 1
        assert cache.get("failures") == 1
    assert [r.message.startswith("Redis（キャッシュ）に接続できない") for r in caplog.records] == [True]


@override_settings(CACHES=DEAD_CACHES)
def test_login_works_while_redis_does_not_answer():
    user = User.objects.create_user(email="cache@city.example.jp", password="correct horse battery staple")
    user.groups.add(Group.objects.get(name=Role.APPLICANT))
    response = Client().post(reverse("login"), {"username": user.email, "password": "correct horse battery staple"})
    assert (response.status_code, response["Location"]) == (302, reverse("applications:dashboard"))
