"""Opt-ins to be suggested as a connection, and requests for an introduction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import ConnectionOptIn, ConnectionRequest, Participant


async def set_opt_in(tx: AsyncSession, participant_id: int, on: bool, now: datetime) -> None:
    row = await tx.get(ConnectionOptIn, participant_id)
    if on and row is None:
        tx.add(ConnectionOptIn(participant_id=participant_id, created_at=now))
    elif not on and row is not None:
        await tx.delete(row)
    await tx.flush()


async def opted_in_ids(tx: AsyncSession, convening_id: int) -> set[int]:
    rows = await tx.scalars(
        select(ConnectionOptIn.participant_id)
        .join(Participant, Participant.id == ConnectionOptIn.participant_id)
        .where(Participant.convening_id == convening_id)
    )
    return set(rows)


async def add_request(
    tx: AsyncSession, convening_id: int, from_id: int, to_id: int, now: datetime
) -> None:
    exists = await tx.scalar(
        select(ConnectionRequest.id).where(
            ConnectionRequest.from_id == from_id, ConnectionRequest.to_id == to_id
        )
    )
    if exists is None:
        tx.add(
            ConnectionRequest(
                convening_id=convening_id, from_id=from_id, to_id=to_id, created_at=now
            )
        )
        await tx.flush()


async def requests(tx: AsyncSession, convening_id: int) -> set[tuple[int, int]]:
    rows = await tx.execute(
        select(ConnectionRequest.from_id, ConnectionRequest.to_id).where(
            ConnectionRequest.convening_id == convening_id
        )
    )
    return {(a, b) for a, b in rows}
