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
from crossroads.store.notes import PendingUpdate

log = structlog.get_logger(__name__)

MAX_BATCH = 1000
RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0)


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
            error: Exception | None = None
            for delay in (*RETRY_DELAYS, None):
                try:
                    await self.log.append([u for u, _ in batch], datetime.now(UTC))
                    error = None
                    break
                except Exception as exc:  # the database is restarting or locked: retry
                    error = exc
                    if delay is None:
                        break
                    log.warning("notes_write_retry", error=str(exc), retry_in=delay)
                    await asyncio.sleep(delay)
            self.batches += 1
            for _update, future in batch:
                if future.done():
                    continue
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.log.close()
