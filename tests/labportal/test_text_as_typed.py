"""Text is kept as typed; what nobody can see is removed wherever text is stored, and a line break
never reaches a mail's subject or headers (issues 14 and 15). The forms' side is in
tests/applications/test_forms_property.py; this file holds the model and mail layers."""

import pytest
from django.core import mail as sent_mail
from django.urls import reverse

from applications.models import Organisation
from labportal import services
from labportal.models import OutboxMail, Region, Role
from labportal.services import notify, outbox_send, render_mail
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_model_save_removes_invisible_characters_everywhere():
    organisation = OrganisationFactory(name="札幌\u200b市", address="北海道\u00ad札幌市\u2060中央区\ufeff")
    organisation.refresh_from_db()
    assert (organisation.name, organisation.address) == ("札幌市", "北海道札幌市中央区")


def test_model_save_keeps_joined_emoji_and_line_breaks():
    organisation = OrganisationFactory(name="札幌市", address="北海道\n👨\u200d👩\u200d👧")
    organisation.refresh_from_db()
    assert organisation.address == "北海道\n👨\u200d👩\u200d👧"


def _admin_post_data(page) -> dict:
    """What the admin's change page would send back unchanged: the form and each inline's rows."""
    def values(form):
        data = {}
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = [str(v) for v in value] if isinstance(value, (list, tuple)) else value
        return data

    data = values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(k): management[k].value() for k in management.fields})
        for form in formset.initial_forms:
            data.update(values(form))
    return data


def test_admin_form_removes_invisible_characters_and_tells_staff(client):
    staff = UserFactory(email="staff@meti.example.jp", is_staff=True, is_superuser=True, role=Role.STAFF)
    client.force_login(staff)
    organisation = OrganisationFactory(name="札幌市")
    url = reverse("admin:applications_organisation_change", args=[organisation.pk])
    data = {**_admin_post_data(client.get(url)), "name": "札幌\u200b市", "_save": "保存"}
    response = client.post(url, data, follow=True)
    organisation.refresh_from_db()
    assert (response.redirect_chain != [], organisation.name, "見えない文字" in response.content.decode()) == (
        True, "札幌市", True)


def test_admin_form_refuses_a_line_break_in_a_name_on_its_field(client):
    staff = UserFactory(email="staff@meti.example.jp", is_staff=True, is_superuser=True, role=Role.STAFF)
    client.force_login(staff)
    organisation = OrganisationFactory(name="札幌市")
    url = reverse("admin:applications_organisation_change", args=[organisation.pk])
    data = {**_admin_post_data(client.get(url)), "name": "札幌市\r\nBcc: x@example.jp", "_save": "保存"}
    response = client.post(url, data)
    organisation.refresh_from_db()
    assert (response.status_code, organisation.name, response.context["adminform"].form.errors["name"]) == (
        200, "札幌市", ["改行やタブなどの制御文字は入力できません。1行で入力してください。"])


def test_mail_subject_stays_one_line_with_a_line_break_in_a_name():
    subject, body = render_mail("applications_invitation", {
        "organisation_name": "札幌市\n（本当は別の件名）", "inviter": "札幌 花子", "url": "http://testserver/x",
        "recipient": {"name": "", "organisation": "", "email": "a@example.jp"}})
    assert subject == "【地域DX推進ラボ】札幌市 （本当は別の件名）の申請担当者として招待されました"


def test_mail_with_a_carriage_return_in_its_stored_subject_is_still_sent(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(services, "_enqueue", lambda ids: None)
    [row] = notify(event="applications_invitation", to="a@example.jp", dedup_key="cr-test", context={
        "organisation_name": "札幌市", "inviter": "札幌 花子", "url": "http://testserver/x"})
    OutboxMail.objects.filter(pk=row.pk).update(subject="【地域DX推進ラボ】札幌市\r\nBcc: x@example.jp")
    outbox_send(mail_id=row.pk)
    row.refresh_from_db()
    assert (row.state, sent_mail.outbox[-1].subject) == (OutboxMail.State.SENT,
                                                         "【地域DX推進ラボ】札幌市 Bcc: x@example.jp")


def test_mail_backend_puts_subject_and_headers_on_one_line():
    from django.core.mail import EmailMessage

    from labportal.mail_backend import SMTPBackend

    class Recording(SMTPBackend):
        def open(self):
            return False

        def _send(self, message):
            self.sent = message.message()
            return True

    backend = Recording(host="127.0.0.1", port=1)
    backend.connection = object()  # "open": nothing is sent over the wire
    message = EmailMessage(subject="件名\r\n改行", body="本文", to=["a@example.jp"], headers={"X-Name": "札幌\n市"})
    backend.send_messages([message])
    from email.header import decode_header, make_header

    def header(name):
        return str(make_header(decode_header(backend.sent[name])))

    assert (header("Subject"), header("X-Name")) == ("件名 改行", "札幌 市")


def test_organisation_name_with_a_newline_never_registered(client):
    user = UserFactory(email="new@city.example.jp")
    client.force_login(user)
    response = client.post(reverse("applications:organisation_new"), {
        "name": "札幌市\r\nBcc: x@example.jp", "kind": "municipality",
        "regions": [Region.objects.get(name="札幌市").pk]})
    assert (response.status_code, Organisation.objects.count(), response.context["form"].errors["name"]) == (
        200, 0, ["改行やタブなどの制御文字は入力できません。1行で入力してください。"])
