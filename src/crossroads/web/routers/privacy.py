"""The plain-language privacy page, public and linked from every page's footer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crossroads.web.auth import SettingsDep
from crossroads.web.responses import PAGE_RESPONSES, render

router = APIRouter(default_response_class=HTMLResponse, responses=PAGE_RESPONSES)


@router.get("/privacy")
async def privacy_page(request: Request, settings: SettingsDep) -> Response:
    context = {"session_days": settings.session_days, "invite_days": settings.invite_days}
    return render(request, "privacy.html", context)
