"""A local SMTP catcher for `newsradar demo --smtp`: it accepts every message sent to
it on 127.0.0.1 and prints it, so the demo shows the email an analyst would get.

Needs aiosmtpd: the demo imports this module only with --smtp. No AUTH, no TLS:
it only listens on loopback.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Self
from urllib.parse import urlencode

from aiosmtpd.controller import Controller

from scheduler.demo.localhttp import Running

SENDER = "newsradar-demo@example.org"
RECIPIENT = "analyst@example.org"
BODY_LINES = 8  # the console target already shows the whole alert


def _free_port() -> int:
    # aiosmtpd's Controller checks the server by connecting to the port it was
    # given, so it needs a real port number rather than 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    text = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    more = len(lines) - BODY_LINES
    return "\n".join(lines[:BODY_LINES] + ([f"[... {more} more lines]"] if more > 0 else []))


class MailCatcher(Running):
    """An SMTP server on 127.0.0.1 that prints (through ``echo``) and counts each mail."""

    def __init__(self, echo: Callable[[str], Any]) -> None:
        self.echo = echo
        self.received = 0
        self.port = 0
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook: one message arrived."""
        raw = envelope.original_content or envelope.content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received += 1
        self.echo(
            f"✉  SMTP catcher, mail #{self.received}\n"
            f"   From: {message['From']}\n   To: {message['To']}\n"
            f"   Subject: {message['Subject']}\n\n{_plain_text(message)}\n"
        )
        return "250 Message accepted"

    def start(self) -> Self:
        """Listen on an ephemeral port of 127.0.0.1."""
        self.port = _free_port()
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="newsradar-demo.local"
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening (idempotent)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    @property
    def apprise_url(self) -> str:
        """An Apprise URL that mails this catcher: plain SMTP (``mailto://``), no login."""
        query = urlencode({"smtp": "127.0.0.1", "from": SENDER, "to": RECIPIENT})
        return f"mailto://127.0.0.1:{self.port}?{query}&mode=insecure"
