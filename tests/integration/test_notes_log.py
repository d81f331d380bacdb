"""The SQLite notes log (``SqliteAppender``): a batch is stored whole, in order, or not at all.

A batch of up to ``ROWS_PER_STATEMENT`` rows is one INSERT in autocommit mode; a bigger one
is several inside one transaction. A real migrated SQLite file, read back as a room loads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crossroads.store import notes as notes_store
from crossroads.store.database import Database
from crossroads.store.errors import StoreUnavailable
from crossroads.store.notes import PendingUpdate, SqliteAppender

pytestmark = pytest.mark.integration
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


async def _stored(db: Database, room: str) -> list[bytes]:
    async with db.transaction() as tx:
        return (await notes_store.load_room(tx, room)).updates


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}")
    await database.migrate()
    yield database
    await database.dispose()


def _appender(db: Database) -> SqliteAppender:
    appender = notes_store.update_appender(db)
    assert isinstance(appender, SqliteAppender), appender
    return appender


@pytest.mark.parametrize("count", [1, 3, SqliteAppender.ROWS_PER_STATEMENT * 2 + 7])
async def test_a_batch_is_stored_whole_and_in_order(db: Database, count: int) -> None:
    appender = _appender(db)
    try:
        batch = [PendingUpdate("room-a", f"update {i}".encode(), "author") for i in range(count)]
        await appender.append(batch, NOW)
        await appender.append([PendingUpdate("room-a", b"after", "author")], NOW)
    finally:
        appender.close()

    assert await _stored(db, "room-a") == [u.data for u in batch] + [b"after"]


async def test_a_batch_that_fails_in_its_last_statement_stores_nothing(db: Database) -> None:
    appender = _appender(db)
    size = SqliteAppender.ROWS_PER_STATEMENT * 2 + 1
    # The last row breaks NOT NULL: the first two statements of the batch went through.
    batch = [PendingUpdate("room-b", f"u{i}".encode(), "author") for i in range(size - 1)]
    batch.append(PendingUpdate(None, b"bad", "author"))  # type: ignore[arg-type]
    try:
        with pytest.raises(StoreUnavailable):
            await appender.append(batch, NOW)
        await appender.append([PendingUpdate("room-b", b"next", "author")], NOW)
    finally:
        appender.close()

    assert await _stored(db, "room-b") == [b"next"]
