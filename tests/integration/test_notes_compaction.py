"""Compaction by two nodes at once (after a split brain) never loses an update (#11).

Node A reads the log and merges; meanwhile node B compacts the same room further and
deletes the rows it merged. A's older merge must then not replace B's snapshot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from pycrdt import Doc, Text, merge_updates
from sqlalchemy import text

from crossroads.store import notes as notes_store
from crossroads.store.database import Database
from crossroads.store.migrate import alembic_config
from crossroads.store.notes import PendingUpdate
from tests.conftest import TEST_DATABASE_URL
from tests.integration.postgres import fresh_database

pytestmark = pytest.mark.integration
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
ROOM = "room-split"


@asynccontextmanager
async def _database(kind: str, tmp_path: Path) -> AsyncIterator[Database]:
    if kind == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}")
        await db.migrate()
        yield db
        await db.dispose()
        return
    if TEST_DATABASE_URL is None:
        pytest.skip("CROSSROADS_TEST_DATABASE_URL is not set (`make test` starts PostgreSQL)")
    async with fresh_database() as url:
        db = Database(url)
        await db.migrate()
        yield db
        await db.dispose()


def _updates(words: list[str]) -> list[bytes]:
    doc = Doc()
    text = doc.get("prompt:free", type=Text)
    out = []
    for word in words:
        before = doc.get_state()
        text += word
        out.append(doc.get_update(before))
    return out


async def _append(db: Database, updates: list[bytes]) -> None:
    async with db.transaction() as tx:
        await notes_store.append_updates(tx, [PendingUpdate(ROOM, u, "p1") for u in updates], NOW)


async def _merge_of(db: Database) -> notes_store.StoredLog:
    async with db.transaction() as tx:
        return await notes_store.load_log(tx, ROOM)


def _merged(stored: notes_store.StoredLog) -> bytes:
    parts = ([stored.snapshot] if stored.snapshot else []) + [u for u, _ in stored.updates]
    return merge_updates(*parts)


async def _replace(db: Database, stored: notes_store.StoredLog) -> bool:
    async with db.transaction() as tx:
        return await notes_store.replace_with_snapshot(
            tx, ROOM, _merged(stored), stored.last_id, NOW, replaces=stored.snapshot_upto
        )


async def _text(db: Database) -> str:
    async with db.transaction() as tx:
        stored = await notes_store.load_room(tx, ROOM)
    doc = Doc()
    for update in [stored.snapshot or b"\x00\x00", *stored.updates]:
        doc.apply_update(update)
    return str(doc.get("prompt:free", type=Text))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_compaction_never_puts_an_older_merge_over_a_newer_snapshot(
    kind: str, tmp_path: Path
) -> None:
    updates = _updates(["one ", "two ", "three ", "four ", "five ", "six "])
    async with _database(kind, tmp_path) as db:
        await _append(db, updates[:2])
        first_a = await _merge_of(db)  # A reads two rows, is slow to write
        await _append(db, updates[2:4])
        assert await _replace(db, await _merge_of(db)) is True  # B: four rows, deleted
        await _append(db, updates[4:])
        second_b = await _merge_of(db)  # B reads its snapshot plus two rows

        assert await _replace(db, first_a) is False  # A's merge lost the race: nothing written
        assert await _replace(db, second_b) is True
        assert await _text(db) == "one two three four five six "
        async with db.transaction() as tx:
            assert await notes_store.count_updates(tx, ROOM) == 0


async def test_rows_a_reused_id_hid_behind_a_snapshot_are_recovered_by_the_migration(
    tmp_path: Path,
) -> None:
    updates = _updates(["kept ", "hidden ", "too "])
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")

    def to_0009(connection: object) -> None:
        config = alembic_config(str(db.url))
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")

    async with db.engine.begin() as connection:
        await connection.run_sync(to_0009)
    # What SQLite did before: the snapshot holds row 1 (upto 1, rows deleted); the next two
    # updates were given ids 1 and 2 again.
    async with db.transaction() as tx:
        await tx.execute(
            text(
                "INSERT INTO notes_snapshot (room, data, upto, updated_at) "
                "VALUES (:room, :data, 2, '2030-01-02 03:04:05.000000')"
            ),
            {"room": ROOM, "data": updates[0]},
        )
        await notes_store.append_updates(
            tx, [PendingUpdate(ROOM, u, "p1") for u in updates[1:]], NOW
        )

    await db.migrate()

    assert await _text(db) == "kept hidden too "
    await _append(db, _updates(["x"]))  # a new row gets an id above every snapshot's upto
    async with db.transaction() as tx:
        ids = (await tx.execute(text("SELECT id FROM notes_update ORDER BY id"))).scalars()
        assert list(ids) == [3, 4, 5]
    await db.dispose()
