"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting the messages it accepts.

It can be stopped and started again on the same port (a server down, then up), made to hang
once at RCPT (nothing of the message has arrived) or at the end of DATA (the whole message has
arrived and is queued for delivery, the reply not yet sent) until the test releases it, or made
to answer DATA with an error.
"""

import asyncio
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPSink:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.hang_at: str | None = None  # "RCPT" or "DATA": hang there once
        self.data_reply: str | None = None  # e.g. "451 4.3.0 try later": refuse the message
        self.hanging = threading.Event()
        self._release = threading.Event()
        self._controller: Controller | None = None

    # --- control, from the test ---
    def start(self) -> "SMTPSink":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._release.set()
            self._controller.stop()
            self._controller = None

    def release(self) -> None:
        self._release.set()

    def reset(self) -> None:
        self.messages.clear()
        self.hang_at, self.data_reply = None, None
        self.hanging.clear()
        self._release.clear()

    def wait_for_messages(self, count: int, timeout: float) -> list:
        """Poll until `count` messages arrived or `timeout` seconds passed; return what arrived."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)

    # --- aiosmtpd handler hooks ---
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._maybe_hang("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        # Queued for delivery before the reply, as real servers do: a hang here is the window of
        # RFC 1047, where the mail has gone but the client never hears so.
        self.messages.append(message)
        await self._maybe_hang("DATA")
        return "250 Message accepted for delivery"

    async def _maybe_hang(self, command: str) -> None:
        if self.hang_at != command:
            return
        self.hang_at = None
        self.hanging.set()
        while not self._release.is_set():
            await asyncio.sleep(0.02)
