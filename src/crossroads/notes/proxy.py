"""Passing a notes client on to the node that owns its room (#11).

We proxy rather than redirect: the stock y-websocket client cannot follow a redirect (a
browser's WebSocket does not), it keeps reconnecting to the one URL it was given, and only
the load balancer's public address is reachable from a browser anyway. The node the client
reached has checked its Origin and token; this opens a WebSocket to the owner's internal URL
with the same path and query (the token), the original Origin and Host, and a peer pass
(notes/tokens.py), then copies frames both ways until one side closes, and closes the other
with the same code: 4410 removed, 4423 muted and the rest reach the browser as if it were
connected to the owner. Frames are not parsed here: the owner checks them as it checks its
own clients'. Backpressure carries through: neither direction reads faster than the other
side takes, so a client too slow for the owner is closed (1013) like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

import structlog
import websockets
from websockets.asyncio.client import ClientConnection

from crossroads.close_codes import CLOSE_RESTARTING as CLOSE_MOVED

log = structlog.get_logger(__name__)

# Codes a close frame may not carry (1005 none, 1006 abnormal, 1015 TLS): sent as "moved".
UNSENDABLE = frozenset({1005, 1006, 1015})
MAX_FRAME = 64 * 1024 * 1024  # a whole document's sync step 2 comes through here
OPEN_TIMEOUT = 5.0


class Downstream(Protocol):
    """The client's socket, as the notes route reads it."""

    async def receive_frame(self) -> bytes | None: ...  # None once the client has left

    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


async def open_upstream(url: str, headers: dict[str, str]) -> ClientConnection | None:
    """A socket to the owner at ``url``, or None if it cannot be reached (then the client
    is told to retry: the owner may be dying, and its lease about to lapse)."""
    try:
        return await websockets.connect(
            url,
            additional_headers=headers,
            max_size=MAX_FRAME,
            compression=None,
            open_timeout=OPEN_TIMEOUT,
        )
    except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
        log.warning("notes_proxy_unreachable", url=url, error=str(exc))
        return None


async def pipe(client: Downstream, upstream: ClientConnection) -> None:
    """Copy frames between the client and the owner until either leaves."""
    up = asyncio.create_task(_client_to_owner(client, upstream))
    down = asyncio.create_task(_owner_to_client(upstream, client))
    try:
        done, _pending = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (up, down):
            task.cancel()
        for task in (up, down):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    client_left = up in done and up.exception() is None
    if not client_left:
        # The owner closed (or died): hand the client the same code, or "moved".
        code = upstream.close_code
        reason = upstream.close_reason or ""
        if code is None or code in UNSENDABLE:
            code, reason = CLOSE_MOVED, "notes server moved: reconnecting"
        with contextlib.suppress(Exception):
            await client.close(code, reason)
    with contextlib.suppress(Exception):
        await upstream.close()


async def _client_to_owner(client: Downstream, upstream: ClientConnection) -> None:
    while (frame := await client.receive_frame()) is not None:
        await upstream.send(frame)


async def _owner_to_client(upstream: ClientConnection, client: Downstream) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for frame in upstream:
            if isinstance(frame, bytes):
                await client.send_bytes(frame)
