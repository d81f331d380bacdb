"""A room is not unloaded while its last updates wait for their commit (#30).

Relayed before its commit, an update may still be on its way to the log when its sender
leaves. Unloaded then, the room would be loaded again by the next joiner from a database
without it: the joiner's room would lack text that is committed a moment later. Here the
log's lock is held elsewhere while the last person leaves and someone else joins.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from pycrdt import Doc, Text

from crossroads.notes import protocol
from crossroads.notes.rooms import NotesConnection, RoomServer
from crossroads.store.database import Database

pytestmark = pytest.mark.integration


class Socket:
    async def send_bytes(self, data: bytes) -> None:
        pass

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass


def typed(words: str) -> bytes:
    doc = Doc()
    doc.get("prompt:free", type=Text).insert(0, words)
    return protocol.sync_message(protocol.UPDATE, doc.get_update())


async def test_a_joiner_after_the_last_leaves_gets_the_update_still_being_committed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "notes.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    server = RoomServer(db, max_update_bytes=1 << 16, compact_after=1000)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        room = await server.room("r")
        leaver = NotesConnection(socket=Socket(), author="p1")
        room.connections.add(leaver)
        other.execute("BEGIN IMMEDIATE")  # the log's write lock, as a backup would hold it
        server.take(room, leaver, typed("typed just before leaving"))
        room.connections.discard(leaver)
        unload = asyncio.create_task(server._unload_if_idle(room))
        await asyncio.sleep(0.2)
        joining = asyncio.create_task(server.room("r"))
        await asyncio.sleep(0.2)
        other.execute("COMMIT")
        async with asyncio.timeout(20):
            await unload
            joined = await joining
        assert str(joined.doc.get("prompt:free", type=Text)) == "typed just before leaving"
    finally:
        other.close()
        await server.close()
        await db.dispose()
