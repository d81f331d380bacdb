"""The notes log: append updates, load a room, and compact it by sequence."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import (
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.database import Database
from crossroads.store.errors import StoreUnavailable
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
    snapshot_upto: int = 0  # the last log row the snapshot holds (0: no snapshot)


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


class UpdateAppender(Protocol):
    """Appends a batch of updates to the log in one committed transaction."""

    def commit_now(self, updates: Sequence[PendingUpdate], now: datetime) -> bool:
        """Append right away, without awaiting anything, if this store can now: True once
        committed, False if ``append`` must (raises if the batch itself fails)."""
        ...

    async def append(self, updates: Sequence[PendingUpdate], now: datetime) -> None: ...

    def close(self) -> None: ...


class EngineAppender:
    """Through the shared engine: PostgreSQL, or SQLite in memory (tests)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def commit_now(self, updates: Sequence[PendingUpdate], now: datetime) -> bool:
        return False  # every statement goes through the engine's driver: awaited

    async def append(self, updates: Sequence[PendingUpdate], now: datetime) -> None:
        async with self.db.transaction() as tx:
            await append_updates(tx, updates, now)

    def close(self) -> None:
        pass


class SqliteAppender:
    """A SQLite file, committed on the event loop when that is cheap, else on one thread.

    Through aiosqlite and the ORM a batch costs several hops between the event loop and the
    driver's thread (begin, insert, commit) and ORM bookkeeping per row; under a few thousand
    keystrokes a second that was a third of the server's CPU (bench/notes.py, py-spy). A batch
    is one INSERT in autocommit mode (``_commit``): BEGIN, a step per row and COMMIT made a
    commit under load 3 to 5 times slower (bench/notes_log.py).

    Even one hand-off to a thread per batch costs two wake-ups and two waits for the GIL,
    which a busy event loop gives up only every switch interval (5 ms); with the server on
    one core that was most of a keystroke's delivery time. So a batch is committed right on
    the loop (``_commit_inline``: a connection that never waits for a lock and never
    checkpoints) while that stays quick. It goes to the thread (``_serve``, which waits up to
    10 s for a lock) when another connection holds the write lock (compaction, a backup), and
    for ``SLOW_PAUSE`` seconds once commits on the loop take longer than ``SLOW_COMMIT`` on
    average (a slow disk: the loop must go on serving everyone else while it syncs). Every
    ``CHECKPOINT_EVERY`` commits a batch goes to the thread too, which copies the WAL back
    into the database after committing it. Batches are one at a time (the writer awaits
    each), so the two connections never reorder them. Same durability either way: WAL,
    synchronous=FULL, committed before ``append`` returns.
    Keep the columns and the datetime format in step with ``NotesUpdate`` and ``UTCDateTime``.
    """

    INSERT_MANY = "INSERT INTO notes_update (room, data, author, created_at) VALUES "
    ROWS_PER_STATEMENT = 500
    SLOW_COMMIT = 0.010  # seconds, on average over the last commits on the loop
    SLOW_PAUSE = 1.0
    CHECKPOINT_EVERY = 500  # commits: about SQLite's own default of 1,000 WAL pages

    def __init__(self, path: str, *, on_loop: bool = True) -> None:
        self.path = path
        # False: every batch goes to the thread, so the loop never waits for a sync (the
        # notes writer, since updates are relayed before their commit: notes/writer.py).
        self.on_loop = on_loop
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None  # the thread's
        self._inline: sqlite3.Connection | None = None  # the event loop's
        self._inline_from = 0.0  # loop time from which committing on the loop is tried again
        self._since_checkpoint = 0
        self._commit_cost = 0.0  # moving average of a commit's time on the loop, seconds
        self.inline_commits = 0  # batches committed on the loop (tests look)

    def _connect(self, *, busy_ms: int, checkpoints: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA busy_timeout={busy_ms}")
        if not checkpoints:
            conn.execute("PRAGMA wal_autocheckpoint=0")
        return conn

    def _serve(self) -> None:
        """The thread: commit each batch, checkpoint if asked, tell the loop; until None."""
        while (job := self._jobs.get()) is not None:
            rows, checkpoint, loop, done = job
            error: BaseException | None = None
            try:
                if self._conn is None:
                    self._conn = self._connect(busy_ms=10_000, checkpoints=True)
                self._commit(self._conn, rows)
            except BaseException as exc:  # handed to the waiting coroutine, which raises
                error = exc
            if checkpoint and self._conn is not None:
                # While nothing else writes (the writer awaits this batch): the whole WAL is
                # copied back and the next commit starts it again from the beginning. A
                # checkpoint beside commits on the loop could fall behind, and the WAL grow.
                with contextlib.suppress(sqlite3.Error):  # tried again next time
                    self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(settle_future, done, error)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _commit(self, conn: sqlite3.Connection, rows: list[_Row]) -> None:
        # One statement in autocommit mode is one transaction (why: the class's docstring);
        # a batch too big for one statement gets a transaction around its statements.
        if not rows:
            return
        chunks = [
            rows[i : i + self.ROWS_PER_STATEMENT]
            for i in range(0, len(rows), self.ROWS_PER_STATEMENT)
        ]
        if len(chunks) == 1:
            self._insert(conn, chunks[0])
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            for chunk in chunks:
                self._insert(conn, chunk)
            conn.execute("COMMIT")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _insert(self, conn: sqlite3.Connection, rows: list[_Row]) -> None:
        values = ", ".join(["(?, ?, ?, ?)"] * len(rows))  # placeholders only: no data in the SQL
        conn.execute(self.INSERT_MANY + values, [v for row in rows for v in row])

    def _commit_inline(self, rows: list[_Row], loop: asyncio.AbstractEventLoop) -> bool:
        """Commit ``rows`` on the loop if that is on now: True if done, False if the thread
        must (raises if the batch itself fails)."""
        if (
            not self.on_loop
            or loop.time() < self._inline_from
            or self._since_checkpoint >= self.CHECKPOINT_EVERY
        ):
            return False
        if self._inline is None:
            self._inline = self._connect(busy_ms=0, checkpoints=False)
        started = time.perf_counter()  # not loop.time(): uvloop's counts whole milliseconds
        try:
            self._commit(self._inline, rows)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return False  # another connection is writing: the thread waits for it
            raise
        # An average, so that one slow sync (a commit here takes 0.4 ms, now and then 3 ms)
        # does not send batches to the thread, whose hand-offs cost far more on a busy loop.
        self._commit_cost += (time.perf_counter() - started - self._commit_cost) * 0.1
        if self._commit_cost > self.SLOW_COMMIT:
            self._inline_from = loop.time() + self.SLOW_PAUSE
        self.inline_commits += 1
        self._since_checkpoint += 1
        return True

    @staticmethod
    def _rows(updates: Sequence[PendingUpdate], now: datetime) -> list[_Row]:
        # "YYYY-MM-DD HH:MM:SS.ffffff" as UTCDateTime stores it; isoformat costs half of strftime
        stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return [(u.room, u.data, u.author, stamp) for u in updates]

    def commit_now(self, updates: Sequence[PendingUpdate], now: datetime) -> bool:
        try:
            return self._commit_inline(self._rows(updates, now), asyncio.get_running_loop())
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def append(self, updates: Sequence[PendingUpdate], now: datetime) -> None:
        rows = self._rows(updates, now)
        loop = asyncio.get_running_loop()
        try:
            if self._commit_inline(rows, loop):
                return
            checkpoint = self._since_checkpoint >= self.CHECKPOINT_EVERY
            if checkpoint:
                self._since_checkpoint = 0
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="notes-log", daemon=True)
                self._thread.start()
            done: asyncio.Future[None] = loop.create_future()
            self._jobs.put((rows, checkpoint, loop, done))
            await done
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        if self._inline is not None:
            self._inline.close()
            self._inline = None


_Row = tuple[str, bytes, str, str]
# Rows to commit, whether to checkpoint after them, and the loop and future to answer on.
_Job = tuple[list[_Row], bool, asyncio.AbstractEventLoop, "asyncio.Future[None]"]


def settle_future(done: asyncio.Future[None], error: BaseException | None) -> None:
    """Complete ``done`` with ``error`` raised, or with None; nothing if it is already done
    (its waiter was cancelled)."""
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


def update_appender(db: Database, *, on_loop: bool = True) -> UpdateAppender:
    url = make_url(db.url)
    if db.dialect == "sqlite" and url.database and url.database != ":memory:":
        return SqliteAppender(url.database, on_loop=on_loop)
    return EngineAppender(db)


_RoomRow = tuple[int, int, bytes | None, str | None]


def _room_rows(room: str, *, with_attribution: bool) -> Select[_RoomRow]:
    """The room's snapshot, its attribution (if asked) and its log rows past the snapshot,
    as one statement: (kind, id, data, text), snapshot first, then the log in order.

    One statement because a statement sees one moment of the database, on PostgreSQL under
    READ COMMITTED too, and on SQLite without a transaction around it. Read as two, a
    compaction committing between them (it writes the snapshot and deletes the rows it
    merged) gave the old snapshot and the rows past the new one: a room without the text
    compacted meanwhile (issue #30)."""
    upto = func.coalesce(
        select(NotesSnapshot.upto).where(NotesSnapshot.room == room).scalar_subquery(), 0
    )
    parts = [
        select(
            literal(_SNAPSHOT, Integer).label("kind"),
            NotesSnapshot.upto.label("id"),
            NotesSnapshot.data.label("data"),
            cast(null(), String).label("text"),
        ).where(NotesSnapshot.room == room),
        select(
            literal(_LOG, Integer),
            NotesUpdate.id,
            NotesUpdate.data,
            NotesUpdate.author,
        ).where(NotesUpdate.room == room, NotesUpdate.id > upto),
    ]
    if with_attribution:
        parts.append(
            select(
                literal(_ATTRIBUTION, Integer),
                literal(0, Integer),
                cast(null(), LargeBinary),
                cast(NotesAttribution.data, Text),
            ).where(NotesAttribution.room == room)
        )
    both = union_all(*parts).subquery()
    return select(both.c.kind, both.c.id, both.c.data, both.c.text).order_by(both.c.kind, both.c.id)


_SNAPSHOT, _ATTRIBUTION, _LOG = 0, 1, 2


async def load_room(tx: AsyncSession, room: str) -> StoredRoom:
    rows = (await tx.execute(_room_rows(room, with_attribution=False))).all()
    snapshot = rows[0] if rows and rows[0].kind == _SNAPSHOT else None
    log = [row for row in rows if row.kind == _LOG]
    upto = snapshot.id if snapshot else 0
    return StoredRoom(
        snapshot=snapshot.data if snapshot else None,
        updates=[row.data for row in log],
        last_id=log[-1].id if log else upto,
    )


async def load_log(tx: AsyncSession, room: str) -> StoredLog:
    rows = (await tx.execute(_room_rows(room, with_attribution=True))).all()
    snapshot = next((row for row in rows if row.kind == _SNAPSHOT), None)
    attribution = next((row for row in rows if row.kind == _ATTRIBUTION), None)
    log = [row for row in rows if row.kind == _LOG]
    upto = snapshot.id if snapshot else 0
    return StoredLog(
        snapshot=snapshot.data if snapshot else None,
        attribution=dict(json.loads(attribution.text)) if attribution else None,
        updates=[(row.data, row.text or "") for row in log],
        last_id=log[-1].id if log else upto,
        snapshot_upto=upto,
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
    *,
    replaces: int | None = None,
) -> bool:
    """Write the merged snapshot and delete what it replaces, in the caller's transaction:
    a crash leaves either the old rows or the new snapshot, never neither.

    ``replaces``: the ``upto`` of the snapshot the merge was made from (0: there was none).
    If another writer replaced it since, nothing is written and False is returned: its
    newer snapshot holds rows that are already deleted, and must not be overwritten.
    """
    snapshot = await tx.get(NotesSnapshot, room)
    if replaces is None:
        if snapshot is None:
            tx.add(NotesSnapshot(room=room, data=merged, upto=upto, updated_at=now))
        else:
            snapshot.data, snapshot.upto, snapshot.updated_at = merged, upto, now
    elif replaces == 0 and snapshot is None:
        # A concurrent first snapshot makes this insert fail (Conflict): nothing is written.
        tx.add(NotesSnapshot(room=room, data=merged, upto=upto, updated_at=now))
        await tx.flush()
    else:
        written = await tx.execute(
            update(NotesSnapshot)
            .where(NotesSnapshot.room == room, NotesSnapshot.upto == replaces)
            .values(data=merged, upto=upto, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if written.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
            return False
    if attribution is not None:
        kept = await tx.get(NotesAttribution, room)
        if kept is None:
            tx.add(NotesAttribution(room=room, data=attribution))
        else:
            kept.data = attribution
    await tx.execute(delete(NotesUpdate).where(NotesUpdate.room == room, NotesUpdate.id <= upto))
    await tx.flush()
    return True


async def authors(tx: AsyncSession, room: str) -> set[str]:
    rows = await tx.scalars(select(NotesUpdate.author).where(NotesUpdate.room == room).distinct())
    return {a for a in rows if a}
