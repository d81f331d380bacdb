"""Hybrid gatherings (#32): the venue editor, table cards with QR codes, and the projector.

Every host route is scoped by the host's convening (``venues.venue_for_host``): another
host's convening, or another convening's venue id, is a 404. The projector is read-only and
opened either by a host of the convening or by the venue's capability link.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import segno
from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crossroads import close_codes
from crossroads.close_codes import CLOSE_TOO_MANY_SOCKETS
from crossroads.convenings import invitations, venues
from crossroads.convenings.access import resolve_viewer
from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.invitations import InviteLinks
from crossroads.convenings.live_state import LiveSnapshot, load_snapshot
from crossroads.convenings.live_views import _common as snapshot_common
from crossroads.convenings.venues import VenueRecord
from crossroads.live import protocol, replies
from crossroads.live.publisher import Events
from crossroads.settings import Settings
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.web import i18n
from crossroads.web.auth import HOST_COOKIE, DbDep, HostDep, NowDep, SettingsDep, utc_now
from crossroads.web.i18n import gettext as _
from crossroads.web.responses import PAGE_RESPONSES, file_responses, render
from crossroads.web.security import origin_allowed, verify_csrf
from crossroads.web.socket_caps import TOO_MANY_REASON
from crossroads.web.venue_live import ProjectorConnection

router = APIRouter(
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)
socket_router = APIRouter()

VENUE_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "room": {"type": "string"},
        "tables": {"type": "string"},
    },
    "required": ["name", "tables"],
}


def _form_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


def _fields(*names: str) -> dict[str, Any]:
    return _form_body(
        {
            "type": "object",
            "properties": {name: {"type": "string"} for name in names},
        }
    )


def _events(request: Request) -> Events:
    """The publisher: a use case's change is announced once it commits."""
    events: Events = request.app.state.publisher
    return events


def _texts(form: Any, *names: str) -> list[str]:
    """The form's fields as text, "" where one is missing."""
    return [str(form.get(name, "")) for name in names]


def _message(exc: FieldInvalid) -> str:
    return _(exc.message).format(**exc.params)


async def _join_url(db: Database, host: Any, public_id: str, settings: Settings, now: Any) -> str:
    links = InviteLinks(base_url=settings.public_base_url, secret_key=settings.resolved_secret_key)
    invite = await invitations.shared_invite(
        db, host, public_id, links, now=now, days=settings.invite_days
    )
    return links.url(invite)


def _venue_join_url(join_url: str, venue: VenueRecord) -> str:
    return f"{join_url}?venue={venue.public_id}"


def _projector_url(settings: Settings, venue: VenueRecord) -> str:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/v/{venue.public_id}/projector?key={venue.projector_key}"


async def _editor(
    request: Request,
    db: Database,
    host: Any,
    public_id: str,
    settings: Settings,
    now: Any,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    editing: str = "",
    status: int = 200,
) -> Response:
    page = await venues.venue_page(db, host, public_id)
    join_url = await _join_url(db, host, public_id, settings, now)
    return render(
        request,
        "host/venues.html",
        {
            "host": host,
            "plan": page.plan,
            "page": page,
            "join_urls": {v.public_id: _venue_join_url(join_url, v) for v in page.venues},
            "projector_urls": {v.public_id: _projector_url(settings, v) for v in page.venues},
            "tables_text": {v.public_id: venues.tables_text(v.tables) for v in page.venues},
            "modes": [(m, _(venues.MODE_LABELS[m])) for m in venues.MODES],
            "errors": errors or {},
            "values": values or {},
            "editing": editing,
        },
        status=status,
    )


@dataclass(frozen=True, slots=True)
class _Page:
    """The venue editor of one convening, for one host's request."""

    request: Request
    db: Database
    host: Any
    public_id: str
    settings: Settings
    now: Any

    async def submit(
        self,
        change: Awaitable[object],
        *,
        anchor: str = "",
        values: dict[str, str] | None = None,
        editing: str = "",
        field_prefix: str = "",
    ) -> Response:
        """Run one use case: back to the editor (at ``anchor``) once it holds, or the editor
        again with the refused field's message, the values typed, and 422."""
        try:
            await change
        except FieldInvalid as exc:
            return await _editor(
                self.request,
                self.db,
                self.host,
                self.public_id,
                self.settings,
                self.now,
                errors={field_prefix + exc.field: _message(exc)},
                values=values,
                editing=editing,
                status=422,
            )
        return RedirectResponse(
            f"/host/convenings/{self.public_id}/venues{anchor}", status_code=303
        )


@router.get("/host/convenings/{public_id}/venues")
async def venue_editor(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    return await _editor(request, db, host, public_id, settings, now)


@router.post("/host/convenings/{public_id}/venues", openapi_extra=_form_body(VENUE_FORM))
async def add_venue(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("name", "room", "tables")}
    page = _Page(request, db, host, public_id, settings, now)
    return await page.submit(
        venues.add_venue(db, host, public_id, now=now, **values), values=values
    )


@router.post("/host/convenings/{public_id}/venues/{venue_id}", openapi_extra=_form_body(VENUE_FORM))
async def edit_venue(
    request: Request,
    public_id: str,
    venue_id: str,
    db: DbDep,
    host: HostDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("name", "room", "tables")}
    page = _Page(request, db, host, public_id, settings, now)
    change = venues.edit_venue(db, _events(request), host, public_id, venue_id, **values)
    return await page.submit(change, values=values, editing=venue_id)


@router.post("/host/convenings/{public_id}/venues/{venue_id}/delete")
async def delete_venue(
    request: Request, public_id: str, venue_id: str, db: DbDep, host: HostDep
) -> Response:
    await venues.remove_venue(db, _events(request), host, public_id, venue_id)
    return RedirectResponse(f"/host/convenings/{public_id}/venues", status_code=303)


@router.post("/host/convenings/{public_id}/places", openapi_extra=_fields("participant", "place"))
async def set_place(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    form = await request.form()
    page = _Page(request, db, host, public_id, settings, now)
    who, where = _texts(form, "participant", "place")
    change = venues.set_person_place(db, _events(request), host, public_id, who, where)
    return await page.submit(change, anchor="#people")


@router.post(
    "/host/convenings/{public_id}/people-without-phone",
    openapi_extra=_fields("display_name", "place", "languages"),
)
async def add_without_phone(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    form = await request.form()
    values = {
        "display_name": str(form.get("display_name", "")),
        "place": str(form.get("place", "")),
    }
    languages = [v for v in form.getlist("languages") if isinstance(v, str)]
    page = _Page(request, db, host, public_id, settings, now)
    change = venues.add_person_without_phone(
        db,
        _events(request),
        host,
        public_id,
        name=values["display_name"],
        venue_public_id=values["place"],
        languages=languages,
        now=now,
    )
    return await page.submit(change, anchor="#people", values=values, field_prefix="no_phone_")


@router.post("/host/convenings/{public_id}/round-modes", openapi_extra=_fields("round", "mode"))
async def set_round_mode(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    form = await request.form()
    page = _Page(request, db, host, public_id, settings, now)
    round_id, mode = _texts(form, "round", "mode")
    change = venues.set_round_mode(db, _events(request), host, public_id, round_id, mode)
    return await page.submit(change, anchor="#rounds")


def qr_svg(url: str) -> str:
    """A QR code as SVG markup: colours as attributes, no inline style (CSP), no XML
    declaration (it sits inside an HTML page or is served alone)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=1,
        border=2,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr",
    )
    return out.getvalue().decode("ascii")


@router.get(
    "/host/convenings/{public_id}/venues/{venue_id}/qr.svg",
    response_class=Response,
    responses=file_responses("image/svg+xml"),
)
async def venue_qr(
    public_id: str, venue_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    _plan, venue = await venues.venue_for_host(db, host, public_id, venue_id)
    join_url = await _join_url(db, host, public_id, settings, now)
    return Response(
        qr_svg(_venue_join_url(join_url, venue)),
        media_type="image/svg+xml",
        headers={"cache-control": "private, no-store"},
    )


@router.get("/host/convenings/{public_id}/venues/{venue_id}/cards")
async def table_cards(
    request: Request,
    public_id: str,
    venue_id: str,
    db: DbDep,
    host: HostDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """One printable card per table: its number, the venue, and the QR code that opens the
    join page with the venue set (one scan, no typing)."""
    plan, venue = await venues.venue_for_host(db, host, public_id, venue_id)
    join_url = _venue_join_url(await _join_url(db, host, public_id, settings, now), venue)
    return render(
        request,
        "host/table_cards.html",
        {"host": host, "plan": plan, "venue": venue, "join_url": join_url},
    )


# --- projector --------------------------------------------------------------------------------


async def _projector_venue(
    db: Database, venue_id: str, key: str, cookie: str | None
) -> VenueRecord:
    """The capability link's venue, or the venue of a convening of the logged-in host."""
    if key:
        return await venues.projector_venue(db, venue_id, key)
    viewer = await resolve_viewer(db, cookie, now=utc_now())
    if viewer.host is None:
        raise NotFound("venue")
    return await venues.host_projector_venue(db, viewer.host, venue_id)


@router.get("/v/{venue_id}/projector")
async def projector_page(request: Request, venue_id: str, db: DbDep, key: str = "") -> Response:
    venue = await _projector_venue(db, venue_id, key, request.cookies.get(HOST_COOKIE))
    socket_url = f"/ws/projector/{venue.public_id}" + (f"?key={key}" if key else "")
    return render(request, "venue/projector.html", {"venue": venue, "socket_url": socket_url})


def projector_json(
    state: LiveSnapshot, venue: VenueRecord, language: str, grace: timedelta
) -> dict[str, Any]:
    now = utc_now()
    translate = i18n.translations_for(language).gettext
    common = snapshot_common(state, now, grace, language)
    return venues.projector_view(
        state, venue, now=now, grace=grace, common=common, translate=translate
    )


async def _refuse(ws: WebSocket, code: int, reason: str) -> None:
    """Accept and close at once with a code the client reads (docs/live-protocol.md)."""
    await ws.accept()
    await ws.close(code, reason)


@socket_router.websocket("/ws/projector/{venue_id}")
async def projector_socket(ws: WebSocket, venue_id: str, key: str = "") -> None:
    """Read-only: the venue's view after every change; anything the client sends but a
    ping is ignored."""
    settings: Settings = ws.app.state.settings
    db: Database = ws.app.state.db
    hub = ws.app.state.hub
    if not origin_allowed(
        ws.headers.get("origin"), ws.headers.get("host"), settings.public_base_url
    ):
        await _refuse(ws, close_codes.CLOSE_FORBIDDEN, "origin not allowed")
        return
    try:
        venue = await _projector_venue(db, venue_id, key, ws.cookies.get(HOST_COOKIE))
    except NotFound:
        await _refuse(ws, close_codes.CLOSE_NOT_FOUND, "not found")
        return
    if not ws.app.state.socket_counts.claim(ws, "live", f"v{venue.id}"):
        await _refuse(ws, CLOSE_TOO_MANY_SOCKETS, TOO_MANY_REASON)
        return
    await ws.accept()
    grace = timedelta(seconds=settings.wrap_up_seconds)
    language = i18n.current_language()
    conn = ProjectorConnection(
        socket=ws,
        convening_id=venue.convening_id,
        participant_id=None,
        language=language,
        connected_at=utc_now(),
        render=lambda state: projector_json(state, venue, language, grace),
    )

    hub.add(conn)
    try:
        while True:
            frame = await ws.receive()
            if frame["type"] == "websocket.disconnect":
                break
            raw = frame.get("text") or frame.get("bytes") or b""
            if len(raw) > protocol.MAX_FRAME_BYTES:
                conn.close(close_codes.CLOSE_TOO_BIG, "frame too big")
                break
            try:
                message = protocol.parse_participant(raw)
            except protocol.BadMessage:
                continue  # read-only: nothing a projector sends can change anything
            # Hello (first frame and after a reconnect): the current view; ping: pong.
            if isinstance(message, protocol.Ping):
                conn.send(replies.pong())
            elif isinstance(message, protocol.Hello):
                state = await load_snapshot(db, venue.convening_id)
                conn.send(projector_json(state, venue, language, grace))
    except WebSocketDisconnect:
        pass
    finally:
        await hub.remove(conn)
