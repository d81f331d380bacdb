"""CSRF tokens, security headers and Origin checks.

CSRF uses a signed double-submit cookie: every response carries a ``crossroads_csrf``
cookie (``<random>.<hmac>``); every state-changing request must echo it in the form field
``csrf_token`` or the ``X-CSRF-Token`` header (htmx sends the header, set on ``<body>``).
The signature stops a sibling subdomain from planting a cookie of its own choosing.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crossroads import signing
from crossroads.convenings.errors import FieldInvalid
from crossroads.text_input import UnsafeText, clean_block
from crossroads.web.errors import CsrfFailed

CSRF_COOKIE = "crossroads_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No 'unsafe-inline' anywhere: templates carry no inline scripts or styles. The one
# exception is a per-response nonce for the <style> elements the notes editor (CodeMirror)
# creates; user text can never carry it. Sockets go to this site only (#26: ``ws: wss:``
# let a script open one to any host): 'self' covers ws(s) to the page's own host in
# current browsers, and the public base URL's ws(s) origin is named for older ones.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; connect-src 'self' {sockets}; media-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
# Pages carry CSRF tokens, names, personal links: no cache (a browser's back button, a
# shared computer, a proxy) keeps them. Static files set their own Cache-Control.
NO_STORE = (b"cache-control", b"no-store")
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    # Invite tokens travel in URL paths: never send them on to other sites.
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(self), microphone=(self), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def socket_origin(public_base_url: str) -> str:
    """``https://example.org/x`` -> ``wss://example.org``: where this site's sockets are."""
    parts = urlsplit(public_base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    netloc = "".join(c for c in parts.netloc if c.isalnum() or c in ".-:[]")
    return f"{scheme}://{netloc}"


def sign_csrf(secret_key: str, nonce: str) -> str:
    return f"{nonce}.{signing.hex_signature(secret_key, 'csrf', nonce)}"


def csrf_is_valid(secret_key: str, value: str | None) -> bool:
    if not value or "." not in value:
        return False
    nonce = value.split(".", 1)[0]
    return signing.same(value, sign_csrf(secret_key, nonce))


def secure_cookies_for(always: bool, scheme: str) -> bool:
    """Cookies are Secure when configured so, or when this request came over https: directly,
    or as a trusted proxy said in ``X-Forwarded-Proto`` (uvicorn's proxy headers support has
    already put that scheme into the scope; see ``forwarded_allow_ips``)."""
    return always or scheme in ("https", "wss")


def _csrf_cookie_header(token: str, *, secure: bool) -> str:
    flags = "Path=/; HttpOnly; SameSite=Lax"
    if secure:
        flags += "; Secure"
    return f"{CSRF_COOKIE}={token}; {flags}"


def rotate_csrf(response: Response, request: Request) -> None:
    """A fresh CSRF token when someone logs in or joins, so a token known before (one planted
    in the browser, or read from an earlier visitor's page) does not carry over. A page
    rendered for this request after ``fresh_csrf_token`` carries that same token."""
    token = getattr(request.state, "rotated_csrf_token", None) or fresh_csrf_token(request)
    always: bool = request.app.state.settings.secure_cookies
    secure = secure_cookies_for(always, request.url.scheme)
    response.headers.append("set-cookie", _csrf_cookie_header(token, secure=secure))


def fresh_csrf_token(request: Request) -> str:
    """Take a new CSRF token for this request's response: the forms rendered from now on
    carry it, and ``rotate_csrf`` sends it as the cookie."""
    secret_key: str = request.app.state.settings.resolved_secret_key
    token = sign_csrf(secret_key, secrets.token_urlsafe(18))
    request.state.csrf_token = token
    request.state.rotated_csrf_token = token
    return token


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return None
            if name in jar:
                return jar[name].value
    return None


class SecurityMiddleware:
    """Adds security headers to every response and hands out the CSRF cookie."""

    def __init__(
        self, app: ASGIApp, *, secret_key: str, always_secure: bool, public_base_url: str
    ) -> None:
        self.app = app
        self.secret_key = secret_key
        self.always_secure = always_secure
        self.sockets = socket_origin(public_base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        existing = _cookie(scope, CSRF_COOKIE)
        token = existing if csrf_is_valid(self.secret_key, existing) else None
        fresh = token is None
        if token is None:
            token = sign_csrf(self.secret_key, secrets.token_urlsafe(18))
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csrf_token"] = token
        scope["state"]["style_nonce"] = nonce
        policy = CONTENT_SECURITY_POLICY.format(nonce=nonce, sockets=self.sockets).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", policy))
                headers.extend(SECURITY_HEADERS)
                if not any(name.lower() == b"cache-control" for name, _value in headers):
                    headers.append(NO_STORE)
                if fresh:
                    secure = secure_cookies_for(self.always_secure, scope.get("scheme", "http"))
                    cookie = _csrf_cookie_header(token, secure=secure)
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def verify_csrf(request: Request) -> None:
    """Router dependency: refuse a state-changing request without the matching token, and
    a form with a control character where no text may hold one (see ``_check_form_text``)."""
    if request.method not in UNSAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    form = None
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # parsed once: the route's own request.form() reuses it
    if sent is None and form is not None:
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    secret_key: str = request.app.state.settings.resolved_secret_key
    if not (cookie and sent and signing.same(sent, cookie)):
        raise CsrfFailed("the form's security token is missing or does not match")
    if not csrf_is_valid(secret_key, cookie):
        raise CsrfFailed("the form's security token is not valid")
    if form is not None:
        _check_form_text(form)


def _check_form_text(form: FormData) -> None:
    """The net under every form (#26): a NUL or other control character (line breaks and
    tabs aside) in any text field is a field error before a route sees it. PostgreSQL
    cannot store NUL at all, SQLite can: without this, the same form was a 500 on one and
    stored on the other. Names and titles are cleaned more strictly by their forms
    (``text_input.clean_line``); this catches every other field, today's and tomorrow's."""
    for name, value in form.multi_items():
        if isinstance(value, str):
            try:
                clean_block(value)
            except UnsafeText as exc:
                raise FieldInvalid(name, exc.message) from None


def origin_allowed(origin: str | None, host_header: str | None, public_base_url: str) -> bool:
    """A WebSocket handshake or POST must come from our own pages (our host or base URL)."""
    if origin is None:
        return False
    parts = urlsplit(origin)
    allowed = {urlsplit(public_base_url).netloc}
    if host_header:
        allowed.add(host_header)
    return parts.netloc in allowed and parts.scheme in {"http", "https"}


def local_path(target: str | None, default: str) -> str:
    """A redirect target taken from a form or query, kept on this site (#12).

    ``"/host/convenings/x"`` stays; ``"//evil.example"``, ``"/\\evil.example"`` and
    ``"/\\t/evil.example"`` (browsers read a backslash as a slash and drop tabs and line
    breaks, so both mean ``//evil.example``), ``"https://evil.example"`` and
    ``"javascript:alert(1)"`` become ``default``.
    """
    if not target or not target.startswith("/") or "\\" in target:
        return default
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or target.startswith("//"):
        return default
    return target
