"""A REAL local SMTP server for tests (aiosmtpd on 127.0.0.1): it keeps every message it accepts, parsed, and
can be stopped and started again on the same port to play a mail server that is down for a while."""
from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keeper:
    """aiosmtpd's handler: keeps (envelope recipients, parsed message) of every DATA it accepts."""

    def __init__(self, received: list, refused: set):
        self.received, self.refused = received, refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.original_content or
                                                                         envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


class LocalSmtpServer:
    """An SMTP server on 127.0.0.1 at a fixed port; `received` holds (recipients, EmailMessage) in arrival order."""

    def __init__(self):
        self.port = _free_port()
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refused: set[str] = set()  # addresses answered with 550 (a mailbox that does not exist)
        self._controller: Controller | None = None

    def start(self) -> "LocalSmtpServer":
        self._controller = Controller(_Keeper(self.received, self.refused), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [message for _, message in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope went to `address`."""
        return [message for rcpts, message in self.received if address in rcpts]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived (a worker thread sends them); returns them all."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return ((text.get_content() if text is not None else "").replace("\r\n", "\n"),
            (html.get_content() if html is not None else "").replace("\r\n", "\n"))
