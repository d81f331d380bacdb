"""One batched writer for every room: group commit, then acknowledge.

Updates queue up with a callback each; the writer takes everything waiting (up to a batch
limit), commits it in one transaction, and only then calls the callbacks, in queue order. The
room has relayed each update already (notes/rooms.py); the callback acknowledges it to its
sender: the sender's "saved" means committed.

An entry without an update (a no-op to acknowledge) keeps its place in that order, so an
acknowledgement never counts an update that is still waiting ahead of it.

A commit starts no sooner than ``COMMIT_GAP`` after the one before (as PostgreSQL's
``commit_delay``), or at once when ``MAX_BATCH`` updates wait: what arrives meanwhile joins
it. A durable commit's cost is mostly its sync, whatever it holds: on SQLite about 0.15 ms of
CPU and 0.3 ms of waiting for the disk, the loop blocked meanwhile. Since updates are relayed
before their commit, the gap delays only the acknowledgement (the "saved"), never what
readers see, so it can be wide: a few commits per gap instead of one per keystroke or two.
A lone update, long after the last commit, waits for nothing.

Each update carries its room's epoch (one per loading of a room). Once a batch fails, every
later update of the epochs in it fails too, uncommitted: a client may have typed after an
update it saw in the room's document, so storing its edit without the lost one would leave an
update whose causal parent is missing (Yjs keeps it pending: the text after it never shows).
The room reloads from the store under a new epoch and the clients resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from crossroads.store import notes as notes_store
from crossroads.store.database import Database
from crossroads.store.errors import StoreUnavailable
from crossroads.store.notes import PendingUpdate

log = structlog.get_logger(__name__)

MAX_BATCH = 1000
# While the database is away (PostgreSQL restarting: a few seconds, longer on a busy machine;
# SQLite locked by a backup) a batch is retried, backing off from FIRST_RETRY to MAX_RETRY, for
# up to ``retry_for`` seconds (CROSSROADS_NOTES_RETRY_SECONDS). Its writers wait for their
# acknowledgements meanwhile; after that their sockets close (1011) and the clients resend on
# reconnect.
FIRST_RETRY = 0.05
MAX_RETRY = 1.0
RETRY_FOR = 20.0
COMMIT_GAP = 0.020  # seconds from one commit's start to the next one's at the soonest
# Before relaying first, the gap sat under every keystroke's delivery (150 rooms of 3: no gap
# p95 1.4-4.0 ms at 20-27% CPU, 1 ms 2.5-3.7 ms at 21-25%); now only under the acknowledgement.
# Relay-first on the same bench (bench/notes.py --quick, commits on the thread, a loaded
# machine): 5 ms made 130-153 commits/s at 10-11% CPU, ack p50 4-5 ms; 20 ms 38-39 commits/s at
# 8%, ack p50 13-15 ms, p95 23-28 ms; 50 ms 15-16 commits/s at 7-8%, ack p95 56-58 ms, and the
# relay's own p50 went up (1.3-2.7 ms: bursts of callbacks). 20 ms: a "saved" no one can see
# lag, a quarter of the syncs.
COMMIT_ON_LOOP = False
# Whether SQLite commits on the event loop when that is quick (store/notes.py SqliteAppender).
# Not since relaying first: a sync on the loop (0.8 ms p50, 3.7 ms p95 on this disk when it
# is busy) holds up every relay behind it; on the log's thread it holds up nothing but its
# acknowledgement. Same bench, interleaved: on the loop relay p50 4.6-7.9 ms, p95 19 ms; on
# the thread p50 0.2 ms, p95 4.7-6.0 ms, for 1-2 points more CPU (the hand-offs).


# Called once the update is committed (None) or could not be (the error).
Done = Callable[[Exception | None], None]


@dataclass(frozen=True, slots=True)
class _Queued:
    update: PendingUpdate | None
    epoch: int
    done: Done


class NotesWriter:
    """Driven by callbacks, not a task waiting on a queue: a batch the store can commit at
    once (SQLite with ``on_loop``, ``commit_now``) is committed and settled in one callback of
    the loop. A batch that must wait (PostgreSQL, SQLite's thread, retries) runs as a task,
    and later submissions wait for it, in order."""

    def __init__(
        self,
        db: Database,
        *,
        retry_for: float = RETRY_FOR,
        commit_gap: float = COMMIT_GAP,
        on_loop: bool = COMMIT_ON_LOOP,
    ) -> None:
        self.db = db
        self.commit_gap = commit_gap
        self.retry_for = retry_for
        self.on_loop = on_loop
        self.log = notes_store.update_appender(db, on_loop=on_loop)
        self._waiting: list[_Queued] = []  # submitted, not yet in a batch
        self._drain: asyncio.Handle | None = None  # scheduled to take the next batch
        self._busy: asyncio.Task[None] | None = None  # a batch that must wait, under way
        self._started = -math.inf  # the last batch's start (perf_counter: uvloop counts ms)
        # Epochs with an update that was not stored. Never reused (rooms reload under a new
        # one) and only added to after a failed batch: a few integers per outage.
        self._failed: set[int] = set()
        self._closed = False
        self.batches = 0

    def submit(self, update: PendingUpdate | None, *, epoch: int, done: Done) -> None:
        """Queue ``update``; ``done`` is called with None once it is committed, or with the
        error if it could not be, or if an earlier update of the same room ``epoch`` could
        not be. ``update=None`` stores nothing: ``done`` just runs in its turn."""
        self._waiting.append(_Queued(update, epoch, done))
        if len(self._waiting) >= MAX_BATCH and self._drain is not None and self._busy is None:
            # A full batch does not wait out the gap.
            self._drain.cancel()
            self._drain = None
            self._started = -math.inf
        self._schedule()

    async def write(self, update: PendingUpdate, *, epoch: int) -> None:
        """``submit``, awaited: returns once committed, raises if not."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.submit(update, epoch=epoch, done=functools.partial(notes_store.settle_future, future))
        await future

    def _schedule(self) -> None:
        """Take the next batch on the next turn of the loop (not now: what the same turn
        brings joins it), or once the commit gap has passed."""
        if self._drain is not None or self._busy is not None or not self._waiting or self._closed:
            return
        loop = asyncio.get_running_loop()
        wait = self._started + self.commit_gap - time.perf_counter()
        self._drain = loop.call_later(wait, self._take) if wait > 0 else loop.call_soon(self._take)

    def _take(self) -> None:
        self._drain = None
        self._started = time.perf_counter()
        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        doomed = [q for q in batch if q.epoch in self._failed]
        batch = [q for q in batch if q.epoch not in self._failed]
        for queued in doomed:
            _settle(queued, StoreUnavailable("an earlier update of this room was not saved"))
        updates = [q.update for q in batch if q.update is not None]
        committed = not updates
        if updates and self.on_loop:
            try:
                committed = self.log.commit_now(updates, datetime.now(UTC))
            except Exception:  # the task tries again: it retries, or reports what fails
                committed = False
        if committed:
            self._settled(batch, None)
        else:
            self._busy = asyncio.get_running_loop().create_task(self._commit_later(batch, updates))
        self._schedule()

    async def _commit_later(self, batch: list[_Queued], updates: list[PendingUpdate]) -> None:
        try:
            self._settled(batch, await self._commit(updates))
        finally:
            self._busy = None
            self._schedule()

    def _settled(self, batch: list[_Queued], error: Exception | None) -> None:
        if batch:
            self.batches += 1
        if error is not None:
            self._failed.update(q.epoch for q in batch)
        for queued in batch:
            _settle(queued, error)

    async def _commit(self, updates: list[PendingUpdate]) -> Exception | None:
        """Append ``updates``, retrying while the store is unavailable; the error if it
        stays so (or fails otherwise: a bad row is not retried), else None."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.retry_for
        delay = FIRST_RETRY
        while True:
            try:
                await self.log.append(updates, datetime.now(UTC))
                return None
            except StoreUnavailable as exc:
                if loop.time() + delay > give_up:
                    log.error("notes_write_gave_up", error=exc.detail, updates=len(updates))
                    return exc
                log.warning("notes_write_retry", error=exc.detail, retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY)
            except Exception as exc:  # a bug or a bad row: fail this batch, keep on writing
                log.exception("notes_write_failed", updates=len(updates))
                return exc

    async def close(self) -> None:
        self._closed = True
        if self._drain is not None:
            self._drain.cancel()
            self._drain = None
        if self._busy is not None:
            self._busy.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._busy
        self.log.close()


def _settle(queued: _Queued, error: Exception | None) -> None:
    try:
        queued.done(error)
    except Exception:  # one room's bug must not stop the writer of every room
        log.exception("notes_write_callback_failed")
