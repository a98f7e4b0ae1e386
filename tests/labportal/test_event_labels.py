"""The outbox and the clock's log speak people's words (受付通知, 差し戻し通知, 公募締切), not the
internal event and handler names; one mapping, labportal/event_labels.py, covers all of them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from labportal.clock import registered_handlers
from labportal.event_labels import CLOCK_HANDLER_LABELS, MAIL_EVENT_LABELS
from labportal.models import ClockEvent, Role, User
from labportal.services import notify
from tests.two_factor import give_totp

MAIL_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "mail"
CONTEXT = {"round_name": "地域DX推進ラボ 第2弾", "round_label": "第2弾", "application_count": 4,
           "closes_at": "2026-04-30T08:00:00+00:00", "url": "http://testserver/admin/"}


def _visible_text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", response.content.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def staff_client(client):
    user = User.objects.create_user("staff-words@example.jp", "pw-staff-123456", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.STAFF))
    give_totp(user)
    client.force_login(user)
    return client


def test_event_labels_cover_every_mail_template():
    events = {path.stem for path in MAIL_TEMPLATES.glob("*.txt")} - {"base"}
    assert sorted(events - set(MAIL_EVENT_LABELS)) == []


def test_event_labels_cover_every_deadline_handler():
    assert sorted(set(registered_handlers()) - set(CLOCK_HANDLER_LABELS)) == []


@pytest.mark.django_db
def test_outbox_list_shows_the_kind_of_mail_in_peoples_words(staff_client):
    notify(event="round_closed", to="words@example.jp", dedup_key="words", context=CONTEXT)
    text = _visible_text(staff_client.get(reverse("admin:labportal_outboxmail_changelist")))
    assert (text.count("公募締切"), "round_closed" in text) == (2, False)  # the row and the filter


@pytest.mark.django_db
def test_outbox_mail_page_shows_the_kind_of_mail_in_peoples_words(staff_client):
    [mail] = notify(event="round_closed", to="words@example.jp", dedup_key="words", context=CONTEXT)
    text = _visible_text(staff_client.get(reverse("admin:labportal_outboxmail_change", args=[mail.pk])))
    assert ("公募締切" in text, "round_closed" in text.split("識別子と差し込み内容")[0]) == (True, False)


@pytest.mark.django_db
def test_clock_log_shows_the_deadline_handler_in_peoples_words(staff_client):
    ClockEvent.objects.create(handler="labportal.round_close", kind="closed", object_id=1)
    text = _visible_text(staff_client.get(reverse("admin:labportal_clockevent_changelist")))
    assert (text.count("公募の締切"), "labportal.round_close" in text) == (2, False)


@pytest.mark.django_db
def test_clock_log_shows_what_was_done_in_peoples_words(staff_client):
    ClockEvent.objects.create(handler="transition.reminders", kind="staff:reminder:2029-11-04:90d", object_id=1)
    text = _visible_text(staff_client.get(reverse("admin:labportal_clockevent_changelist")))
    assert ("事務局宛：90日前のリマインド（期限 2029-11-04）" in text, "staff:reminder" in text) == (True, False)
