"""Mail through the real thing: PostgreSQL, Redis, a Celery worker process and an SMTP server.

Each fault case ends with exactly one mail at the server. "Exactly" is checked once the row has
reached a final state (送信済 or 失敗), after which no task can send it again.
"""

import threading

import pytest
from django.db import connection

from labportal.models import OutboxMail, User
from labportal.services import UNCERTAIN_ERROR, notify

from .conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CONTEXT = {"round_name": "地域DX推進ラボ 第2弾", "round_label": "第2弾", "days_before": 7,
           "closes_at": "2026-04-30T08:00:00+00:00", "url": "http://127.0.0.1:8000/"}


def _notify(to="sapporo@example.jp"):
    return notify(event="round_closing_reminder", to=to, dedup_key="round:2:reminder:7d", context=CONTEXT)


def _row():
    return OutboxMail.objects.get()


def _final_row():
    """Wait until the only mail is 送信済 or 失敗 (nothing can send it again after that)."""
    return wait_until(lambda: (row := _row()).state in (OutboxMail.State.SENT, OutboxMail.State.FAILED)
                      and row, message="メールが送信済または失敗になること")


def test_mail_arrives_once_with_its_recipient_subject_and_body(smtp, worker):
    worker.start()
    user = User.objects.create_user("sapporo@example.jp", last_name="札幌", first_name="太郎")
    _notify(to=user)
    row = _final_row()
    [message] = smtp.messages
    assert (row.state, message["To"], message["Subject"].strip(), message["Message-ID"],
            message.get_content().splitlines()[0]) == (
        OutboxMail.State.SENT, "sapporo@example.jp",
        "【地域DX推進ラボ】第2弾の公募締切が近づいています（2026年4月30日（木）17:00締切）",
        row.message_id, "札幌 太郎 様")


def test_same_event_triggered_twice_arrives_once(smtp, worker):
    worker.start()
    barrier = threading.Barrier(2)
    results = []

    def trigger():
        try:
            barrier.wait(5)
            results.append(len(_notify()))
        finally:
            connection.close()

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    _notify()  # and once more, later
    row = _final_row()
    assert (sorted(results), row.state, len(smtp.messages)) == ([0, 1], OutboxMail.State.SENT, 1)


def test_smtp_server_down_for_the_first_attempts_then_up_arrives_once(smtp, worker):
    worker.start()
    smtp.stop()
    _notify()
    wait_until(lambda: _row().attempts >= 2, message="2回の送信失敗")
    failing = _row()
    smtp.start()
    row = _final_row()
    # Not the failing row's state: on a busy machine the worker may already be on its next attempt.
    assert (failing.last_error.startswith("ConnectionRefusedError"), row.state,
            row.attempts >= 3, len(smtp.messages)) == (True, OutboxMail.State.SENT, True, 1)


def test_worker_killed_before_the_hand_over_is_sent_again_once(smtp, worker):
    """Killed while the server hangs at RCPT: nothing of the message left; it goes again, once."""
    worker.start(beat=True)
    smtp.hang_at = "RCPT"
    _notify()
    wait_until(smtp.hanging.is_set, message="SMTPサーバーがRCPTで止まること")
    claimed = _row()
    worker.kill()
    smtp.release()
    worker.start(beat=True)  # its sweep finds the mail stuck 送信中 and puts it back in the queue
    row = _final_row()
    assert (claimed.state, claimed.handed_over_at, row.state, row.attempts, len(smtp.messages)) == (
        OutboxMail.State.SENDING, None, OutboxMail.State.SENT, 2, 1)


def test_worker_killed_after_the_hand_over_never_sends_a_second_mail(smtp, worker):
    """Killed while the server holds the whole message: it went; it must not go twice."""
    worker.start(beat=True)
    smtp.hang_at = "DATA"
    _notify()
    wait_until(smtp.hanging.is_set, message="SMTPサーバーがDATAの後で止まること")
    claimed = wait_until(lambda: (row := _row()).handed_over_at and row, message="引き渡しの記録")
    worker.kill()
    smtp.release()
    delivered_before_restart = len(smtp.messages)  # the server had queued it: the first had gone
    worker.start(beat=True)
    row = _final_row()
    assert (delivered_before_restart, claimed.state, row.state, row.last_error.startswith(UNCERTAIN_ERROR),
            len(smtp.messages)) == (1, OutboxMail.State.SENDING, OutboxMail.State.FAILED, True, 1)
