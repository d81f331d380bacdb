"""Static files with fingerprinted addresses, kept by browsers for a year.

Pages link ``static_url("build/app.js")``, which carries a hash of the file's content; a
response to such an address may be cached for a year without asking again (``immutable``),
and an upgrade changes the address. On a 400 ms link every revalidation a page saves is
400 ms: a form's answer (the lobby after joining) made Chromium ask again for every
stylesheet and script it already had (#10). Addresses without a fingerprint are revalidated.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"
FINGERPRINTED = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"


@cache
def static_url(path: str) -> str:
    """A static file's address with its content's fingerprint.

    "build/app.js" -> ``/static/build/app.js?v=3f2a9c1e0b``
    """
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


class CacheHeaders:
    """Adds ``Cache-Control`` to static responses: a year for fingerprinted addresses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        policy = FINGERPRINTED if query.startswith(b"v=") else REVALIDATE

        async def send_with_cache_control(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") in (200, 304):
                headers = MutableHeaders(scope=message)
                headers["cache-control"] = policy.decode()
            await send(message)

        await self.app(scope, receive, send_with_cache_control)
