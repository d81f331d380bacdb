"""At most N live sockets and N notes sockets per person at once, on each node (#26).

2,000 sockets from one participant were all accepted: each one costs a file descriptor, a
task, a place in every fan-out of the convening. A route that has identified the person
``claim``s a place before accepting; past the limit it refuses with
``CLOSE_TOO_MANY_SOCKETS`` (documented in docs/live-protocol.md). Clients reconnect after
that code with their usual back-off, so a tab refused because another was still closing
gets in on its next try.

Places are given back when the socket's ASGI call ends, by ``SocketClaims`` (the
middleware), so no route path can leak one: the route only claims.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

TOO_MANY_REASON = "too many open connections for one person: close another tab"
_CLAIMS = "crossroads.socket_claims"


class SocketCounts:
    """Open sockets per (kind, person) in this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: Counter[tuple[str, str]] = Counter()

    def claim(self, ws: WebSocket, kind: str, person: str) -> bool:
        """Take a place for ``person`` (``p12``, ``h3``) on this socket; False when the
        person already holds ``limit`` sockets of this kind."""
        claims: list[Any] | None = ws.scope.get(_CLAIMS)
        if claims is None:  # pragma: no cover  (the app factory always installs SocketClaims)
            raise RuntimeError("SocketClaims middleware is not installed")
        key = (kind, person)
        if self.open[key] >= self.limit:
            return False
        self.open[key] += 1
        claims.append((self, key))
        return True

    def release(self, key: tuple[str, str]) -> None:
        self.open[key] -= 1
        if self.open[key] <= 0:
            del self.open[key]


class SocketClaims:
    """Gives back every place a WebSocket claimed once its ASGI call returns."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        claims: list[tuple[SocketCounts, tuple[str, str]]] = []
        scope[_CLAIMS] = claims
        try:
            await self.app(scope, receive, send)
        finally:
            for counts, key in claims:
                counts.release(key)
