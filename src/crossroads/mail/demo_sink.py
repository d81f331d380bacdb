"""The demo's mail: a loopback SMTP server that prints each message it receives, so the
invitations the demo sends (and the ones a host sends while trying it) can be seen."""

from __future__ import annotations

from typing import Any

import typer

from crossroads.mail.sink import Collecting, free_port


class Printing(Collecting):
    def keep(self, data: bytes) -> None:
        super().keep(data)
        message = self.messages[-1]
        body = message.get_body(("plain",))
        link = next(
            (
                line
                for line in (body.get_content() if body else "").splitlines()
                if "/join/" in line
            ),
            "",
        )
        typer.echo(f"  [mail] to {message['To']}: {message['Subject']}  {link.strip()}")


def start_demo_sink() -> int | None:
    """Start the sink for the rest of the process; its port, or None without aiosmtpd (a
    development dependency: `make demo` installs it)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        return None
    port = free_port()
    controller: Any = Controller(Printing(), hostname="127.0.0.1", port=port)
    controller.start()  # a daemon thread; it ends with the demo
    return port
