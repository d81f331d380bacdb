"""The notes log: append updates, load a room, and compact it by sequence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import NotesSnapshot, NotesUpdate


@dataclass(frozen=True, slots=True)
class StoredRoom:
    snapshot: bytes | None
    updates: list[bytes]
    last_id: int


@dataclass(frozen=True, slots=True)
class PendingUpdate:
    room: str
    data: bytes
    author: str


async def append_updates(tx: AsyncSession, updates: Sequence[PendingUpdate], now: datetime) -> None:
    await tx.execute(
        insert(NotesUpdate),
        [{"room": u.room, "data": u.data, "author": u.author, "created_at": now} for u in updates],
    )


async def load_room(tx: AsyncSession, room: str) -> StoredRoom:
    snapshot = await tx.get(NotesSnapshot, room)
    upto = snapshot.upto if snapshot else 0
    rows = (
        await tx.execute(
            select(NotesUpdate.id, NotesUpdate.data)
            .where(NotesUpdate.room == room, NotesUpdate.id > upto)
            .order_by(NotesUpdate.id)
        )
    ).all()
    return StoredRoom(
        snapshot=snapshot.data if snapshot else None,
        updates=[data for _id, data in rows],
        last_id=rows[-1][0] if rows else upto,
    )


async def count_updates(tx: AsyncSession, room: str) -> int:
    return int(
        await tx.scalar(
            select(func.count()).select_from(NotesUpdate).where(NotesUpdate.room == room)
        )
        or 0
    )


async def replace_with_snapshot(
    tx: AsyncSession, room: str, merged: bytes, upto: int, now: datetime
) -> None:
    """Write the merged snapshot and delete what it replaces, in the caller's transaction:
    a crash leaves either the old rows or the new snapshot, never neither."""
    snapshot = await tx.get(NotesSnapshot, room)
    if snapshot is None:
        tx.add(NotesSnapshot(room=room, data=merged, upto=upto, updated_at=now))
    else:
        snapshot.data, snapshot.upto, snapshot.updated_at = merged, upto, now
    await tx.execute(delete(NotesUpdate).where(NotesUpdate.room == room, NotesUpdate.id <= upto))
    await tx.flush()


async def authors(tx: AsyncSession, room: str) -> set[str]:
    rows = await tx.scalars(select(NotesUpdate.author).where(NotesUpdate.room == room).distinct())
    return {a for a in rows if a}
