"""One batched writer for every room: group commit, then acknowledge.

Updates queue up with a future each; the writer takes everything waiting (up to a batch
limit), commits it in one transaction, and only then resolves the futures. The room sends
the acknowledgement and the broadcast after that: persist first, then tell anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
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
# up to RETRY_FOR seconds. Its writers wait for their acknowledgements meanwhile; after that
# their sockets close (1011) and the clients resend on reconnect. Kept below the 30 s of
# silence after which y-websocket clients reconnect on their own.
FIRST_RETRY = 0.05
MAX_RETRY = 1.0
RETRY_FOR = 20.0


class NotesWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.log = notes_store.update_appender(db)
        self._queue: asyncio.Queue[tuple[PendingUpdate, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def write(self, update: PendingUpdate) -> None:
        """Returns once ``update`` is committed; raises if it could not be."""
        self.start()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((update, future))
        await future

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            error = await self._commit([u for u, _ in batch])
            self.batches += 1
            for _update, future in batch:
                if future.done():
                    continue
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)

    async def _commit(self, updates: list[PendingUpdate]) -> Exception | None:
        """Append ``updates``, retrying while the store is unavailable; the error if it
        stays so (or fails otherwise: a bad row is not retried), else None."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + RETRY_FOR
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
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.log.close()
