"""A room load racing a compaction of the same room sees every word (#30).

Compaction writes the merged snapshot and deletes the rows it merged in one transaction.
A load that read the snapshot and the log in two statements could, under PostgreSQL's
READ COMMITTED, get the old snapshot and then only the rows past the new one: a room
without the text compacted meanwhile. Loads here run on their own engine, so they are truly
concurrent with the compaction (their own connections; SQLite's in their own threads).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pycrdt import Doc, Text

from crossroads.notes.rooms import RoomServer
from crossroads.store import notes as notes_store
from crossroads.store.database import Database
from crossroads.store.notes import PendingUpdate
from tests.conftest import TEST_DATABASE_URL
from tests.integration.postgres import fresh_database

pytestmark = pytest.mark.integration
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
ROOM = "room-race"
ROUNDS = 40
WORDS_PER_ROUND = 15
LOADERS = 4


@asynccontextmanager
async def _url(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}"
        yield url
        return
    if TEST_DATABASE_URL is None:
        pytest.skip("CROSSROADS_TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL)")
    async with fresh_database() as url:
        yield url


def _text_of(snapshot: bytes | None, updates: list[bytes]) -> str:
    doc = Doc()
    text = doc.get("prompt:free", type=Text)
    for update in [snapshot, *updates] if snapshot else updates:
        doc.apply_update(update)
    return str(text)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_loads_racing_compaction_see_every_word(kind: str, tmp_path: Path) -> None:
    async with _url(kind, tmp_path) as url:
        db = Database(url)
        await db.migrate()
        readers = Database(url)  # the loads' own connections
        server = RoomServer(db, max_update_bytes=1 << 20, compact_after=1)
        writer_doc = Doc()
        text = writer_doc.get("prompt:free", type=Text)
        incomplete: list[str] = []
        loaded = [0]
        try:
            for round_ in range(ROUNDS):
                batch = []
                for i in range(WORDS_PER_ROUND):
                    before = writer_doc.get_state()
                    text += f"r{round_}w{i} "
                    batch.append(PendingUpdate(ROOM, writer_doc.get_update(before), "p1"))
                async with db.transaction() as tx:
                    await notes_store.append_updates(tx, batch, NOW)
                incomplete += await _race(server, readers, str(text), loaded, round_)
        finally:
            await server.close()
            await readers.dispose()
            await db.dispose()
        assert loaded[0] >= ROUNDS * LOADERS
        assert incomplete == [], f"{len(incomplete)} of {loaded[0] * 2} loads missed words"


async def _race(
    server: RoomServer, readers: Database, expected: str, loaded: list[int], round_: int
) -> list[str]:
    """Compact the room while LOADERS tasks load it again and again, until it is compacted;
    what each load that missed words had."""
    incomplete: list[str] = []
    compacted = asyncio.Event()

    async def load_until_compacted() -> None:
        while True:
            done = compacted.is_set()
            async with readers.transaction() as tx:
                room = await notes_store.load_room(tx, ROOM)
                log = await notes_store.load_log(tx, ROOM)
            loaded[0] += 1
            for what, got in (
                ("load_room", _text_of(room.snapshot, room.updates)),
                ("load_log", _text_of(log.snapshot, [u for u, _ in log.updates])),
            ):
                if got != expected:
                    incomplete.append(f"round {round_} {what}: {len(got)} chars")
            if done:
                return
            await asyncio.sleep(0)

    async def compact() -> None:
        try:
            assert await server.compact(ROOM)
        finally:
            compacted.set()

    await asyncio.gather(compact(), *(load_until_compacted() for _ in range(LOADERS)))
    return incomplete
