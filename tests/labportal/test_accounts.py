import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from labportal.models import Role, User
from tests.two_factor import give_totp

pytestmark = pytest.mark.django_db


def _user(email, role, is_staff):
    user = User.objects.create_user(email=email, password="correct horse battery", is_staff=is_staff)
    user.groups.add(Group.objects.get(name=role))
    if is_staff:
        give_totp(user)  # staff cannot work without an authenticator app (tests/labportal/test_two_factor.py)
    return user


def test_admin_refuses_an_applicant(client):
    client.force_login(_user("applicant@example.jp", Role.APPLICANT, is_staff=False))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_lets_staff_manage_the_register(client):
    client.force_login(_user("staff@example.jp", Role.STAFF, is_staff=True))
    assert client.get(reverse("admin:labportal_lab_changelist")).status_code == 200


def test_admin_refuses_a_reviewer_the_register(client):
    client.force_login(_user("reviewer@example.jp", Role.REVIEWER, is_staff=True))
    assert client.get(reverse("admin:labportal_lab_changelist")).status_code == 403


def test_login_with_email_reaches_the_portal(client):
    _user("Someone@Example.jp", Role.APPLICANT, is_staff=False)
    response = client.post(reverse("login"), {"username": "someone@example.jp",
                                              "password": "correct horse battery"})
    assert response.status_code == 302


def test_login_wrong_password_says_so_in_japanese_and_keeps_the_email(client):
    _user("someone@example.jp", Role.APPLICANT, is_staff=False)
    response = client.post(reverse("login"), {"username": "someone@example.jp", "password": "wrong"})
    content = response.content.decode()
    assert "メールアドレスまたはパスワードが正しくありません" in content
    assert 'value="someone@example.jp"' in content


def test_login_form_marks_required_fields_and_has_labels(client):
    content = client.get(reverse("login")).content.decode()
    assert content.count("※必須") == 2
    assert re.search(r'<label\s+for="id_username"', content)


def test_password_reset_mails_a_link_in_japanese(client, mailoutbox):
    _user("someone@example.jp", Role.APPLICANT, is_staff=False)
    from labportal.models import OutboxMail

    client.post(reverse("password_reset"), {"email": "someone@example.jp"})
    assert list(OutboxMail.objects.values_list("subject", "recipients")) == [
        ("【地域DX推進ラボ】パスワード再設定のご案内", ["someone@example.jp"])]


def test_password_reset_for_an_unknown_address_says_so_without_revealing_accounts(client):
    from labportal.models import OutboxMail

    response = client.post(reverse("password_reset"), {"email": "nobody@example.jp"})
    assert (response.status_code, list(OutboxMail.objects.values_list("event", flat=True))) == (
        302, ["account_unknown"])


def _round(state):
    from labportal.models import Programme, SelectionRound

    return SelectionRound.objects.create(programme=Programme.objects.get(code="dx"), number=50, state=state)


def test_round_admin_state_is_read_only(client):
    client.force_login(_user("staff@example.jp", Role.STAFF, is_staff=True))
    selection_round = _round("open")
    response = client.get(reverse("admin:labportal_selectionround_change", args=[selection_round.pk]))
    assert "state" not in response.context["adminform"].form.fields


def test_round_admin_close_action_moves_open_round_to_reviewing(client):
    client.force_login(_user("staff@example.jp", Role.STAFF, is_staff=True))
    selection_round = _round("open")
    client.post(reverse("admin:labportal_selectionround_changelist"),
                {"action": "close_now", "_selected_action": [selection_round.pk], "confirm": "yes"})
    selection_round.refresh_from_db()
    assert selection_round.get_state_display() == "審査中"


def test_round_admin_refuses_to_open_an_announced_round(client):
    client.force_login(_user("staff@example.jp", Role.STAFF, is_staff=True))
    selection_round = _round("announced")
    client.post(reverse("admin:labportal_selectionround_changelist"),
                {"action": "open_now", "_selected_action": [selection_round.pk]})
    selection_round.refresh_from_db()
    assert selection_round.get_state_display() == "公表済"


def test_the_admin_login_hands_over_to_the_portal_login(client):
    response = client.get(reverse("admin:login") + "?next=/admin/review/review/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=%2Fadmin%2Freview%2Freview%2F")


def test_the_admin_login_refuses_an_offsite_next(client):
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_the_admin_login_tells_a_signed_in_applicant_the_admin_is_not_for_them(client):
    client.force_login(_user("applicant2@example.jp", Role.APPLICANT, is_staff=False))
    response = client.get(reverse("admin:login"))
    assert response.status_code == 403
    assert "管理画面を利用する権限がありません" in response.content.decode()
