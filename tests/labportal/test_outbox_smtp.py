"""The outbox against a real SMTP server in this process: the hand-over is seen where it happens."""

import socketserver
import threading

import pytest

from labportal.models import OutboxMail
from labportal.services import notify, outbox_send
from tests.integration.smtp_sink import SMTPSink

pytestmark = pytest.mark.django_db

CONTEXT = {"round_name": "地域DX推進ラボ 第2弾", "round_label": "第2弾", "application_count": 3,
           "closes_at": "2026-04-30T08:00:00+00:00", "url": "http://testserver/admin/"}


@pytest.fixture
def smtp(settings):
    sink = SMTPSink().start()
    settings.EMAIL_BACKEND = "labportal.mail_backend.SMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


def _queue() -> OutboxMail:
    [mail] = notify(event="round_closed", to="staff@example.jp", dedup_key="round:9:closed",
                    context=CONTEXT)
    return mail


def test_smtp_delivery_records_the_hand_over_and_the_message_id(smtp):
    mail = _queue()
    outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    [message] = smtp.messages
    # Django folds a long encoded subject onto the next line; mail clients drop that whitespace.
    assert (mail.state, mail.handed_over_at is not None, message["Message-ID"], message["Subject"].strip(),
            message["X-Envelope-To"]) == (
        OutboxMail.State.SENT, True, mail.message_id,
        "【地域DX推進ラボ】第2弾の公募を締め切りました（申請3件）", "staff@example.jp")


def test_smtp_message_refused_after_the_hand_over_is_retried_not_uncertain(smtp):
    smtp.data_reply = "451 4.3.0 Please try again later"
    mail = _queue()
    outcome = outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (outcome.state, mail.handed_over_at is not None, smtp.messages) == (
        OutboxMail.State.PENDING, True, [])


def test_smtp_server_down_is_a_transient_error_before_the_hand_over(smtp):
    smtp.stop()
    mail = _queue()
    outcome = outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (outcome.state, mail.handed_over_at, mail.last_error.startswith("ConnectionRefusedError")) == (
        OutboxMail.State.PENDING, None, True)


class _ClosingServer(socketserver.StreamRequestHandler):
    """A bare SMTP server that closes the connection at DATA: in answer to the command, or right
    after its 354 (before any of the message arrived), as a server going down does."""

    go_ahead = True

    def handle(self):
        self.wfile.write(b"220 closing.example ESMTP\r\n")
        for line in self.rfile:
            command = line[:4].upper()
            if command == b"DATA":
                if self.go_ahead:
                    self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                return  # the connection closes
            self.wfile.write(b"221 bye\r\n" if command == b"QUIT" else b"250 OK\r\n")


@pytest.fixture
def closing_smtp(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _ClosingServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EMAIL_BACKEND = "labportal.mail_backend.SMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.server_address[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield _ClosingServer
    _ClosingServer.go_ahead = True
    server.shutdown()
    server.server_close()


def test_smtp_connection_closed_after_the_go_ahead_is_retried_not_uncertain(closing_smtp):
    mail = _queue()
    outcome = outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (outcome.state, mail.handed_over_at is not None, mail.last_error.startswith("MessageNotSent")) == (
        OutboxMail.State.PENDING, True, True)


def test_smtp_connection_closed_in_answer_to_data_is_retried_before_the_hand_over(closing_smtp):
    closing_smtp.go_ahead = False
    mail = _queue()
    outcome = outbox_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (outcome.state, mail.handed_over_at) == (OutboxMail.State.PENDING, None)
