"""How long a sign-in lasts (labportal/sessions.py): idle limits by role, the absolute lifetime,
and signing out everywhere — on logout and when staff disable an account."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from labportal.models import Role, User
from tests.two_factor import give_totp

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _user(email, role):
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=role != Role.APPLICANT)
    user.groups.add(Group.objects.get(name=role))
    if user.is_staff:
        give_totp(user)
    return user


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _after(minutes=0, hours=0):
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes, hours=hours), tick=False)


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_staff_idle_31_minutes_sent_to_login_with_next():
    client = _signed_in(_user("staff@example.go.jp", Role.STAFF))
    page = reverse("admin:labportal_lab_changelist")
    with _after(minutes=31):
        response = client.get(page)
    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next={page}")


def test_staff_idle_message_in_japanese_on_login_page():
    client = _signed_in(_user("staff@example.go.jp", Role.STAFF))
    with _after(minutes=31):
        response = client.get(reverse("admin:index"), follow=True)
    assert _messages(response) == ["30分以上操作がなかったため、安全のためログアウトしました。もう一度ログインしてください。"
                                   "ログインすると、元のページに戻ります。"]


def test_staff_active_within_30_minutes_stays_signed_in():
    client = _signed_in(_user("staff@example.go.jp", Role.STAFF))
    page = reverse("admin:labportal_lab_changelist")
    with _after(minutes=25):
        client.get(page)
    with _after(minutes=50):  # 25 minutes after the last request
        assert client.get(page).status_code == 200


def test_reviewer_idle_limit_is_the_privileged_one():
    client = _signed_in(_user("reviewer@example.go.jp", Role.REVIEWER))
    with _after(minutes=31):
        response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("login"))


def test_applicant_idle_an_hour_stays_signed_in():
    client = _signed_in(_user("sapporo@city.example.jp", Role.APPLICANT))
    with _after(minutes=119):
        assert client.get(reverse("applications:dashboard")).status_code == 200


def test_applicant_idle_over_two_hours_sent_to_login():
    client = _signed_in(_user("sapporo@city.example.jp", Role.APPLICANT))
    with _after(minutes=121):
        response = client.get(reverse("applications:dashboard"))
    assert response["Location"] == f"{reverse('login')}?next=/applications/"


def test_idle_limit_from_settings(settings):
    settings.SESSION_IDLE_MINUTES_APPLICANT = 10
    client = _signed_in(_user("sapporo@city.example.jp", Role.APPLICANT))
    with _after(minutes=11):
        response = client.get(reverse("applications:dashboard"))
    assert response["Location"].startswith(reverse("login"))


def test_absolute_lifetime_ends_an_active_session():
    client = _signed_in(_user("sapporo@city.example.jp", Role.APPLICANT))
    for hour in range(1, 12):  # busy all day, never idle
        with _after(hours=hour):
            client.get(reverse("applications:dashboard"))
    with _after(hours=12, minutes=1):
        response = client.get(reverse("applications:dashboard"), follow=True)
    assert (response.redirect_chain[0][0].split("?")[0], _messages(response)) == (
        reverse("login"), ["ログインから12時間が経過したため、安全のためログアウトしました。もう一度ログインしてください。"])


def test_expired_form_post_returns_to_the_form_page_after_login():
    client = _signed_in(_user("sapporo@city.example.jp", Role.APPLICANT))
    with _after(minutes=121):
        response = client.post("/applications/1/sections/basic/", {"x": "y"},
                               headers={"referer": "http://testserver/applications/1/sections/basic/"})
    assert response["Location"] == f"{reverse('login')}?next=/applications/1/sections/basic/"


def test_login_after_expiry_follows_next_back():
    user = _user("sapporo@city.example.jp", Role.APPLICANT)
    client = _signed_in(user)
    with _after(minutes=121):
        client.get(reverse("applications:dashboard"))
        response = client.post(f"{reverse('login')}?next=/applications/",
                               {"username": user.email, "password": PASSWORD, "next": "/applications/"})
    assert response["Location"] == "/applications/"


def test_idle_expiry_ends_only_that_browser():
    user = _user("sapporo@city.example.jp", Role.APPLICANT)
    idle, busy = _signed_in(user), _signed_in(user)
    with _after(minutes=100):
        busy.get(reverse("applications:dashboard"))
    with _after(minutes=121):
        idle.get(reverse("applications:dashboard"))
        assert busy.get(reverse("applications:dashboard")).status_code == 200


def test_logout_ends_the_sessions_in_other_browsers():
    user = _user("sapporo@city.example.jp", Role.APPLICANT)
    office, home = _signed_in(user), _signed_in(user)
    office.post(reverse("logout"))
    response = home.get(reverse("applications:dashboard"))
    assert response["Location"].startswith(reverse("login"))


def test_logout_then_login_again_works():
    user = _user("sapporo@city.example.jp", Role.APPLICANT)
    client = _signed_in(user)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert client.get(reverse("applications:dashboard")).status_code == 200


def test_disabling_an_account_ends_its_sessions():
    user = _user("sapporo@city.example.jp", Role.APPLICANT)
    client = _signed_in(user)
    staff = _signed_in(User.objects.create_superuser(email="admin@example.go.jp", password=PASSWORD))
    give_totp(User.objects.get(email="admin@example.go.jp"))
    staff.post(reverse("admin:labportal_user_change", args=[user.pk]), {
        "email": user.email, "last_name": "", "first_name": "", "is_active": "",
        "groups": [Group.objects.get(name=Role.APPLICANT).pk],
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    location = client.get(reverse("applications:dashboard"))["Location"]
    assert (User.objects.get(pk=user.pk).is_active, location.split("?")[0]) == (False, reverse("login"))


def test_enabling_a_disabled_account_again_does_not_revive_old_sessions():
    user = _user("sapporo@city.example.jp", Role.APPLICANT)
    client = _signed_in(user)
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert client.get(reverse("applications:dashboard"))["Location"].startswith(reverse("login"))


def test_saving_an_active_account_keeps_its_sessions():
    user = _user("sapporo@city.example.jp", Role.APPLICANT)
    client = _signed_in(user)
    user.last_name = "札幌"
    user.save()
    assert client.get(reverse("applications:dashboard")).status_code == 200


# --- The warning before the idle limit, and 「ログインを続ける」 (WCAG 2.2.1) ----------------------

def _warning_script(response):
    html = response.content.decode()
    marker = 'src="/static/js/session-timeout.js"'
    if marker not in html:
        return None
    tag = html[html.index(marker):]
    return tag[:tag.index(">")]


def test_pages_of_a_signed_in_applicant_carry_the_warning_with_their_limit():
    client = _signed_in(_user("applicant@example.jp", Role.APPLICANT))
    script = _warning_script(client.get(reverse("applications:dashboard")))
    assert 'data-idle-seconds="7200"' in script and 'data-keepalive-url="/accounts/session/keepalive/"' in script


def test_admin_pages_carry_the_warning_with_the_staff_limit():
    client = _signed_in(_user("staff@example.go.jp", Role.STAFF))
    script = _warning_script(client.get(reverse("admin:labportal_lab_changelist")))
    assert 'data-idle-seconds="1800"' in script


def test_anonymous_pages_have_no_warning():
    assert _warning_script(Client().get(reverse("home"))) is None


def test_continuing_keeps_staff_signed_in_past_the_idle_limit_counted_from_the_page():
    client = _signed_in(_user("staff@example.go.jp", Role.STAFF))
    page = reverse("admin:labportal_lab_changelist")
    with _after(minutes=26):
        response = client.post(reverse("session_keepalive"))
        assert (response.status_code, response.json()) == (200, {"idle_seconds": 1800})
    with _after(minutes=50):  # 50 minutes after the page, 24 after 「ログインを続ける」
        assert client.get(page).status_code == 200


def test_continuing_after_the_limit_answers_401_and_the_session_stays_ended():
    client = _signed_in(_user("staff@example.go.jp", Role.STAFF))
    with _after(minutes=31):
        response = client.post(reverse("session_keepalive"))
        assert response.status_code in (302, 401)
        assert client.get(reverse("admin:index")).status_code == 302


def test_keepalive_refuses_get_and_anonymous_posts():
    assert Client().get(reverse("session_keepalive")).status_code == 405
    response = Client().post(reverse("session_keepalive"))
    assert response.status_code == 401
    assert "もう一度ログイン" in response.json()["error"]
