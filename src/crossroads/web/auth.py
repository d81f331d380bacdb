"""Who is asking: session cookies and the FastAPI dependencies that read them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from crossroads.convenings.access import resolve_viewer
from crossroads.settings import Settings
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import HostRecord, ParticipantRecord
from crossroads.web.errors import NotAuthenticated
from crossroads.web.security import rotate_csrf, secure_cookies_for

HOST_COOKIE = "crossroads_host"
PARTICIPANT_COOKIE = "crossroads_participant"


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def utc_now() -> datetime:
    return datetime.now(UTC)


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(utc_now)]


async def current_host(request: Request, db: DbDep, now: NowDep) -> HostRecord:
    viewer = await resolve_viewer(db, request.cookies.get(HOST_COOKIE), now=now)
    if viewer.host is None:
        raise NotAuthenticated("log in as a host")
    return viewer.host


async def current_participant(request: Request, db: DbDep, now: NowDep) -> ParticipantRecord:
    viewer = await resolve_viewer(db, request.cookies.get(PARTICIPANT_COOKIE), now=now)
    if viewer.participant is None:
        # Participants have no login: without a session this page simply is not theirs.
        raise NotFound("page")
    return viewer.participant


HostDep = Annotated[HostRecord, Depends(current_host)]
ParticipantDep = Annotated[ParticipantRecord, Depends(current_participant)]


def set_session_cookie(
    response: Response, request: Request, name: str, token: str, settings: Settings
) -> None:
    """The session cookie, and a fresh CSRF token with it (see ``rotate_csrf``)."""
    response.set_cookie(
        name,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=secure_cookies_for(settings.secure_cookies, request.url.scheme),
        path="/",
    )
    rotate_csrf(response, request)
