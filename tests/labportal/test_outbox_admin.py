"""Staff see every mail in the admin, filter them, read them in full, and resend a failed one."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from labportal import services
from labportal.models import ClockEvent, OutboxMail, Role, User
from labportal.services import notify
from tests.two_factor import give_totp

pytestmark = pytest.mark.django_db

CONTEXT = {"round_name": "地域DX推進ラボ 第2弾", "round_label": "第2弾", "application_count": 4,
           "closes_at": "2026-04-30T08:00:00+00:00", "url": "http://testserver/admin/"}
CHANGELIST = reverse("admin:labportal_outboxmail_changelist")


@pytest.fixture
def staff_client(client):
    user = User.objects.create_user("staff@example.jp", "pw-staff-123456", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.STAFF))
    give_totp(user)
    client.force_login(user)
    return client


@pytest.fixture
def enqueued(monkeypatch):
    ids = []
    monkeypatch.setattr(services, "_enqueue", ids.extend)
    return ids


def _mail(key: str, state=OutboxMail.State.PENDING) -> OutboxMail:
    [mail] = notify(event="round_closed", to=f"{key}@example.jp", dedup_key=key, context=CONTEXT)
    OutboxMail.objects.filter(pk=mail.pk).update(state=state)
    return mail


def test_outbox_admin_filters_by_state(staff_client):
    failed, _sent = _mail("failed", OutboxMail.State.FAILED), _mail("sent", OutboxMail.State.SENT)
    response = staff_client.get(CHANGELIST, {"state__exact": "failed"})
    assert [m.pk for m in response.context["cl"].result_list] == [failed.pk]


def test_outbox_admin_filters_by_event_and_date(staff_client):
    mail = _mail("a")
    day = mail.created_at
    response = staff_client.get(CHANGELIST, {"event": "round_closed", "created_at__year": day.year,
                                             "created_at__month": day.month})
    assert [m.pk for m in response.context["cl"].result_list] == [mail.pk]


def test_outbox_admin_shows_the_full_text_read_only(staff_client):
    mail = _mail("a")
    response = staff_client.get(reverse("admin:labportal_outboxmail_change", args=[mail.pk]))
    page = response.content.decode()
    assert (response.status_code, "■受け付けた申請：4件" in page, 'name="_save"' in page) == (200, True, False)


def test_outbox_admin_resend_queues_failed_mails_only(staff_client, enqueued, django_capture_on_commit_callbacks):
    failed, sent = _mail("failed", OutboxMail.State.FAILED), _mail("sent", OutboxMail.State.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(CHANGELIST, {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
                                     follow=True)
    failed.refresh_from_db()
    sent.refresh_from_db()
    messages = [str(m) for m in response.context["messages"]]
    assert (failed.state, sent.state, enqueued, messages) == (
        OutboxMail.State.PENDING, OutboxMail.State.SENT, [failed.pk],
        ["1件のメールを再送します（同じメールとして、もう一度送信を試みます）。",
         "1件は「失敗」ではないため再送しませんでした。"])


def test_outbox_admin_offers_no_adding_or_deleting(staff_client):
    mail = _mail("a")
    add = staff_client.get(reverse("admin:labportal_outboxmail_add"))
    delete = staff_client.get(reverse("admin:labportal_outboxmail_delete", args=[mail.pk]))
    assert (add.status_code, delete.status_code) == (403, 403)


def test_outbox_admin_is_refused_to_applicants(client):
    user = User.objects.create_user("applicant@example.jp", "pw-applicant-1234")
    user.groups.add(Group.objects.get(name=Role.APPLICANT))
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 302  # to the admin login: not staff


def test_clock_event_admin_lists_what_the_clock_did(staff_client):
    ClockEvent.objects.create(handler="labportal.round_close", kind="closed", object_id=2, note="審査中にしました")
    response = staff_client.get(reverse("admin:labportal_clockevent_changelist"))
    assert [e.note for e in response.context["cl"].result_list] == ["審査中にしました"]
