"""The language switcher: remembered in a cookie for a year, for hosts and participants."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crossroads.web.auth import SettingsDep
from crossroads.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from crossroads.web.responses import PAGE_RESPONSES
from crossroads.web.security import local_path, secure_cookies_for, verify_csrf

router = APIRouter(
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)


@router.post("/language")
async def choose_language(request: Request, settings: SettingsDep) -> Response:
    form = await request.form()
    language = str(form.get("language", ""))
    back = local_path(str(form.get("next", "/")), "/")
    response = RedirectResponse(back, status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 86400,
            httponly=True,
            samesite="lax",
            secure=secure_cookies_for(settings.secure_cookies, request.url.scheme),
            path="/",
        )
    return response
