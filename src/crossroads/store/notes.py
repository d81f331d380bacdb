"""The notes log: append updates, load a room, and compact it by sequence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import NotesAttribution, NotesLock, NotesSnapshot, NotesUpdate


@dataclass(frozen=True, slots=True)
class StoredRoom:
    snapshot: bytes | None
    updates: list[bytes]
    last_id: int


@dataclass(frozen=True, slots=True)
class StoredLog:
    """A room as the harvest reads it: the snapshot, who wrote what in it, then the log."""

    snapshot: bytes | None
    attribution: dict[str, list[list[str | int]]] | None  # section -> [[author, bytes], ...]
    updates: list[tuple[bytes, str]]  # (update, author), in log order
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


async def load_log(tx: AsyncSession, room: str) -> StoredLog:
    snapshot = await tx.get(NotesSnapshot, room)
    upto = snapshot.upto if snapshot else 0
    attribution = await tx.get(NotesAttribution, room)
    rows = (
        await tx.execute(
            select(NotesUpdate.id, NotesUpdate.data, NotesUpdate.author)
            .where(NotesUpdate.room == room, NotesUpdate.id > upto)
            .order_by(NotesUpdate.id)
        )
    ).all()
    return StoredLog(
        snapshot=snapshot.data if snapshot else None,
        attribution=dict(attribution.data) if attribution else None,
        updates=[(data, author) for _id, data, author in rows],
        last_id=rows[-1][0] if rows else upto,
    )


async def locked_sections(tx: AsyncSession, room: str) -> set[str]:
    return set(await tx.scalars(select(NotesLock.section).where(NotesLock.room == room)))


async def set_lock(
    tx: AsyncSession, room: str, section: str, *, locked: bool, now: datetime
) -> None:
    current = await tx.get(NotesLock, (room, section))
    if locked and current is None:
        tx.add(NotesLock(room=room, section=section, locked_at=now))
    elif not locked and current is not None:
        await tx.delete(current)
    await tx.flush()


async def count_updates(tx: AsyncSession, room: str) -> int:
    return int(
        await tx.scalar(
            select(func.count()).select_from(NotesUpdate).where(NotesUpdate.room == room)
        )
        or 0
    )


async def replace_with_snapshot(
    tx: AsyncSession,
    room: str,
    merged: bytes,
    upto: int,
    now: datetime,
    attribution: dict[str, list[list[str | int]]] | None = None,
) -> None:
    """Write the merged snapshot and delete what it replaces, in the caller's transaction:
    a crash leaves either the old rows or the new snapshot, never neither."""
    snapshot = await tx.get(NotesSnapshot, room)
    if snapshot is None:
        tx.add(NotesSnapshot(room=room, data=merged, upto=upto, updated_at=now))
    else:
        snapshot.data, snapshot.upto, snapshot.updated_at = merged, upto, now
    if attribution is not None:
        kept = await tx.get(NotesAttribution, room)
        if kept is None:
            tx.add(NotesAttribution(room=room, data=attribution))
        else:
            kept.data = attribution
    await tx.execute(delete(NotesUpdate).where(NotesUpdate.room == room, NotesUpdate.id <= upto))
    await tx.flush()


async def authors(tx: AsyncSession, room: str) -> set[str]:
    rows = await tx.scalars(select(NotesUpdate.author).where(NotesUpdate.room == room).distinct())
    return {a for a in rows if a}
