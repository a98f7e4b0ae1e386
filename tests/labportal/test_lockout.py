"""Lockout after failed sign-ins (django-axes, labportal/lockout.py): by address and IP together,
said in Japanese with the time to come back, not lifted by a password reset, released by staff."""

import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from labportal.models import LoginLock, OutboxMail, Role, SecurityEvent, User
from tests.two_factor import give_totp

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 2026"
ADDRESS = "sapporo@city.example.jp"
TEN_O_CLOCK = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
LOCKED_MESSAGE = ("ログインに続けて失敗したため、このメールアドレスでのログインを一時的に止めています。10時15分以降に"
                  "もう一度お試しください。パスワードがわからない場合は「パスワードをお忘れの方」から再設定できます"
                  "（ロックはそのまま続きます）。お急ぎの場合は事務局（dx-lab@example.go.jp）にご連絡ください。")


@pytest.fixture
def applicant():
    user = User.objects.create_user(email=ADDRESS, password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.APPLICANT))
    return user


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's own per-IP rate limits count in the cache, which outlives a test; with the clock
    frozen at the same minute in every test they would add up across tests."""
    cache.clear()


@pytest.fixture
def at_ten():
    with time_machine.travel(TEN_O_CLOCK, tick=False) as traveller:
        yield traveller


def _client(ip="198.51.100.7") -> Client:
    return Client(REMOTE_ADDR=ip)


def _log_in(client, password, address=ADDRESS):
    return client.post(reverse("login"), {"username": address, "password": password})


def _fail(client, times=5, address=ADDRESS):
    for _ in range(times):
        _log_in(client, "wrong password", address)


def _form_errors(response):
    return list(response.context["form"].non_field_errors())


def test_fifth_failure_locks_and_says_until_when(applicant, at_ten):
    client = _client()
    _fail(client, 4)
    response = _log_in(client, "wrong password")
    assert (response.status_code, _form_errors(response)) == (429, [LOCKED_MESSAGE])


def test_locked_address_refused_even_with_the_right_password(applicant, at_ten):
    client = _client()
    _fail(client)
    response = _log_in(client, PASSWORD)
    assert (response.status_code, _form_errors(response), client.get(reverse("applications:dashboard")).status_code) \
        == (429, [LOCKED_MESSAGE], 302)


def test_four_failures_do_not_lock(applicant, at_ten):
    client = _client()
    _fail(client, 4)
    assert _log_in(client, PASSWORD)["Location"] == reverse("applications:dashboard")


def test_tries_during_the_lock_do_not_extend_it(applicant, at_ten):
    client = _client()
    _fail(client)
    at_ten.shift(datetime.timedelta(minutes=10))
    _fail(client, 3)
    at_ten.shift(datetime.timedelta(minutes=6))
    assert _log_in(client, PASSWORD)["Location"] == reverse("applications:dashboard")


def test_lock_ends_after_fifteen_minutes(applicant, at_ten):
    client = _client()
    _fail(client)
    at_ten.shift(datetime.timedelta(minutes=16))
    assert _log_in(client, PASSWORD)["Location"] == reverse("applications:dashboard")


def test_stranger_elsewhere_cannot_lock_the_municipality_out(applicant, at_ten):
    _fail(_client("203.0.113.66"), 10)
    assert _log_in(_client("198.51.100.7"), PASSWORD)["Location"] == reverse("applications:dashboard")


def test_lock_of_one_address_leaves_colleagues_on_the_same_network(applicant, at_ten):
    colleague = User.objects.create_user(email="colleague@city.example.jp", password=PASSWORD)
    colleague.groups.add(Group.objects.get(name=Role.APPLICANT))
    client = _client()
    _fail(client)
    assert _log_in(client, PASSWORD, colleague.email)["Location"] == reverse("applications:dashboard")


def test_lock_counts_the_address_in_any_letter_case(applicant, at_ten):
    client = _client()
    _fail(client, 3, ADDRESS.upper())
    _fail(client, 2, ADDRESS)
    assert _log_in(client, PASSWORD).status_code == 429


def _reset_password(client, address, new_password):
    client.post(reverse("password_reset"), {"email": address})
    link = OutboxMail.objects.filter(event="account_password_reset").latest("id").context["link"]
    response = client.get(urlsplit(link).path)
    set_password_url = response["Location"] if response.status_code == 302 else urlsplit(link).path
    return client.post(set_password_url, {"password1": new_password, "password2": new_password})


def test_password_reset_does_not_lift_the_lock(applicant, at_ten):
    client = _client()
    _fail(client)
    _reset_password(client, ADDRESS, NEW_PASSWORD)
    response = _log_in(client, NEW_PASSWORD)
    assert (User.objects.get(pk=applicant.pk).check_password(NEW_PASSWORD), response.status_code,
            _form_errors(response)) == (True, 429, [LOCKED_MESSAGE])


def test_password_reset_does_not_sign_in(applicant, at_ten):
    client = _client()
    _reset_password(client, ADDRESS, NEW_PASSWORD)
    assert client.get(reverse("applications:dashboard"))["Location"].startswith(reverse("login"))


# --- Staff release a lock in the admin ------------------------------------------------------

def _staff(role=Role.STAFF):
    user = User.objects.create_user(email=f"{role}@example.go.jp", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    give_totp(user)
    client = Client()
    client.force_login(user)
    return client


def test_staff_release_the_lock_and_the_applicant_signs_in(applicant, at_ten):
    locked = _client()
    _fail(locked)
    lock = LoginLock.objects.get(username=ADDRESS)
    _staff().post(reverse("admin:labportal_loginlock_changelist"),
                  {"action": "release", "_selected_action": [lock.pk]})
    assert _log_in(locked, PASSWORD)["Location"] == reverse("applications:dashboard")


def test_release_is_in_the_security_log(applicant, at_ten):
    _fail(_client())
    lock = LoginLock.objects.get(username=ADDRESS)
    _staff().post(reverse("admin:labportal_loginlock_changelist"),
                  {"action": "release", "_selected_action": [lock.pk]})
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.UNLOCKED)
    assert (event.user.email, event.target) == ("staff@example.go.jp", f"{ADDRESS}（198.51.100.7）のロックを解除")


def test_lock_list_in_japanese_shows_who_is_locked_until_when(applicant, at_ten):
    _fail(_client())
    response = _staff().get(reverse("admin:labportal_loginlock_changelist"))
    headers = [str(h["text"]) for h in result_headers(response.context["cl"])][1:]  # after the checkbox
    assert (headers, response.context["cl"].result_count) == (
        ["メールアドレス", "IPアドレス", "失敗回数", "最後の失敗", "ロック中", "ロック解除の予定",
         "ブラウザー（User-Agent）"], 1)


def test_lock_list_offers_release_but_no_bare_delete(applicant, at_ten):
    _fail(_client())
    response = _staff().get(reverse("admin:labportal_loginlock_changelist"))
    actions = [name for name, _label in response.context["action_form"].fields["action"].choices if name]
    assert actions == ["release"]


def test_reviewer_cannot_see_login_locks(applicant):
    assert _staff(Role.REVIEWER).get(reverse("admin:labportal_loginlock_changelist")).status_code == 403


def test_password_typed_again_counts_towards_the_lock_and_says_so(applicant, at_ten):
    client = _client()
    client.force_login(applicant)
    for _ in range(4):
        client.post("/accounts/reauthenticate/", {"password": "wrong password"})
    response = client.post("/accounts/reauthenticate/", {"password": "wrong password"})
    assert (response.status_code, response.context["form"].errors["password"]) == (429, [LOCKED_MESSAGE])
