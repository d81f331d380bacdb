"""The task that sends due mail jobs, one per node, started by the app's lifespan.

Each round it claims a batch of due jobs under a lease unique to that claim, sends them one
by one over one SMTP connection and records each outcome in its own transaction, so a send
cut short (the SMTP server hangs up at message 200, the node is stopped) leaves every sent
message marked and the rest queued: they go out from where it stopped, here or on another
node once the lease has run out. A node being stopped finishes the message in hand and
gives the rest of its claim back at once.

What is guaranteed is "once, unless a node dies between the SMTP server accepting a message
and our commit": then the job is sent again after its lease (with the same Message-ID, which
lets mail clients fold the copy). No SMTP server offers more than that.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

import structlog

from crossroads.convenings import mailing
from crossroads.convenings.invitations import InviteLinks
from crossroads.convenings.mail_schedule import retry_delay
from crossroads.convenings.mailing import Letter
from crossroads.mail.compose import compose
from crossroads.mail.smtp import SendFailed
from crossroads.store import mail as mail_store
from crossroads.store.database import Database
from crossroads.store.errors import StoreError

log = structlog.get_logger(__name__)
MAX_UNRECORDED = 64


class Sender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    node_id: str
    from_address: str
    lease_seconds: float = 120.0
    max_attempts: int = 8
    batch: int = 50
    poll_seconds: float = 2.0


class MailWorker:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        links: InviteLinks,
        config: WorkerConfig,
        *,
        clock: Callable[[], datetime],
        on_sent: Callable[[EmailMessage], Awaitable[None] | None] | None = None,
    ) -> None:
        self.db = db
        self.sender = sender
        self.links = links
        self.config = config
        self.clock = clock
        self.on_sent = on_sent
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._committer: asyncio.Task[None] | None = None
        self._unrecorded: list[tuple[int, str, EmailMessage]] = []

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def wake(self) -> None:
        """Something was just queued on this node: look now rather than at the next poll."""
        self._wakeup.set()

    async def stop(self, within: float = 15.0) -> None:
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=within)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task
        await self.sender.close()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                handled = await self.run_once()
            except StoreError as exc:
                log.warning("mail_store_unavailable", error=str(exc))
                handled = 0
            except Exception:
                # A bug must not stop this node's mail for good: log it, wait, go on (the
                # claim was given back, so the job is tried again, here or elsewhere).
                log.exception("mail_worker_failed")
                handled = 0
            if handled or self._stopping:
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.config.poll_seconds)

    async def run_once(self) -> int:
        """Claim one batch of due jobs and settle each; returns how many were claimed."""
        owner = f"{self.config.node_id}:{secrets.token_hex(6)}"
        lease = timedelta(seconds=self.config.lease_seconds)
        now = self.clock()
        async with self.db.transaction() as tx:
            jobs = await mail_store.claim_due(
                tx, owner=owner, now=now, lease_until=now + lease, limit=self.config.batch
            )
        if not jobs:
            return 0
        renewed = now
        try:
            letters = await mailing.letters_for(self.db, jobs, self.links, now=now)
            for job in jobs:
                if self._stopping:
                    break
                now = self.clock()
                if now - renewed > lease / 3:
                    async with self.db.transaction() as tx:
                        await mail_store.renew(tx, owner, now + lease)
                    renewed = now
                await self._settle(job, letters[job.id], owner)
        finally:
            # Whatever was not settled (stopping, an error) is free for any node again.
            with contextlib.suppress(StoreError):
                await self._committed()
                async with self.db.transaction() as tx:
                    await mail_store.release(tx, owner)
        return len(jobs)

    async def _settle(
        self, job: mail_store.MailJobRecord, letter: Letter | mailing.Skip, owner: str
    ) -> None:
        if isinstance(letter, mailing.Skip):
            async with self.db.transaction() as tx:
                if letter.due_at is not None:
                    await mail_store.reschedule(tx, job.id, owner, letter.due_at)
                else:
                    await mail_store.mark_cancelled(tx, job.id, owner)
            return
        now = self.clock()
        try:
            message = compose(letter, sender=self.config.from_address, now=now)
        except (ValueError, LookupError) as exc:  # e.g. a zone this machine's tzdata lacks
            async with self.db.transaction() as tx:
                await mail_store.mark_failed(tx, job.id, owner, error=f"cannot compose: {exc}")
            return
        try:
            await self.sender.send(message)
        except SendFailed as exc:
            attempts = job.attempts + 1
            async with self.db.transaction() as tx:
                if exc.permanent or attempts >= self.config.max_attempts:
                    await mail_store.mark_failed(tx, job.id, owner, error=exc.reason)
                else:
                    retry_at = self.clock() + retry_delay(attempts)
                    await mail_store.mark_retry(
                        tx, job.id, owner, error=exc.reason, retry_at=retry_at
                    )
            log.info(
                "mail_failed",
                job=job.id,
                kind=job.kind,
                attempts=attempts,
                permanent=exc.permanent,
                error=exc.reason,
            )
            return
        # Sent messages are recorded by one committer task, all those sent since its last
        # commit in one transaction (group commit), while the next messages go out: on
        # SQLite with synchronous=FULL a commit waits for the disk longer than an SMTP
        # exchange waits for the server. A node killed outright may leave the messages of one
        # commit unrecorded (sent again after the lease, same Message-ID); a node stopped
        # waits for the commit. At most MAX_UNRECORDED wait for one.
        self._unrecorded.append((job.id, owner, message))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._record_sent())
        if len(self._unrecorded) >= MAX_UNRECORDED:
            await self._committed()

    async def _record_sent(self) -> None:
        while self._unrecorded:
            batch, self._unrecorded = self._unrecorded, []
            now = self.clock()
            by_owner: dict[str, list[int]] = {}
            for job_id, owner, _message in batch:
                by_owner.setdefault(owner, []).append(job_id)
            async with self.db.transaction() as tx:
                for owner, job_ids in by_owner.items():
                    await mail_store.mark_sent_many(tx, job_ids, owner, now)
            if self.on_sent is not None:
                for _job_id, _owner, message in batch:
                    result = self.on_sent(message)
                    if result is not None:
                        await result

    async def _committed(self) -> None:
        """Wait until every message sent so far is recorded (an error is raised here)."""
        committer = self._committer
        if committer is not None:
            await committer
