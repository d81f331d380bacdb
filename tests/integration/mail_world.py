"""A host, a convening and a roster in a real SQLite file, a loopback SMTP server with
faults on demand, and a mail worker on an injected clock: the pieces the mail tests share."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from crossroads.convenings import hosts, invitations, mailing, planning
from crossroads.convenings.invitations import InviteLinks
from crossroads.mail.sink import Collecting
from crossroads.mail.smtp import SmtpConfig, SmtpSender
from crossroads.mail.worker import MailWorker, WorkerConfig
from crossroads.store.convenings import ConveningFields
from crossroads.store.database import Database
from crossroads.store.records import ConveningRecord, HostRecord, PrivacyMode

SECRET = "mail-tests-secret-0123456789abcdef0123456789"
BASE_URL = "http://127.0.0.1:9"


class Faulty(Collecting):
    """A real SMTP server's handler that can refuse addresses, hang up, or be slow."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: set[str] = set()
        self.hang_up_after: int | None = None  # accepted messages before it hangs up once
        self.delay = 0.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hang_up_after is not None and len(self.messages) >= self.hang_up_after:
            self.hang_up_after = None
            server.transport.close()  # mid-send: the DATA is never answered
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2030, 5, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def roster_csv(count: int, *, language: str = "") -> bytes:
    lines = ["name,email,language"]
    lines += [f"Person {i},person{i}@example.org,{language}" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


async def make_world(
    path: Path, *, starts_at: datetime, timezone: str = "Europe/Paris", languages=("en", "es")
) -> tuple[Database, HostRecord, ConveningRecord]:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    host = await hosts.create_host(
        db,
        email="host@example.org",
        display_name="Hana Host",
        password="correct horse battery",
        now=datetime.now(UTC),
    )
    convening = await planning.create_convening(
        db,
        host,
        ConveningFields(
            title="Coalition call",
            description="We meet.",
            starts_at=starts_at,
            timezone=timezone,
            duration_minutes=90,
            languages=tuple(languages),
            plenary_url="",
            code_of_conduct="Be kind.",
            privacy_mode=PrivacyMode.NAMED,
        ),
        now=datetime.now(UTC),
    )
    return db, host, convening


async def add_roster(
    db: Database, host: HostRecord, convening: ConveningRecord, data: bytes, now: datetime
) -> None:
    await invitations.import_roster(
        db,
        host,
        convening.public_id,
        links(),
        data,
        now=now,
        days=30,
        max_rows=20000,
    )


def links() -> InviteLinks:
    return InviteLinks(base_url=BASE_URL, secret_key=SECRET)


def worker(db: Database, port: int, clock: Clock, **config: Any) -> MailWorker:
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5))
    return MailWorker(
        db,
        sender,
        links(),
        WorkerConfig(node_id="test", from_address="Calls <calls@example.org>", **config),
        clock=clock,
    )


async def drain(mail: MailWorker, clock: Clock, *, rounds: int = 100) -> None:
    """Run the worker until nothing is due now (without sleeping: the clock is ours)."""
    for _ in range(rounds):
        if not await mail.run_once():
            return
    raise AssertionError("the worker never ran out of due jobs")


async def queue(
    db: Database, host: HostRecord, convening: ConveningRecord, clock: Clock, reminders=()
) -> int:
    return await mailing.queue_invitations(
        db, host, convening.public_id, reminders=reminders, now=clock()
    )


def recipients(messages: list[EmailMessage]) -> list[str]:
    return [str(m["To"].addresses[0].addr_spec) for m in messages]


def unsubscribe_link(message: EmailMessage) -> str:
    """The List-Unsubscribe URL (the header may be folded over lines)."""
    match = re.search(r"<([^>]+)>", " ".join(str(message["List-Unsubscribe"]).split()))
    assert match, message["List-Unsubscribe"]
    return match.group(1)


def create_convening_for_mail(host: Any) -> str:
    """A convening made through the host's pages, for a mail test on a live server."""
    from tests.integration.conftest import create_convening

    return create_convening(host, "Mailed call").public_id
