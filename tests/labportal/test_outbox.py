"""The outbox: a mail is a row first; the send task claims it, sends once, retries or fails."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail as sent_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from labportal import services
from labportal.models import OutboxMail, Role, User
from labportal.services import (
    UNCERTAIN_ERROR,
    Recipient,
    notify,
    outbox_recover,
    outbox_resend,
    outbox_send,
    retry_delay,
)
from labportal.tasks import send_outbox_mail

pytestmark = pytest.mark.django_db

CONTEXT = {
    "round_id": 9, "round_name": "地域DX推進ラボ 第2弾", "round_label": "第2弾",
    "programme_name": "地域DX推進ラボ", "opens_at": "2026-04-01T01:00:00+00:00",
    "closes_at": "2026-04-30T08:00:00+00:00", "url": "http://testserver/", "days_before": 7,
}


class ScriptedBackend(BaseEmailBackend):
    """A mail backend that fails as scripted: each send takes the next (when, error) step.

    when: "before" (before the hand-over), "after" (after it, no answer), "closing" (after the
    server accepted). Like labportal.mail_backend.SMTPBackend it reports the hand-over.
    """

    reports_handover = True
    script: list = []
    delivered: list = []

    def __init__(self, *args, on_handover=None, on_accepted=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_handover, self.on_accepted = on_handover, on_accepted

    def send_messages(self, messages):
        when, error = ScriptedBackend.script.pop(0) if ScriptedBackend.script else (None, None)
        if when == "before":
            raise error
        self.on_handover()
        if when == "after":
            raise error
        ScriptedBackend.delivered.extend(messages)
        self.on_accepted()
        if when == "closing":
            raise error
        return len(messages)


@pytest.fixture
def scripted(settings):
    settings.EMAIL_BACKEND = f"{__name__}.ScriptedBackend"
    ScriptedBackend.script, ScriptedBackend.delivered = [], []
    return ScriptedBackend


@pytest.fixture
def enqueued(monkeypatch):
    """The ids the outbox hands to the send task (after commit), instead of the broker."""
    ids = []
    monkeypatch.setattr(services, "_enqueue", ids.extend)
    return ids


@pytest.fixture
def applicant():
    return User.objects.create_user("sapporo@example.jp", last_name="札幌", first_name="太郎")


def _queue_one(to="sapporo@example.jp", key="round:9:reminder:7d") -> OutboxMail:
    [mail] = notify(event="round_closing_reminder", to=to, dedup_key=key, context=CONTEXT)
    return mail


def test_notify_stores_the_rendered_mail_as_waiting(applicant):
    applicant.organisation_name = "札幌市"
    [mail] = notify(event="round_closing_reminder", to=applicant, dedup_key="round:9:reminder:7d",
                    context=CONTEXT)
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.recipients, mail.recipient_user, mail.subject,
            mail.body.splitlines()[:2]) == (
        OutboxMail.State.PENDING, 0, ["sapporo@example.jp"], applicant,
        "【地域DX推進ラボ】第2弾の公募締切が近づいています（2026年4月30日（木）17:00締切）",
        ["札幌市", "札幌 太郎 様"])


def test_notify_the_same_event_twice_makes_one_mail(enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(event="round_closing_reminder", to="a@example.jp", dedup_key="k", context=CONTEXT)
    with django_capture_on_commit_callbacks(execute=True):
        second = notify(event="round_closing_reminder", to="A@example.jp", dedup_key="k", context=CONTEXT)
    assert (len(first), second, OutboxMail.objects.count(), enqueued) == (1, [], 1, [first[0].pk])


def test_notify_makes_one_mail_per_recipient():
    mails = notify(event="round_closing_reminder", to=["a@example.jp", Recipient("b@example.jp", "乙")],
                   dedup_key="k", context=CONTEXT)
    assert sorted(m.recipients[0] for m in mails) == ["a@example.jp", "b@example.jp"]


def test_notify_enqueues_the_send_only_after_commit(enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        mail = _queue_one()
        assert enqueued == []
    callbacks[0]()
    assert enqueued == [mail.pk]


def test_notify_rolled_back_enqueues_nothing(enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _queue_one()
            raise RuntimeError("the caller fails after notify")
    assert (callbacks, OutboxMail.objects.count()) == ([], 0)


def test_send_delivers_once_with_a_message_id_from_the_dedup_key():
    mail = _queue_one()
    outbox_send(mail_id=mail.pk)
    outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    [message] = sent_mail.outbox
    assert (mail.state, mail.attempts, message.to, message.extra_headers["Message-ID"],
            message.extra_headers["Auto-Submitted"], message.subject) == (
        OutboxMail.State.SENT, 1, ["sapporo@example.jp"], mail.message_id, "auto-generated",
        mail.subject)


def test_message_id_is_the_same_for_the_same_key_and_differs_between_keys():
    first, other = _queue_one(key="a"), _queue_one(key="b")
    assert first.message_id == services._message_id(first.dedup_key) != other.message_id


def test_send_leaves_a_mail_another_worker_claimed():
    mail = _queue_one()
    OutboxMail.objects.filter(pk=mail.pk).update(state=OutboxMail.State.SENDING)
    assert (outbox_send(mail_id=mail.pk), sent_mail.outbox) == (None, [])


def test_send_refused_connection_waits_for_a_retry_with_backoff(scripted, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    scripted.script = [("before", ConnectionRefusedError(111, "Connection refused"))]
    mail = _queue_one()
    outcome = outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, 30 <= outcome.retry_in <= 60,
            mail.last_error.startswith("ConnectionRefusedError"), mail.next_attempt_at is not None) == (
        OutboxMail.State.PENDING, 1, True, True, True)


def test_send_4xx_reply_is_retried(scripted):
    scripted.script = [("before", smtplib.SMTPSenderRefused(451, b"try later", "from@example.jp"))]
    mail = _queue_one()
    assert outbox_send(mail_id=mail.pk).state == OutboxMail.State.PENDING


def test_send_4xx_reply_to_the_message_is_retried(scripted):
    scripted.script = [("after", smtplib.SMTPDataError(451, b"local error"))]
    mail = _queue_one()
    assert outbox_send(mail_id=mail.pk).state == OutboxMail.State.PENDING


def test_send_fails_after_the_last_attempt(scripted, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    scripted.script = [("before", smtplib.SMTPServerDisconnected("gone"))] * 2
    mail = _queue_one()
    outbox_send(mail_id=mail.pk)
    outcome = outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (outcome.state, outcome.retry_in, mail.state, mail.attempts, mail.last_error) == (
        OutboxMail.State.FAILED, None, OutboxMail.State.FAILED, 2, "SMTPServerDisconnected: gone")


def test_send_4xx_reply_to_the_recipient_is_retried(scripted):
    # Greylisting: "451 4.7.1 try again later" to RCPT; smtplib raises SMTPRecipientsRefused.
    scripted.script = [("before", smtplib.SMTPRecipientsRefused({"x@example.jp": (451, b"greylisted")}))]
    mail = _queue_one()
    assert outbox_send(mail_id=mail.pk).state == OutboxMail.State.PENDING


def test_send_5xx_reply_fails_at_once(scripted):
    scripted.script = [("before", smtplib.SMTPRecipientsRefused({"x@example.jp": (550, b"no such user")}))]
    mail = _queue_one()
    assert outbox_send(mail_id=mail.pk).state == OutboxMail.State.FAILED


def test_send_connection_lost_after_hand_over_is_failed_as_uncertain_never_retried(scripted):
    scripted.script = [("after", smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))]
    mail = _queue_one()
    outcome = outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (outcome.retry_in, mail.state, mail.delivery_uncertain,
            mail.last_error.startswith(UNCERTAIN_ERROR)) == (None, OutboxMail.State.FAILED, True, True)


def test_send_error_when_closing_after_the_server_accepted_is_sent(scripted):
    scripted.script = [("closing", smtplib.SMTPServerDisconnected("closed"))]
    mail = _queue_one()
    outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (mail.state, len(scripted.delivered)) == (OutboxMail.State.SENT, 1)


def test_send_task_retries_a_transient_error_and_then_sends(scripted):
    scripted.script = [("before", TimeoutError("timed out"))]
    mail = _queue_one()
    send_outbox_mail.apply(args=[mail.pk], throw=False)  # eager: the retry runs at once
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, len(scripted.delivered)) == (OutboxMail.State.SENT, 2, 1)


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 60), (2, 120), (3, 240), (6, 1800), (9, 1800)])
def test_retry_delay_doubles_up_to_the_cap_with_jitter(settings, attempt, ceiling):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 60, 1800
    delays = [retry_delay(attempt) for _ in range(200)]
    assert (ceiling / 2 <= min(delays), max(delays) <= ceiling, len(set(delays)) > 1) == (True, True, True)


def _stuck(mail, *, seconds, handed_over):
    claimed = timezone.now() - timedelta(seconds=seconds)
    OutboxMail.objects.filter(pk=mail.pk).update(
        state=OutboxMail.State.SENDING, attempts=1, claimed_at=claimed,
        handed_over_at=claimed if handed_over else None)


def test_recover_requeues_a_mail_whose_worker_died_before_the_hand_over(settings, enqueued,
                                                                        django_capture_on_commit_callbacks):
    settings.OUTBOX_STUCK_SECONDS = 420
    mail = _queue_one()
    _stuck(mail, seconds=421, handed_over=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = outbox_recover()
    mail.refresh_from_db()
    assert (result["requeued"], mail.state, enqueued) == (1, OutboxMail.State.PENDING, [mail.pk])


def test_recover_fails_as_uncertain_a_mail_whose_worker_died_after_the_hand_over(settings, enqueued):
    settings.OUTBOX_STUCK_SECONDS = 420
    mail = _queue_one()
    _stuck(mail, seconds=421, handed_over=True)
    result = outbox_recover()
    mail.refresh_from_db()
    assert (result["uncertain"], mail.state, mail.last_error, enqueued) == (
        1, OutboxMail.State.FAILED, UNCERTAIN_ERROR, [])


def test_recover_leaves_a_mail_a_live_worker_is_sending(settings):
    settings.OUTBOX_STUCK_SECONDS = 420
    mail = _queue_one()
    _stuck(mail, seconds=400, handed_over=False)
    outbox_recover()
    mail.refresh_from_db()
    assert mail.state == OutboxMail.State.SENDING


def test_recover_reenqueues_a_waiting_mail_whose_task_was_lost_once_per_period(
        settings, enqueued, django_capture_on_commit_callbacks):
    settings.OUTBOX_STUCK_SECONDS = 420
    mail = _queue_one()
    OutboxMail.objects.filter(pk=mail.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        outbox_recover()
        outbox_recover()
    assert enqueued == [mail.pk]


def test_resend_gives_a_failed_mail_a_new_attempt_on_the_same_row(enqueued,
                                                                  django_capture_on_commit_callbacks):
    failed, sent = _queue_one(key="a"), _queue_one(key="b")
    OutboxMail.objects.filter(pk=failed.pk).update(state=OutboxMail.State.FAILED, attempts=8)
    OutboxMail.objects.filter(pk=sent.pk).update(state=OutboxMail.State.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        queued = outbox_resend(mail_ids=[failed.pk, sent.pk])
    outbox_send(mail_id=failed.pk)
    failed.refresh_from_db()
    assert (queued, enqueued, failed.state, failed.attempts, len(sent_mail.outbox)) == (
        1, [failed.pk], OutboxMail.State.SENT, 9, 1)


def test_staff_recipients_are_greeted_as_the_secretariat(settings):
    from labportal.deadlines import staff_recipients
    from django.contrib.auth.models import Group

    staff = User.objects.create_user("staff@example.jp", last_name="事務局", first_name="花子")
    staff.groups.add(Group.objects.get(name=Role.STAFF))
    assert staff_recipients() == [Recipient("staff@example.jp", "事務局 花子", settings.SECRETARIAT_NAME,
                                            staff.pk)]
