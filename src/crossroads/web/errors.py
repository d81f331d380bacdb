"""The one table from error class to HTTP status (and WebSocket close code), and its handler.

WebError
 ├── CsrfFailed        a state-changing request without a matching CSRF token
 ├── NotAuthenticated  a host page without a host session (redirects to the login page)
 ├── RateLimited       too many attempts from one place
 ├── RequestUnreadable a body the framework could not parse (broken multipart, say)
 ├── RequestTooLarge   a body over the largest upload (web/body_limit.py)
 └── RequestStalled    a body that stopped arriving (web/body_limit.py)

Routes just raise; the most specific class in ``ERROR_TABLE`` decides the response. JSON
requests (``/api/`` or ``Accept: application/json``) get ``{"ok": false, "code", "error",
"status"}`` plus the error's fields; pages get ``error.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from crossroads.convenings.errors import (
    ConveningError,
    ConveningLocked,
    FieldInvalid,
    InviteNotFound,
    LoginFailed,
    NotAllowed,
    PasswordCheckBusy,
    RemovedFromConvening,
    RosterRowInvalid,
    SetupClosed,
)
from crossroads.live.errors import ClusterUnavailable, LiveError
from crossroads.messages import N_
from crossroads.store.errors import Conflict, NotFound, StoreError, StoreUnavailable
from crossroads.web.i18n import gettext as _

log = structlog.get_logger(__name__)


class WebError(Exception):
    code = "web_error"


class CsrfFailed(WebError):
    code = "csrf_failed"


class NotAuthenticated(WebError):
    code = "not_authenticated"


class RateLimited(WebError):
    code = "rate_limited"


class RequestUnreadable(WebError):
    code = "request_unreadable"


MAX_UPLOAD_MB = 5  # the largest upload, a roster CSV


class RequestTooLarge(HTTPException, WebError):
    """An HTTPException too, so FastAPI's body parsing passes it on instead of calling it
    an unreadable body (it turns other exceptions raised while reading into a 400)."""

    code = "request_too_large"

    def __init__(self) -> None:
        super().__init__(413, f"request bodies are limited to {MAX_UPLOAD_MB} MB")


class RequestStalled(HTTPException, WebError):
    """A request body that stopped arriving (an HTTPException for the reason above)."""

    code = "request_stalled"

    def __init__(self) -> None:
        super().__init__(408, "the request body stopped arriving")


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """How an error reaches a page or JSON client. Sockets close with the codes of
    crossroads/close_codes.py instead (one table for every socket; docs/live-protocol.md)."""

    status: int
    title: str  # a gettext message id, translated when rendered


# Most specific first is not needed: lookup walks each class's MRO and takes the first hit.
ERROR_TABLE: dict[type[Exception], ErrorRule] = {
    CsrfFailed: ErrorRule(403, N_("This form has expired")),
    RequestTooLarge: ErrorRule(413, N_("This upload is too large")),
    RequestStalled: ErrorRule(408, N_("The upload stopped")),
    ConveningLocked: ErrorRule(403, N_("This call is closed to new people")),
    RemovedFromConvening: ErrorRule(403, N_("You cannot join this call")),
    NotAllowed: ErrorRule(403, N_("Not allowed")),
    NotAuthenticated: ErrorRule(401, N_("Please log in")),
    RateLimited: ErrorRule(429, N_("Too many attempts")),
    InviteNotFound: ErrorRule(404, N_("This invite link does not work")),
    NotFound: ErrorRule(404, N_("Not found")),
    LoginFailed: ErrorRule(400, N_("Login failed")),
    SetupClosed: ErrorRule(409, N_("Setup is already done")),
    RosterRowInvalid: ErrorRule(422, N_("The roster was not imported")),
    FieldInvalid: ErrorRule(422, N_("Please check the form")),
    Conflict: ErrorRule(409, N_("Already taken")),
    StoreUnavailable: ErrorRule(503, N_("Please try again in a moment")),
    PasswordCheckBusy: ErrorRule(503, N_("Please try again in a moment")),
    ClusterUnavailable: ErrorRule(503, N_("Please try again in a moment")),
    LiveError: ErrorRule(500, N_("Something went wrong")),
    ConveningError: ErrorRule(400, N_("Something is wrong with this request")),
    StoreError: ErrorRule(500, N_("Something went wrong")),
    WebError: ErrorRule(400, N_("Something is wrong with this request")),
}


def rule_for(exc: Exception) -> ErrorRule:
    for cls in type(exc).__mro__:
        rule = ERROR_TABLE.get(cls)
        if rule is not None:
            return rule
    return ErrorRule(500, N_("Something went wrong"))


def _message(exc: Exception) -> str:
    if isinstance(exc, RosterRowInvalid):
        return _("Line {line}: {field} {message}. Nothing was imported.").format(
            line=exc.line, field=exc.field, message=_(exc.message).format(**exc.params)
        )
    if isinstance(exc, FieldInvalid):
        return _(exc.message).format(**exc.params)
    if isinstance(exc, InviteNotFound):
        return _(
            "The link may have a typo, or it has expired. Ask the host of the call for a new one."
        )
    if isinstance(exc, NotFound):
        return _("We could not find that page.")
    if isinstance(exc, ConveningLocked):
        return _(
            "The hosts have locked this call: nobody new can join now. "
            "If you were invited, ask the host to let you in."
        )
    if isinstance(exc, RemovedFromConvening):
        return _(
            "A host removed you from this call, so no invite link lets you join it again. "
            "The hosts can see that you tried. If you think this is a mistake, write to them."
        )
    if isinstance(exc, LoginFailed):
        return _("Wrong email or password.")
    if isinstance(exc, CsrfFailed):
        return _("Please go back, reload the page and try again.")
    if isinstance(exc, RequestTooLarge):
        return _("The file is larger than {n} MB, the most this server accepts.").format(
            n=MAX_UPLOAD_MB
        )
    if isinstance(exc, RequestStalled):
        return _("The form or file stopped arriving. Please send it again.")
    if isinstance(exc, RequestUnreadable):
        return _("The form could not be read. Please go back and send it again.")
    return str(exc)


def _fields(exc: Exception) -> dict[str, Any]:
    return {name: getattr(exc, name) for name in ("line", "field", "kind") if hasattr(exc, name)}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


async def handle_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, NotAuthenticated) and not _wants_json(request):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    rule = rule_for(exc)
    code = getattr(exc, "code", "internal_error")
    if rule.status >= 500:
        log.error("request_failed", path=request.url.path, code=code, exc_info=exc)
    message = _message(exc)
    if _wants_json(request):
        body = {"ok": False, "code": code, "error": message, "status": rule.status}
        body.update(_fields(exc))
        return JSONResponse(body, status_code=rule.status)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"title": _(rule.title), "message": message, "status": rule.status, "code": code},
        status_code=rule.status,
    )
