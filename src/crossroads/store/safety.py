"""Blocks between participants and removals by hosts, scoped to one convening."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import ParticipantBlock, ParticipantRemoval, WebSession


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
