"""First-run setup, host login and logout."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from crossroads.convenings import access, hosts
from crossroads.web.auth import HOST_COOKIE, DbDep, NowDep, SettingsDep, set_session_cookie
from crossroads.web.forms import LOGIN_FIELDS, HostAccountForm, field_errors, form_body, form_values
from crossroads.web.responses import PAGE_RESPONSES
from crossroads.web.security import local_path, verify_csrf

router = APIRouter(
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)


def _safe_next(target: str | None) -> str:
    return local_path(target, "/host")


@router.get("/")
async def home(db: DbDep) -> Response:
    if await hosts.needs_setup(db):
        return RedirectResponse("/setup", status_code=303)
    return RedirectResponse("/host", status_code=303)


@router.get("/setup")
async def setup_page(request: Request, db: DbDep) -> Response:
    if not await hosts.needs_setup(db):
        return RedirectResponse("/login", status_code=303)
    return request.app.state.templates.TemplateResponse(
        request, "accounts/setup.html", {"errors": {}, "values": {}}
    )


@router.post("/setup", openapi_extra=form_body(HostAccountForm))
async def setup_submit(request: Request, db: DbDep, settings: SettingsDep, now: NowDep) -> Response:
    values = form_values(await request.form())
    try:
        form = HostAccountForm.model_validate(values)
    except ValidationError as exc:
        return request.app.state.templates.TemplateResponse(
            request,
            "accounts/setup.html",
            {"errors": field_errors(exc), "values": values},
            status_code=422,
        )
    host = await hosts.create_first_host(
        db, email=form.email, display_name=form.display_name, password=form.password, now=now
    )
    token = await access.start_session(db, now=now, days=settings.session_days, host_id=host.id)
    response = RedirectResponse("/host", status_code=303)
    set_session_cookie(response, request, HOST_COOKIE, token, settings)
    return response


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "accounts/login.html", {"next": _safe_next(next), "error": None}
    )


@router.post("/login", openapi_extra=form_body(LOGIN_FIELDS))
async def login_submit(request: Request, db: DbDep, settings: SettingsDep, now: NowDep) -> Response:
    form = await request.form()
    email = str(form.get("email", ""))
    password = str(form.get("password", ""))
    await request.app.state.rate_limits.hit_login(request, email)
    host = await hosts.authenticate_host(db, email=email, password=password)
    # A fresh token at every login: a session fixed before login is never promoted.
    old = request.cookies.get(HOST_COOKIE)
    if old:
        await access.end_session(db, old)
    token = await access.start_session(db, now=now, days=settings.session_days, host_id=host.id)
    response = RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
    set_session_cookie(response, request, HOST_COOKIE, token, settings)
    return response


@router.post("/logout")
async def logout(request: Request, db: DbDep) -> Response:
    token = request.cookies.get(HOST_COOKIE)
    if token:
        await access.end_session(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(HOST_COOKIE, path="/")
    return response
