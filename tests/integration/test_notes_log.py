"""The SQLite notes log (``SqliteAppender``): a batch is stored whole, in order, or not at all.

A batch of up to ``ROWS_PER_STATEMENT`` rows is one INSERT in autocommit mode; a bigger one
is several inside one transaction. Batches are committed on the event loop unless another
connection is writing: then the log's thread waits for it, and the loop goes on meanwhile.
A real migrated SQLite file, read back as a room loads.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crossroads.notes.writer import NotesWriter
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
    assert appender.inline_commits >= 1  # nobody else was writing: the first went on the loop


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


async def test_while_another_connection_writes_a_batch_waits_and_the_loop_goes_on(
    db: Database, tmp_path: Path
) -> None:
    appender = _appender(db)
    await appender.append([PendingUpdate("room-c", b"before", "author")], NOW)
    other = sqlite3.connect(tmp_path / "notes.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # holds the write lock, as a compaction or backup would
    other.execute(
        "INSERT INTO notes_update (room, data, author, created_at) "
        "VALUES ('room-c', x'6f74686572', 'host', '2030-01-02 03:04:05')"
    )
    turns = 0

    async def count_turns() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0.01)

    counter = asyncio.create_task(count_turns())
    try:
        waiting = asyncio.create_task(
            appender.append([PendingUpdate("room-c", b"while locked", "author")], NOW)
        )
        await asyncio.sleep(0.3)
        assert not waiting.done()  # it waits for the lock, uncommitted, unacknowledged
        turns_while_locked = turns
        other.execute("COMMIT")
        await asyncio.wait_for(waiting, 15)
    finally:
        counter.cancel()
        other.close()
        appender.close()

    # The loop kept turning (a batch committed on the loop with a lock wait would freeze it
    # for the 10 s busy timeout), and the batch landed after the other writer's row.
    assert turns_while_locked >= 5, turns_while_locked
    assert await _stored(db, "room-c") == [b"before", b"other", b"while locked"]
    assert appender.inline_commits == 1


async def test_the_log_checkpoints_so_its_wal_stays_bounded(db: Database, tmp_path: Path) -> None:
    appender = _appender(db)
    commits = SqliteAppender.CHECKPOINT_EVERY * 4
    try:
        for i in range(commits):
            await appender.append([PendingUpdate("room-d", b"k%d" % i, "author")], NOW)
    finally:
        appender.close()

    # Each commit adds at least one page to the WAL (two here: the table's and its index's):
    # without checkpoints it would hold them all. With one every CHECKPOINT_EVERY commits it
    # starts over each time, and is as big as those commits made it.
    wal_pages = (tmp_path / "notes.db-wal").stat().st_size // 4096
    assert wal_pages < commits, wal_pages
    assert len(await _stored(db, "room-d")) == commits


async def test_updates_that_come_within_the_commit_gap_share_one_commit(db: Database) -> None:
    """Group commit: a commit starts no sooner than the gap after the last one, so what comes
    meanwhile (here five updates, each in its own turn of the loop) is committed together,
    and none of it is acknowledged before that commit."""
    writer = NotesWriter(db, commit_gap=0.5)
    acknowledged: list[int] = []
    all_in = asyncio.Event()

    def done(i: int, error: Exception | None) -> None:
        assert error is None
        acknowledged.append(i)
        if len(acknowledged) == 5:
            all_in.set()

    try:
        await writer.write(PendingUpdate("room-a", b"first", "author"), epoch=1)
        assert writer.batches == 1  # nothing came before it: committed at once
        for i in range(5):
            update = PendingUpdate("room-a", f"update {i}".encode(), "author")
            writer.submit(update, epoch=1, done=lambda error, i=i: done(i, error))
            await asyncio.sleep(0)
        assert acknowledged == []
        await asyncio.wait_for(all_in.wait(), timeout=10)
    finally:
        await writer.close()

    assert writer.batches == 2
    assert acknowledged == [0, 1, 2, 3, 4]
    assert await _stored(db, "room-a") == [b"first"] + [f"update {i}".encode() for i in range(5)]


async def test_updates_submitted_while_a_batch_waits_for_a_lock_follow_it_in_order(
    db: Database, tmp_path: Path
) -> None:
    """The writer's first batch waits for the write lock (on the log's thread); what is
    submitted meanwhile is neither committed nor acknowledged before it, and lands after it."""
    writer = NotesWriter(db, commit_gap=0.0)
    acknowledged: list[bytes] = []
    other = sqlite3.connect(tmp_path / "notes.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the write lock, as a compaction or backup holds it
    try:
        for word in (b"one", b"two", b"three"):
            update = PendingUpdate("room-d", word, "author")
            writer.submit(update, epoch=1, done=lambda error, w=word: acknowledged.append(w))
            await asyncio.sleep(0.05)  # each in a batch of its own, if nothing held them
        assert acknowledged == []
        other.execute("COMMIT")
        async with asyncio.timeout(15):
            while len(acknowledged) < 3:  # noqa: ASYNC110  callbacks, no event to wait on
                await asyncio.sleep(0.01)
    finally:
        other.close()
        await writer.close()

    assert acknowledged == [b"one", b"two", b"three"]
    assert await _stored(db, "room-d") == [b"one", b"two", b"three"]
    assert writer.batches == 2  # the first (the thread's), then the two that waited behind it
