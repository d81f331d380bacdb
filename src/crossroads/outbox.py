"""One bounded send queue and one writer task per socket, for the live and the notes servers.

A slow client never holds up the others: when its queue is full it is closed (1013) and
resyncs on reconnect. Closing lets the writer send what is queued, then close with the code;
a full queue is emptied first, so the close is never lost behind messages nobody reads.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")

CLOSE_SLOW = 1013


class Outbox(Generic[T]):
    def __init__(self, size: int) -> None:
        self._queue: asyncio.Queue[T | None] = asyncio.Queue(size)
        self._task: asyncio.Task[None] | None = None
        self.closed = False
        self.close_code: tuple[int, str] = (1000, "")

    def start(
        self, send: Callable[[T], Awaitable[None]], close: Callable[[int, str], Awaitable[None]]
    ) -> None:
        self._task = asyncio.create_task(self._drain(send, close))

    def put(self, item: T) -> bool:
        """Queue ``item``; False (and the socket closing) when the client cannot keep up."""
        if self.closed:
            return False
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.close(CLOSE_SLOW, "too slow: reconnect to resync")
            return False
        return True

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = (code, reason)
        if self._queue.full():
            while not self._queue.empty():
                self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def wait_done(self, within: float) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, timeout=within)

    async def _drain(
        self, send: Callable[[T], Awaitable[None]], close: Callable[[int, str], Awaitable[None]]
    ) -> None:
        try:
            while True:
                item = await self._queue.get()
                if item is None:
                    with contextlib.suppress(Exception):
                        await close(*self.close_code)
                    return
                await send(item)
        except Exception:  # the peer is gone; the reader notices and cleans up
            self.closed = True
