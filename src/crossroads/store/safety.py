"""Blocks, reports, mutes and removals, each scoped to one convening."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crossroads.store.models import (
    LiveMember,
    ParticipantBlock,
    ParticipantMute,
    ParticipantRemoval,
    ParticipantReport,
    RoundRun,
    WebSession,
)


@dataclass(frozen=True, slots=True)
class ReportRecord:
    id: int
    reporter_id: int
    reported_id: int
    reason: str
    details: str
    run_number: int | None
    created_at: datetime


async def add_block(
    tx: AsyncSession, convening_id: int, blocker_id: int, blocked_id: int, now: datetime
) -> None:
    exists = await tx.scalar(
        select(ParticipantBlock.id).where(
            ParticipantBlock.blocker_id == blocker_id, ParticipantBlock.blocked_id == blocked_id
        )
    )
    if exists is None:
        tx.add(
            ParticipantBlock(
                convening_id=convening_id,
                blocker_id=blocker_id,
                blocked_id=blocked_id,
                created_at=now,
            )
        )
        await tx.flush()


async def blocked_pairs(tx: AsyncSession, convening_id: int) -> set[frozenset[int]]:
    rows = await tx.execute(
        select(ParticipantBlock.blocker_id, ParticipantBlock.blocked_id).where(
            ParticipantBlock.convening_id == convening_id
        )
    )
    return {frozenset((a, b)) for a, b in rows}


async def remove_participant(
    tx: AsyncSession, convening_id: int, participant_id: int, now: datetime
) -> None:
    if await tx.get(ParticipantRemoval, participant_id) is None:
        tx.add(
            ParticipantRemoval(
                participant_id=participant_id, convening_id=convening_id, removed_at=now
            )
        )
    # Their sessions end now: the cookie they hold opens nothing any more.
    await tx.execute(delete(WebSession).where(WebSession.participant_id == participant_id))
    await tx.flush()


async def removed_ids(tx: AsyncSession, convening_id: int) -> set[int]:
    rows = await tx.scalars(
        select(ParticipantRemoval.participant_id).where(
            ParticipantRemoval.convening_id == convening_id
        )
    )
    return set(rows)


async def is_removed(tx: AsyncSession, participant_id: int) -> bool:
    return await tx.get(ParticipantRemoval, participant_id) is not None


async def met_partners(tx: AsyncSession, convening_id: int, participant_id: int) -> dict[int, int]:
    """Everyone who shared a group with this participant in this convening, with the number
    of the last round they were together in (what a report names as its context)."""
    mine = aliased(LiveMember)
    theirs = aliased(LiveMember)
    rows = await tx.execute(
        select(theirs.participant_id, func.max(RoundRun.number))
        .select_from(mine)
        .join(theirs, theirs.group_id == mine.group_id)
        .join(RoundRun, RoundRun.id == mine.run_id)
        .where(
            RoundRun.convening_id == convening_id,
            mine.participant_id == participant_id,
            theirs.participant_id != participant_id,
        )
        .group_by(theirs.participant_id)
    )
    return {int(pid): int(number) for pid, number in rows}


async def add_report(
    tx: AsyncSession,
    *,
    convening_id: int,
    reporter_id: int,
    reported_id: int,
    reason: str,
    details: str,
    run_number: int | None,
    now: datetime,
) -> int:
    row = ParticipantReport(
        convening_id=convening_id,
        reporter_id=reporter_id,
        reported_id=reported_id,
        reason=reason,
        details=details,
        run_number=run_number,
        created_at=now,
    )
    tx.add(row)
    await tx.flush()
    return row.id


async def list_reports(tx: AsyncSession, convening_id: int) -> list[ReportRecord]:
    """Newest first."""
    rows = await tx.scalars(
        select(ParticipantReport)
        .where(ParticipantReport.convening_id == convening_id)
        .order_by(ParticipantReport.id.desc())
    )
    return [
        ReportRecord(
            id=r.id,
            reporter_id=r.reporter_id,
            reported_id=r.reported_id,
            reason=r.reason,
            details=r.details,
            run_number=r.run_number,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def set_muted(
    tx: AsyncSession, convening_id: int, participant_id: int, muted: bool, now: datetime
) -> None:
    row = await tx.get(ParticipantMute, participant_id)
    if muted and row is None:
        tx.add(
            ParticipantMute(participant_id=participant_id, convening_id=convening_id, muted_at=now)
        )
    elif not muted and row is not None:
        await tx.delete(row)
    await tx.flush()


async def muted_ids(tx: AsyncSession, convening_id: int) -> set[int]:
    rows = await tx.scalars(
        select(ParticipantMute.participant_id).where(ParticipantMute.convening_id == convening_id)
    )
    return set(rows)


async def is_muted(tx: AsyncSession, participant_id: int) -> bool:
    return await tx.get(ParticipantMute, participant_id) is not None
