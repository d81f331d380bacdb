"""A local SMTP server that keeps what it receives: for the demo, the bench and the tests.

It runs aiosmtpd (a development dependency) on loopback in a thread of its own, so the code
under test talks real SMTP over a real socket to it.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Collecting:
    """aiosmtpd handler that keeps every accepted message, parsed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.accepted = threading.Condition(self.lock)

    def keep(self, data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        with self.accepted:
            self.messages.append(message)  # type: ignore[arg-type]  # default policy: EmailMessage
            self.accepted.notify_all()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.keep(envelope.original_content or envelope.content)
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float) -> list[EmailMessage]:
        """The messages once at least ``count`` have arrived (or the time is up)."""
        with self.accepted:
            self.accepted.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            return list(self.messages)


@contextmanager
def smtp_sink(handler: Any | None = None, port: int | None = None) -> Iterator[tuple[Any, int]]:
    """An SMTP server on 127.0.0.1 for the duration; yields (handler, port)."""
    from aiosmtpd.controller import Controller

    handler = handler or Collecting()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
