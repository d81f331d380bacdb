"""One bounded send queue and one writer task per socket, for the live and the notes servers.

A slow client never holds up the others: when its queue is full it is closed (1013) and
resyncs on reconnect. Closing lets the writer send what is queued, then close with the code;
a full queue is emptied first, so the close is never lost behind messages nobody reads.

A message put while the socket is idle (nothing queued, no send under way) is sent at once,
in the caller's turn of the event loop, rather than by waking the writer task: a socket
with room in its buffer takes a frame without ever suspending, and waking one task per
socket was a third of a 2,000-person round start's fan-out (bench/round_fanout.py). If the
send does have to wait (the transport pushes back), the writer task finishes it and
everything put later queues up behind it, so order is kept either way. This is what
Python 3.12's eager tasks do; on 3.11 we step the coroutine ourselves (``_start_eagerly``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

from crossroads.close_codes import CLOSE_TRY_AGAIN as CLOSE_SLOW

T = TypeVar("T")


# An ``async def`` that sends one item (a socket's send_text or send_bytes).
Send = Callable[[T], Coroutine[Any, Any, None]]


class Outbox(Generic[T]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: deque[T] = deque()
        self._send: Send[T] | None = None
        self._task: asyncio.Task[None] | None = None
        # The writer parks on this future when it has nothing to do.
        self._wakeup: asyncio.Future[None] | None = None
        # True unless the writer is parked: only then may a put send at once.
        self._busy = True
        # The rest of a send started at once that had to wait; the writer finishes it.
        self._unfinished: _Rest | None = None
        self._closing = False
        self.closed = False
        self.close_code: tuple[int, str] = (1000, "")

    def start(self, send: Send[T], close: Callable[[int, str], Awaitable[None]]) -> None:
        self._send = send
        self._task = asyncio.create_task(self._drain(send, close))

    def put(self, item: T) -> bool:
        """Send or queue ``item``; False (and the socket closing) when the client cannot
        keep up."""
        if self.closed:
            return False
        if not self._busy and self._send is not None:
            self._start_eagerly(self._send(item))
            return True
        if len(self._items) >= self._size:
            self.close(CLOSE_SLOW, "too slow: reconnect to resync")
            return False
        self._items.append(item)
        self._wake()
        return True

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = (code, reason)
        if len(self._items) >= self._size:
            self._items.clear()
        self._closing = True
        self._wake()

    async def wait_done(self, within: float) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, timeout=within)

    def _wake(self) -> None:
        self._busy = True
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def _start_eagerly(self, sending: Coroutine[Any, Any, None]) -> None:
        """Run ``sending`` up to its first suspension, here and now."""
        try:
            waiting_on = sending.send(None)
        except StopIteration:
            return  # sent: the common case
        except Exception:  # the peer is gone; the reader notices and cleans up
            self.closed = True
            self._closing = True
            self._wake()
            return
        self._unfinished = _Rest(sending, waiting_on)
        self._wake()

    async def _drain(self, send: Send[T], close: Callable[[int, str], Awaitable[None]]) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                if self._unfinished is not None:
                    rest, self._unfinished = self._unfinished, None
                    await rest
                elif self._items:
                    await send(self._items.popleft())
                elif self._closing:
                    with contextlib.suppress(Exception):
                        await close(*self.close_code)
                    return
                else:
                    self._wakeup = loop.create_future()
                    self._busy = False
                    await self._wakeup
                    self._wakeup = None
        except Exception:  # the peer is gone; the reader notices and cleans up
            self.closed = True
        finally:
            self._busy = True  # nobody sends on this socket any more


class _Rest:
    """Awaiting this finishes a coroutine that suspended on ``waiting_on``: first wait for
    that, then hand the coroutine back to whoever awaits (the writer task)."""

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, None, None]:
        try:
            yield self._waiting_on
        except BaseException:
            self._coroutine.close()
            raise
        yield from self._coroutine.__await__()
