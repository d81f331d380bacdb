"""Host actions on notes rooms (lock a section; close, mute or unmute a person's
connections), delivered to whichever node holds the room.

One node: straight to this process's ``RoomServer``, as before. Several: published on the
bus channel ``notes``, which every node listens to, each applying it to the rooms it has
loaded (normally only the owner has the room; during a split brain both do, and both obey).
The change is in the database before it is announced, so events are hints here too: when
the bus comes back after Redis was away (a ``resync`` event), every loaded room re-reads its
locks, and who is removed or muted, from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, Protocol

import structlog

from crossroads.close_codes import CLOSE_MUTED, CLOSE_REMOVED, CLOSE_UNMUTED
from crossroads.notes.rooms import RoomServer
from crossroads.store import notes as notes_store
from crossroads.store import safety as safety_store
from crossroads.store.database import Database

log = structlog.get_logger(__name__)

CHANNEL = "notes"


class Channel(Protocol):
    """The part of ``live.bus.EventBus`` this needs."""

    async def publish(self, channel: str, event: dict[str, Any]) -> None: ...

    def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]: ...


class RoomControl:
    def __init__(self, rooms: RoomServer, db: Database, bus: Channel | None = None) -> None:
        self.rooms = rooms
        self.db = db
        self.bus = bus
        self._listener: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.bus is not None and self._listener is None:
            self._listener = asyncio.create_task(self._listen(self.bus))

    async def set_locked(self, room_name: str, section: str, *, locked: bool) -> None:
        """Tell the room that a section's lock changed (the lock is stored already)."""
        if self.bus is None:
            await self.rooms.set_locked(room_name, section, locked=locked)
            return
        event = {"kind": "lock", "room": room_name, "section": section, "locked": locked}
        await self.bus.publish(CHANNEL, event)

    async def close_author(
        self, room_name: str, author: str, code: int, reason: str = "removed by the host"
    ) -> None:
        """Close a person's connections to a room (removed, muted or unmuted by a host)."""
        if self.bus is None:
            self.rooms.close_author(room_name, author, code, reason)
            return
        event = {"kind": "close", "room": room_name, "author": author, "code": code}
        await self.bus.publish(CHANNEL, {**event, "reason": reason})

    async def _listen(self, bus: Channel) -> None:
        while True:
            try:
                async for event in bus.subscribe(CHANNEL):
                    await self._apply(event)
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad event must not deafen the node to the next ones
                log.exception("notes_control_failed")
                await asyncio.sleep(1)

    async def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "resync":
            await self.reconcile()
        elif kind == "lock":
            locked = bool(event.get("locked"))
            await self.rooms.set_locked(str(event["room"]), str(event["section"]), locked=locked)
        elif kind == "close":
            code, reason = int(event.get("code") or 1000), str(event.get("reason") or "")
            self.rooms.close_author(str(event["room"]), str(event["author"]), code, reason)

    async def reconcile(self) -> None:
        """Bring every loaded room in line with the database: its locks, and the people
        removed, muted or unmuted while announcements could not get through."""
        for name, room in list(self.rooms.rooms.items()):
            async with self.db.transaction() as tx:
                locked = await notes_store.locked_sections(tx, name)
                authors = {c.author for c in room.connections if _participant(c.author)}
                removed = {a for a in authors if await safety_store.is_removed(tx, _id(a))}
                muted = {a for a in authors if await safety_store.is_muted(tx, _id(a))}
            for section in locked ^ room.locked:
                await self.rooms.set_locked(name, section, locked=section in locked)
            for conn in list(room.connections):
                if conn.closed:
                    continue
                if conn.author in removed:
                    self.rooms.close_author(name, conn.author, CLOSE_REMOVED)
                elif conn.author in muted and not conn.read_only:
                    self.rooms.close_author(name, conn.author, CLOSE_MUTED, "muted by the host")
                elif _participant(conn.author) and conn.author not in muted and conn.read_only:
                    self.rooms.close_author(name, conn.author, CLOSE_UNMUTED, "unmuted by the host")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener


def _participant(author: str) -> bool:
    return author.startswith("p") and author[1:].isdigit()


def _id(author: str) -> int:
    return int(author[1:])
