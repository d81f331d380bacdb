"""Request bodies over the largest upload are refused before they are read (#26).

A 100 MB roster was read, parsed and spooled whole before the route's 5 MB check: about a
second of the event loop. Here a declared ``Content-Length`` over the limit is answered 413
at once, unread; a body without one (chunked) is counted as it streams and refused at the
first byte over. The limit is the largest upload (a roster, 5 MB) plus room for the form's
other fields and multipart framing, for every route: no other form comes near it.

A body that stops arriving (no byte for ``idle_seconds`` while the app waits for more) is
answered 408 and its connection closed: the header timeout (web/http_protocol.py) ends when
headers are complete, and a client trickling a body would otherwise hold its connection and
a task for good.
"""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crossroads.web.errors import MAX_UPLOAD_MB, RequestStalled, RequestTooLarge, handle_error

MAX_BODY_BYTES = MAX_UPLOAD_MB * 1024 * 1024 + 256 * 1024


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # uvicorn refuses a malformed one before we see it
    return None


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES, idle_seconds: float = 30.0
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send, RequestTooLarge())
            return
        seen = 0
        started = refused = body_done = False

        async def counting_receive() -> Message:
            nonlocal seen, refused, body_done
            if body_done:  # after the body only the disconnect is left to wait for
                return await receive()
            try:
                async with asyncio.timeout(self.idle_seconds):
                    message = await receive()
            except TimeoutError:
                refused = True
                raise RequestStalled() from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                refused = True
                raise RequestTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if refused:
                    message = _closing(message)
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except (RequestTooLarge, RequestStalled) as exc:
            # Raised where no handler turned it into a response (a streaming read outside
            # a route's error handling): answer here if nothing was sent yet.
            if started:
                raise
            await self._refuse(scope, receive, send, exc)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, exc: RequestTooLarge | RequestStalled
    ) -> None:
        response = await handle_error(Request(scope, receive), exc)
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def _closing(message: Message) -> Message:
    """The response start with ``Connection: close``: without it uvicorn keeps the
    connection and reads (and drops) the rest of the body, all 100 MB of it."""
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
    return {**message, "headers": [*headers, (b"connection", b"close")]}
