"""Request bodies over the largest upload are refused before they are read (#26).

A 100 MB roster was read, parsed and spooled whole before the route's 5 MB check: about a
second of the event loop. Here a declared ``Content-Length`` over the limit is answered 413
at once, unread; a body without one (chunked) is counted as it streams and refused at the
first byte over. The limit is the largest upload (a roster, 5 MB) plus room for the form's
other fields and multipart framing, for every route: no other form comes near it.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crossroads.web.errors import MAX_UPLOAD_MB, RequestTooLarge, handle_error

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
    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = too_large = False

        async def counting_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise RequestTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if too_large:
                    message = _closing(message)
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except RequestTooLarge:
            # Raised where no handler turned it into a response (a streaming read outside
            # a route's error handling): answer here if nothing was sent yet.
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await handle_error(Request(scope, receive), RequestTooLarge())
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def _closing(message: Message) -> Message:
    """The response start with ``Connection: close``: without it uvicorn keeps the
    connection and reads (and drops) the rest of the body, all 100 MB of it."""
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
    return {**message, "headers": [*headers, (b"connection", b"close")]}
