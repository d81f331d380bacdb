"""Response builders shared by the routers: pages, CSV and calendar downloads."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response


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
