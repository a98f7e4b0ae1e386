import re

import pytest
from django.urls import reverse

from labportal.models import Role, User

pytestmark = pytest.mark.django_db

SIGNUP = {"last_name": "札幌", "first_name": "花子", "email": "Hanako@City.Example.jp",
          "password1": "kita-no-daichi-2026", "password2": "kita-no-daichi-2026"}


def _delivered(mailoutbox):
    """allauth's mails go through the outbox: send what is waiting, as the worker would."""
    from labportal.models import OutboxMail
    from labportal.services import outbox_send

    for mail_id in OutboxMail.objects.filter(state=OutboxMail.State.PENDING).values_list("pk", flat=True):
        outbox_send(mail_id=mail_id)
    return mailoutbox


def _confirm_link(mailoutbox):
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", _delivered(mailoutbox)[-1].body).group(0)


def test_signup_mails_a_confirmation_link_in_japanese(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    mailoutbox = _delivered(mailoutbox)
    assert (mailoutbox[0].subject, mailoutbox[0].to) == (
        "【地域DX推進ラボ】メールアドレスの確認のお願い", ["hanako@city.example.jp"])


def test_signup_joins_applicant_group_with_names(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    user = User.objects.get(email="hanako@city.example.jp")
    assert ([g.name for g in user.groups.all()], user.display_name) == ([Role.APPLICANT], "札幌 花子")


def test_login_refused_until_address_confirmed(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    response = client.post(reverse("login"), {"username": SIGNUP["email"], "password": SIGNUP["password1"]})
    assert (response.status_code, response["Location"]) == (302, reverse("account_email_verification_sent"))


def test_confirmation_link_confirms_and_leads_to_dashboard(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    path = _confirm_link(mailoutbox).split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response["Location"] == reverse("applications:dashboard")


def test_confirmation_link_opened_by_get_does_not_confirm(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    path = "/" + _confirm_link(mailoutbox).split("://", 1)[1].split("/", 1)[1]
    client.get(path)
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(email="hanako@city.example.jp").verified is False


def test_signup_short_password_refused_in_japanese(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "password1": "abc", "password2": "abc"})
    assert "短すぎ" in response.content.decode()


def test_account_made_by_staff_logs_in_without_confirmation(client):
    User.objects.create_user(email="staff-made@city.example.jp", password="correct horse battery")
    response = client.post(reverse("login"), {"username": "staff-made@city.example.jp",
                                              "password": "correct horse battery"})
    assert response["Location"] == reverse("home")
