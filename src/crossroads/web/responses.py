"""Response builders shared by the routers: pages, CSV and calendar downloads, and what
the OpenAPI schema says they return (pages are HTML; errors are the error page, or the JSON
error shape for JSON clients; see web/errors.py)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

_TEXT: dict[str, Any] = {"schema": {"type": "string"}}
_ERROR_SHAPE: dict[str, Any] = {
    "schema": {
        "type": "object",
        "required": ["ok", "code", "error", "status"],
        "properties": {
            "ok": {"const": False},
            "code": {"type": "string"},
            "error": {"type": "string"},
            "status": {"type": "integer"},
        },
    }
}
_ERROR = {"text/html": _TEXT, "application/json": _ERROR_SHAPE}

# Documented on every page router; `ERROR_TABLE` in web/errors.py decides which one happens.
PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    303: {"description": "Done: see Location (also: log in first, for host pages)."},
    400: {"description": "The request cannot be acted on.", "content": _ERROR},
    403: {"description": "Refused: an expired form (CSRF), or not allowed.", "content": _ERROR},
    404: {"description": "Not found, or not yours.", "content": _ERROR},
    409: {"description": "Conflicts with what is there.", "content": _ERROR},
    422: {"description": "Invalid input; the page says which field.", "content": _ERROR},
    429: {"description": "Too many attempts.", "content": _ERROR},
    503: {"description": "The database is busy; try again.", "content": _ERROR},
}


def file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The schema's 200 for a route that returns a file of one of ``media_types``."""
    content = {
        media: {"schema": {"type": "object"}} if media == "application/json" else _TEXT
        for media in media_types
    }
    return {200: {"description": "A file.", "content": content}}


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )


def download(content: bytes, *, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def csv_download(text: str, filename: str) -> Response:
    return download(text.encode("utf-8"), media_type="text/csv; charset=utf-8", filename=filename)


def ics_download(content: bytes) -> Response:
    return download(content, media_type="text/calendar; charset=utf-8", filename="convening.ics")
