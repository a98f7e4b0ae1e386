"""Django's SMTP backend, telling the outbox when a message reaches the server.

The outbox must know, after a crash, whether the SMTP server can have a message: a server
takes a message only once it has its end (the line with a single dot), so until that leaves us,
sending it again cannot make a second mail; from then on the server may hold all of it.
`on_handover` is called when the server has answered DATA with 354 and before the message is
sent, and `on_accepted` when the server answered 250 to the end of the message
(labportal.services). Between the two calls the connection is checked once more: a server that
closed it (or spoke out of turn) meanwhile gets nothing, and MessageNotSent says so — the mail
is retried, not left "送信結果不明" (make faults found one lost that way, the server going down
while the hand-over was being recorded).
"""

import select
import smtplib

from django.core.mail.backends import smtp

from labportal.normalise import one_line


class MessageNotSent(smtplib.SMTPServerDisconnected):
    """The connection ended after the hand-over was recorded but before any of the message left."""


class _HandOverMixin:
    on_handover = None
    on_accepted = None
    _awaiting_go_ahead = False

    def data(self, msg):
        self._awaiting_go_ahead = True  # the next reply answers the DATA command
        try:
            code, response = super().data(msg)
        finally:
            self._awaiting_go_ahead = False
        if code == 250 and self.on_accepted is not None:
            self.on_accepted()
        return code, response

    def getreply(self):
        code, message = super().getreply()
        if self._awaiting_go_ahead:
            self._awaiting_go_ahead = False
            if code == 354 and self.on_handover is not None:
                self.on_handover()  # recorded before any byte of the message leaves
                if self._connection_ended():
                    self.close()
                    raise MessageNotSent("SMTPサーバーが本文を受け取る前に接続を閉じました / "
                                         "the server closed the connection before the message was sent")
        return code, message

    def _connection_ended(self) -> bool:
        """After 354 the server waits for the message: anything to read now is its close (or an
        out-of-turn reply before it closes)."""
        if self.sock is None:
            return True
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


class _SMTP(_HandOverMixin, smtplib.SMTP):
    pass


class _SMTP_SSL(_HandOverMixin, smtplib.SMTP_SSL):
    pass


class SMTPBackend(smtp.EmailBackend):
    """Django's SMTP EmailBackend plus the two callbacks; without them it behaves the same."""

    reports_handover = True

    def __init__(self, *args, on_handover=None, on_accepted=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_handover = on_handover
        self.on_accepted = on_accepted

    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP

    def send_messages(self, email_messages):
        # Any mail, the outbox's or not: a CR or LF in a subject or header would make Django refuse
        # it (BadHeaderError) or, in another library, start a header of its own.
        for message in email_messages or ():
            message.subject = one_line(str(message.subject))
            message.extra_headers = {one_line(str(k)): one_line(str(v)) for k, v in message.extra_headers.items()}
        return super().send_messages(email_messages)

    def open(self):
        created = super().open()
        if self.connection is not None:
            self.connection.on_handover = self.on_handover
            self.connection.on_accepted = self.on_accepted
        return created
