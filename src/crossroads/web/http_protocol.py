"""uvicorn's httptools protocol with a header timeout, a header size cap and a hard
connection cap (#26).

uvicorn closes a keep-alive connection that stays idle after a response
(``timeout_keep_alive``) and answers 503 once ``limit_concurrency`` connections or tasks are
open, but it has no timer on a request whose headers never finish: a connection that sends
``GET / HTTP/1.1\\r\\n`` and then nothing (or a byte every few seconds) is held for good.
5,000 of them held 5,000 file descriptors; with 1,024 allowed, new requests failed.

Here each connection gets ``header_timeout`` seconds, from the moment it opens or a new
request on it begins, to send complete headers, and at most ``max_header_bytes`` of them;
slower or larger ones are closed (a 431 for the large ones). Past ``max_connections`` open
connections a new one is closed at once, before it is read: it would otherwise hold a file
descriptor until its headers came. Those counts include WebSockets (uvicorn counts
them in the same set).

Once headers are complete the timer stops: a slow request body is the route's business
(bodies are capped in ``web/body_limit.py``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("uvicorn.error")

HEADERS_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 26\r\nconnection: close\r\n\r\n"
    b"Request headers too large."
)


def raise_open_files_limit() -> None:
    """Lift the soft open-files limit to the hard one (systemd starts services at a soft
    1,024 with a hard limit hundreds of times that): each connection is a file descriptor."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or soft < hard:
            target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):  # not POSIX, or not allowed: keep the limit
        pass


class GuardedHttpProtocol(HttpToolsProtocol):
    """Configured through class attributes: ``bounded`` makes a subclass with the values
    (uvicorn builds the protocol itself from the class it is given)."""

    header_timeout: float = 20.0
    max_header_bytes: int = 64 * 1024
    max_connections: int | None = None

    @classmethod
    def bounded(
        cls, *, header_timeout: float, max_header_bytes: int, max_connections: int | None
    ) -> type[GuardedHttpProtocol]:
        attributes = {
            "header_timeout": header_timeout,
            "max_header_bytes": max_header_bytes,
            "max_connections": max_connections,
        }
        return type("BoundedHttpProtocol", (cls,), attributes)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._reading_headers = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.max_connections is not None and len(self.connections) > self.max_connections:
            log.warning("Connection cap (%d) reached: closing a new one.", self.max_connections)
            transport.abort()
            return
        self._start_headers()

    def _start_headers(self) -> None:
        self._reading_headers = True
        self._header_bytes = 0
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _stop_headers(self) -> None:
        self._reading_headers = False
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self._reading_headers and not self.transport.is_closing():
            # No response: a client this slow is not waiting for one, and writing to it
            # could block on its receive window.
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._reading_headers:
            # Only up to the blank line that ends the headers: a body sent in the same
            # packet is not theirs. (A request that begins in the chunk ending the previous
            # one is counted from its next chunk on: at most one read, 256 KiB, more.)
            end = data.find(b"\r\n\r\n")
            self._header_bytes += len(data) if end < 0 else end + 4
            if self._header_bytes > self.max_header_bytes:
                self._stop_headers()
                self.transport.write(HEADERS_TOO_LARGE)
                self.transport.close()
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # A keep-alive connection's next request: the first byte of it starts the clock.
        if not self._reading_headers:
            self._start_headers()

    def on_headers_complete(self) -> None:
        self._stop_headers()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_headers()
        super().connection_lost(exc)
