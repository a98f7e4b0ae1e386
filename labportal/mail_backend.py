"""Django's SMTP backend, telling the outbox when a message reaches the server.

The outbox must know, after a crash, whether the SMTP server can have a message: until the
DATA command nothing of it has left us, so sending it again cannot make a second mail; from
then on the server may hold all of it. `on_handover` is called just before DATA and
`on_accepted` when the server answered 250 to the end of the message (labportal.services).
"""

import smtplib

from django.core.mail.backends import smtp


class _HandOverMixin:
    on_handover = None
    on_accepted = None

    def data(self, msg):
        if self.on_handover is not None:
            self.on_handover()
        code, response = super().data(msg)
        if code == 250 and self.on_accepted is not None:
            self.on_accepted()
        return code, response


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

    def open(self):
        created = super().open()
        if self.connection is not None:
            self.connection.on_handover = self.on_handover
            self.connection.on_accepted = self.on_accepted
        return created
