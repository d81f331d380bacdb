"""Mail jobs: queued per invite and kind, claimed by one node at a time with a lease.

A claim is one ``UPDATE ... WHERE`` that only takes rows nobody holds (no lease, or an expired
one), tagged with a token unique to that claim; the claimer then reads back the rows carrying
its token. PostgreSQL re-checks the WHERE on a row another transaction just updated, and
SQLite runs one writer at a time, so two nodes never hold the same job at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.invites import _record as invite_record
from crossroads.store.models import Invite, InviteOpened, MailJob, MailOptOut
from crossroads.store.records import InviteRecord

QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
INVITATION = "invitation"


@dataclass(frozen=True, slots=True)
class NewMailJob:
    invite_id: int
    kind: str
    recipient: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class MailJobRecord:
    id: int
    convening_id: int
    invite_id: int
    kind: str
    recipient: str
    due_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime
    lease_owner: str
    last_error: str
    sent_at: datetime | None


def _record(row: MailJob) -> MailJobRecord:
    return MailJobRecord(
        id=row.id,
        convening_id=row.convening_id,
        invite_id=row.invite_id,
        kind=row.kind,
        recipient=row.recipient,
        due_at=row.due_at,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        lease_owner=row.lease_owner,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


async def queue_jobs(
    tx: AsyncSession, *, convening_id: int, jobs: Iterable[NewMailJob], now: datetime
) -> int:
    """Insert the jobs not queued before (one per invite and kind); returns how many were new.

    Queuing twice, from two nodes or a double click, adds nothing the second time.
    """
    values = [
        {
            "convening_id": convening_id,
            "invite_id": job.invite_id,
            "kind": job.kind,
            "recipient": job.recipient,
            "due_at": job.due_at,
            "status": QUEUED,
            "attempts": 0,
            "next_attempt_at": job.due_at,
            "lease_owner": "",
            "last_error": "",
            "created_at": now,
        }
        for job in jobs
    ]
    if not values:
        return 0
    dialect = tx.bind.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    added = 0
    # In slices: SQLite allows 32,766 bound parameters a statement, 11 a row here.
    for start in range(0, len(values), 1000):
        statement = (
            insert(MailJob)
            .values(values[start : start + 1000])
            .on_conflict_do_nothing(index_elements=["invite_id", "kind"])
        )
        result = await tx.execute(statement)
        added += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]  # CursorResult
    return added


async def claim_due(
    tx: AsyncSession, *, owner: str, now: datetime, lease_until: datetime, limit: int
) -> list[MailJobRecord]:
    """Take up to ``limit`` due jobs nobody holds, leased to ``owner`` (unique per claim)."""
    free = or_(MailJob.lease_expires_at.is_(None), MailJob.lease_expires_at <= now)
    due = and_(MailJob.status == QUEUED, MailJob.next_attempt_at <= now, free)
    candidates = select(MailJob.id).where(due).order_by(MailJob.next_attempt_at, MailJob.id)
    ids = list(await tx.scalars(candidates.limit(limit)))
    if not ids:
        return []
    await tx.execute(
        update(MailJob)
        .where(MailJob.id.in_(ids), due)
        .values(lease_owner=owner, lease_expires_at=lease_until)
        .execution_options(synchronize_session=False)
    )
    rows = await tx.scalars(
        select(MailJob).where(MailJob.lease_owner == owner).order_by(MailJob.id)
    )
    return [_record(row) for row in rows]


async def _finish(
    tx: AsyncSession, job_id: int, owner: str, *, keep_owner: bool = False, **values: object
) -> bool:
    """Update a job we still hold; False when our lease was lost (another node has it)."""
    result = await tx.execute(
        update(MailJob)
        .where(MailJob.id == job_id, MailJob.lease_owner == owner)
        .values(lease_owner=owner if keep_owner else "", lease_expires_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult


async def mark_sent(tx: AsyncSession, job_id: int, owner: str, now: datetime) -> bool:
    # The owner stays on a sent job: which node (and claim) sent it.
    return await _finish(
        tx,
        job_id,
        owner,
        keep_owner=True,
        status=SENT,
        sent_at=now,
        attempts=MailJob.attempts + 1,
        last_error="",
    )


async def mark_sent_many(tx: AsyncSession, job_ids: list[int], owner: str, now: datetime) -> int:
    """Several sent jobs of one claim in one statement; how many were still ours."""
    result = await tx.execute(
        update(MailJob)
        .where(MailJob.id.in_(job_ids), MailJob.lease_owner == owner)
        .values(
            lease_expires_at=None,
            status=SENT,
            sent_at=now,
            attempts=MailJob.attempts + 1,
            last_error="",
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # CursorResult


async def mark_retry(
    tx: AsyncSession, job_id: int, owner: str, *, error: str, retry_at: datetime
) -> bool:
    return await _finish(
        tx,
        job_id,
        owner,
        attempts=MailJob.attempts + 1,
        last_error=error[:500],
        next_attempt_at=retry_at,
    )


async def mark_failed(tx: AsyncSession, job_id: int, owner: str, *, error: str) -> bool:
    return await _finish(
        tx, job_id, owner, status=FAILED, attempts=MailJob.attempts + 1, last_error=error[:500]
    )


async def mark_cancelled(tx: AsyncSession, job_id: int, owner: str) -> bool:
    return await _finish(tx, job_id, owner, status=CANCELLED)


async def reschedule(tx: AsyncSession, job_id: int, owner: str, due_at: datetime) -> bool:
    """A reminder whose call moved: due at its new time, attempts untouched."""
    return await _finish(tx, job_id, owner, due_at=due_at, next_attempt_at=due_at)


async def release(tx: AsyncSession, owner: str) -> None:
    """Give back every job of a claim not finished (a node shutting down)."""
    await tx.execute(
        update(MailJob)
        .where(MailJob.lease_owner == owner, MailJob.status == QUEUED)
        .values(lease_owner="", lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


async def retry_failed(tx: AsyncSession, convening_id: int, now: datetime) -> int:
    """The host asks for failed messages to be tried again."""
    result = await tx.execute(
        update(MailJob)
        .where(MailJob.convening_id == convening_id, MailJob.status == FAILED)
        .values(status=QUEUED, attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # CursorResult


async def jobs_for_convening(tx: AsyncSession, convening_id: int) -> list[MailJobRecord]:
    rows = await tx.scalars(
        select(MailJob).where(MailJob.convening_id == convening_id).order_by(MailJob.id)
    )
    return [_record(row) for row in rows]


async def count_by_status(tx: AsyncSession, convening_ids: list[int]) -> dict[int, dict[str, int]]:
    """Invitation jobs per convening and status, for the dashboard."""
    if not convening_ids:
        return {}
    rows = await tx.execute(
        select(MailJob.convening_id, MailJob.status, func.count())
        .where(MailJob.convening_id.in_(convening_ids), MailJob.kind == INVITATION)
        .group_by(MailJob.convening_id, MailJob.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for convening_id, status, count in rows:
        counts.setdefault(convening_id, {})[status] = int(count)
    return counts


async def opt_out(tx: AsyncSession, invite_id: int, *, abuse: bool, now: datetime) -> None:
    """Record the opt-out (once; a later abuse report is kept) and cancel what is queued."""
    existing = await tx.get(MailOptOut, invite_id)
    if existing is None:
        tx.add(MailOptOut(invite_id=invite_id, reported_abuse=abuse, created_at=now))
    elif abuse:
        existing.reported_abuse = True
    await tx.execute(
        update(MailJob)
        .where(MailJob.invite_id == invite_id, MailJob.status == QUEUED)
        .values(status=CANCELLED, lease_owner="", lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


async def opted_out(tx: AsyncSession, invite_ids: list[int]) -> dict[int, bool]:
    """Which of these invites opted out, and whether they reported abuse."""
    if not invite_ids:
        return {}
    rows = await tx.scalars(select(MailOptOut).where(MailOptOut.invite_id.in_(invite_ids)))
    return {row.invite_id: row.reported_abuse for row in rows}


async def note_opened(tx: AsyncSession, invite_id: int, now: datetime) -> None:
    """The first time a personal link was opened; later openings (or two at once) keep it."""
    insert = pg_insert if tx.bind.dialect.name == "postgresql" else sqlite_insert
    await tx.execute(
        insert(InviteOpened)
        .values(invite_id=invite_id, opened_at=now)
        .on_conflict_do_nothing(index_elements=["invite_id"])
    )


async def opened(tx: AsyncSession, convening_id: int) -> dict[int, datetime]:
    rows = await tx.execute(
        select(InviteOpened.invite_id, InviteOpened.opened_at)
        .join(Invite, Invite.id == InviteOpened.invite_id)
        .where(Invite.convening_id == convening_id)
    )
    return {invite_id: at for invite_id, at in rows}


async def renew(tx: AsyncSession, owner: str, until: datetime) -> None:
    """Extend a claim's lease while its messages are still being sent."""
    await tx.execute(
        update(MailJob)
        .where(MailJob.lease_owner == owner, MailJob.status == QUEUED)
        .values(lease_expires_at=until)
        .execution_options(synchronize_session=False)
    )


async def invites_by_id(tx: AsyncSession, invite_ids: list[int]) -> dict[int, InviteRecord]:
    if not invite_ids:
        return {}
    rows = await tx.scalars(select(Invite).where(Invite.id.in_(invite_ids)))
    return {row.id: invite_record(row) for row in rows}
