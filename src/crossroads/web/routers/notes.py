"""Shared notes: the y-websocket room socket, the participant and host pages, the export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from crossroads import websocket_frames
from crossroads.close_codes import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_REMOVED,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_UNSUPPORTED,
)
from crossroads.close_codes import CLOSE_TRY_AGAIN as CLOSE_RETRY
from crossroads.convenings import joining, notes_access, planning, safety
from crossroads.convenings import notes as notes_cases
from crossroads.harvest.markdown import escape, escape_lines
from crossroads.notes import proxy, tokens
from crossroads.notes.affinity import RoomAffinity, Route
from crossroads.notes.blocks import block_name
from crossroads.notes.errors import RoomElsewhere
from crossroads.notes.reading import FREE_NOTES, section_name
from crossroads.notes.rooms import NotesConnection, RoomServer
from crossroads.settings import Settings
from crossroads.store.records import ConveningStatus
from crossroads.text_language import text_in
from crossroads.web import i18n
from crossroads.web.auth import DbDep, HostDep, ParticipantDep, SettingsDep
from crossroads.web.responses import PAGE_RESPONSES, file_responses, render
from crossroads.web.security import origin_allowed, verify_csrf
from crossroads.web.socket_caps import TOO_MANY_REASON

router = APIRouter(
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)
socket_router = APIRouter()


def _sections(
    plan: planning.Plan, language: str, locked: frozenset[str] = frozenset()
) -> list[dict[str, str]]:
    languages = plan.convening.languages
    sections = []
    for round_ in plan.rounds:
        for prompt in round_.prompts:
            text = text_in(prompt.texts, language, languages)
            sections.append(
                {
                    "id": section_name(prompt.public_id),
                    "prompt": prompt.public_id,
                    "label": text,
                    "locked": "yes" if prompt.public_id in locked else "",
                }
            )
    return sections


def block_heading(heading: notes_cases.BlockHeading | None, group: int) -> str:
    """A group's block is headed by its members' names, or "Group 7" in Chatham House mode."""
    if heading is not None and heading.names:
        return ", ".join(heading.names)
    return i18n.gettext("Group %(n)s") % {"n": group}


def _editable_blocks(
    sections: list[dict[str, str]],
    groups: dict[str, list[notes_cases.BlockHeading]],
    writable: frozenset[str] | None,
) -> dict[str, list[dict[str, str]]]:
    """Per prompt, an editor per group block (collapsed on the page); ``writable`` None: all."""
    out: dict[str, list[dict[str, str]]] = {}
    for section in sections:
        for heading in groups.get(section["prompt"], []):
            name = block_name(section["prompt"], heading.run, heading.group)
            out.setdefault(section["prompt"], []).append(
                {
                    "id": name,
                    "heading": block_heading(heading, heading.group),
                    "mine": "yes" if writable is None or name in writable else "",
                }
            )
    return out


@router.get("/c/{public_id}/notes")
async def participant_notes(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep, settings: SettingsDep
) -> Response:
    lobby = await joining.lobby_for(db, you, public_id)
    if lobby.plan.convening.status is ConveningStatus.ENDED:
        return RedirectResponse(f"/c/{public_id}/notes/read", status_code=303)
    locked = await notes_cases.locked_prompts(db, public_id)
    token = tokens.mint(settings.resolved_secret_key, f"p{you.id}", public_id)
    muted = await safety.is_muted(db, you.id)
    sections = _sections(lobby.plan, i18n.current_language(), locked)
    groups = await notes_cases.blocks_of_prompts(db, lobby.plan)
    writable = await notes_cases.writable_blocks(db, public_id, f"p{you.id}")
    return render(
        request,
        "notes/page.html",
        {
            "plan": lobby.plan,
            "sections": sections,
            "blocks": _editable_blocks(sections, groups, writable),
            "read": f"/c/{public_id}/notes/read",
            "token": token,
            "free": section_name(FREE_NOTES).removeprefix("prompt:"),
            "name": ""
            if lobby.plan.convening.privacy_mode == "chatham_house"
            else you.display_name,
            "back": f"/c/{public_id}/lobby",
            "muted": muted,
        },
    )


@router.get("/c/{public_id}/notes/ticket", response_class=JSONResponse)
async def participant_notes_ticket(
    public_id: str, db: DbDep, you: ParticipantDep, settings: SettingsDep
) -> JSONResponse:
    """What the round screen's notes editor opens the socket with (the lobby page is the same
    for every phase; the editor asks once a round starts). Not cached: it holds a token."""
    lobby = await joining.lobby_for(db, you, public_id)
    chatham = lobby.plan.convening.privacy_mode == "chatham_house"
    return JSONResponse(
        {
            "token": tokens.mint(settings.resolved_secret_key, f"p{you.id}", public_id),
            "name": "" if chatham else you.display_name,
            "muted": await safety.is_muted(db, you.id),
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/host/convenings/{public_id}/notes")
async def host_notes(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep
) -> Response:
    plan = await planning.get_plan_for_host(db, host, public_id)
    locked = await notes_cases.locked_prompts(db, public_id)
    token = tokens.mint(settings.resolved_secret_key, f"h{host.id}", public_id)
    sections = _sections(plan, i18n.current_language(), locked)
    groups = await notes_cases.blocks_of_prompts(db, plan)
    return render(
        request,
        "notes/page.html",
        {
            "plan": plan,
            "sections": sections,
            "blocks": _editable_blocks(sections, groups, None),
            "token": token,
            "free": FREE_NOTES,
            "name": host.display_name,
            "back": f"/host/convenings/{public_id}",
            "export": f"/host/convenings/{public_id}/notes.md",
            "host": host,
        },
    )


@router.get("/c/{public_id}/notes/read")
async def read_notes_page(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep
) -> Response:
    plan, notes = await notes_cases.notes_for_reading(db, you, public_id)
    headings = await notes_cases.block_headings(db, plan)
    return render(
        request,
        "notes/read.html",
        {
            "plan": plan,
            "sections": _sections(plan, i18n.current_language(), notes.locked),
            "texts": notes.sections,
            "blocks": {
                prompt: [
                    {
                        "heading": block_heading(
                            headings.get((b.block.run, b.block.group)), b.block.group
                        ),
                        "text": b.text,
                    }
                    for b in blocks
                ]
                for prompt, blocks in notes.blocks.items()
            },
            "free": notes.sections.get(FREE_NOTES, ""),
            "back": f"/c/{public_id}/lobby",
            "edit": ""
            if plan.convening.status is ConveningStatus.ENDED
            else f"/c/{public_id}/notes",
        },
    )


@router.post("/host/convenings/{public_id}/notes/sections/{prompt_id}/{action}")
async def lock_section(
    request: Request,
    public_id: str,
    prompt_id: str,
    action: Literal["lock", "unlock"],
    db: DbDep,
    host: HostDep,
) -> Response:
    await notes_cases.set_section_lock(
        db,
        host,
        public_id,
        prompt_id=prompt_id,
        locked=action == "lock",
        now=datetime.now(UTC),
        rooms=request.app.state.notes_control,
    )
    return RedirectResponse(f"/host/convenings/{public_id}/notes", status_code=303)


def _markdown(attributed: notes_cases.AttributedNotes) -> str:
    """The notes as Markdown; every piece of user text (title, prompts, notes, names) is
    escaped, so a viewer that renders raw HTML or follows links shows it as typed (#12)."""
    notes, plan = attributed.notes, attributed.plan
    lines = [f"# {escape(plan.convening.title)}", ""]
    labelled = [(s["prompt"], s["label"]) for s in _sections(plan, i18n.current_language())]
    if notes.sections.get(FREE_NOTES, "").strip():
        labelled.append((FREE_NOTES, i18n.gettext("Free notes")))
    for prompt, label in labelled:
        lines += [f"## {escape(label)}", "", escape_lines(notes.sections.get(prompt, "")), ""]
        for block in notes.blocks.get(prompt, []):
            heading = block_heading(
                attributed.headings.get((block.block.run, block.block.group)), block.block.group
            )
            lines += [f"### {escape(heading)}", "", escape_lines(block.text), ""]
        contributions = attributed.contributions.get(prompt)
        if contributions:
            lines += [escape(i18n.gettext("Who wrote what:")), ""]
            lines += [f"- {escape(c.name)}: {escape(c.text)}" for c in contributions]
            lines.append("")
    return "\n".join(lines)


@router.get(
    "/host/convenings/{public_id}/notes.md",
    response_class=Response,
    responses=file_responses("text/markdown"),
)
async def export_notes(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    body = _markdown(await notes_cases.attributed_notes(db, host, public_id))
    return Response(
        body,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="notes-{public_id}.md"'},
    )


PEER_HEADER = "x-crossroads-peer"


@socket_router.websocket("/ws/notes/{room}")
async def notes_socket(ws: WebSocket, room: str) -> None:
    settings: Settings = ws.app.state.settings
    server: RoomServer = ws.app.state.notes
    affinity: RoomAffinity | None = ws.app.state.notes_affinity
    peer = None
    if PEER_HEADER in ws.headers:
        # Another node passing a client on (notes/proxy.py). Its pass is checked, never its
        # address; a bad one is refused, not taken for an ordinary client.
        peer = tokens.verify_peer(settings.resolved_secret_key, ws.headers[PEER_HEADER], room)
        if peer is None:
            await ws.accept()
            await ws.close(CLOSE_FORBIDDEN, "bad peer pass")
            return
    # Behind a peer, the Host the client used is the one the peer forwards.
    host = ws.headers.get("x-forwarded-host") if peer else ws.headers.get("host")
    if not origin_allowed(ws.headers.get("origin"), host, settings.public_base_url):
        await ws.accept()
        await ws.close(CLOSE_FORBIDDEN, "origin not allowed")
        return
    token = ws.query_params.get("token", "")
    ticket = tokens.verify(settings.resolved_secret_key, token, room)
    if ticket is None:
        await ws.accept()
        await ws.close(CLOSE_NOT_AUTHENTICATED, "open the notes from your convening's page")
        return
    if not ws.app.state.socket_counts.claim(ws, "notes", ticket.who):
        await ws.accept()
        await ws.close(CLOSE_TOO_MANY_SOCKETS, TOO_MANY_REASON)
        return
    if affinity is not None:
        decision = await affinity.route(room, loaded=room in server.rooms, from_peer=bool(peer))
        if decision.route is Route.RETRY:
            await ws.accept()
            await ws.close(CLOSE_RETRY, "notes room moving: retrying")
            return
        if decision.route is Route.PROXY:
            await ws.accept()
            await _pass_on(ws, affinity, settings, room, decision.url)
            return
    muted = False
    if ticket.who.startswith("p") and ticket.who[1:].isdigit():
        standing = await notes_access.notes_standing(ws.app.state.db, int(ticket.who[1:]))
        muted = standing.muted
        if standing.removed:
            await ws.accept()
            await ws.close(CLOSE_REMOVED, "removed by the host")
            return
    # Which groups' blocks this person may write, as of now (notes/blocks.py).
    blocks = await notes_cases.writable_blocks(ws.app.state.db, room, ticket.who)
    await ws.accept()
    # A muted person still reads along; the room drops their edits (see RoomServer._update).
    conn = NotesConnection(
        socket=ws,
        author=ticket.who,
        read_only=muted,
        blocks=blocks,
        frames=ws.scope.get("extensions", {}).get(websocket_frames.EXTENSION),
    )

    async def frames() -> bytes | None:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        data = message.get("bytes")
        if data is None:
            conn.close(CLOSE_UNSUPPORTED, "the notes protocol is binary")
            return None
        return bytes(data)

    try:
        await server.serve(room, conn, frames)
    except RoomElsewhere:  # another node took the room between routing and loading
        await ws.close(CLOSE_RETRY, "notes room moving: retrying")


class _Client:
    """The client's socket as the proxy reads it: binary frames until it leaves."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws

    async def receive_frame(self) -> bytes | None:
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        data = message.get("bytes")
        if data is None:
            await self.ws.close(CLOSE_UNSUPPORTED, "the notes protocol is binary")
            return None
        return bytes(data)

    async def send_bytes(self, data: bytes) -> None:
        await self.ws.send_bytes(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.ws.close(code, reason)


async def _pass_on(
    ws: WebSocket, affinity: RoomAffinity, settings: Settings, room: str, owner_url: str
) -> None:
    url = owner_url.replace("http", "ws", 1) + f"/ws/notes/{room}?{ws.url.query}"
    headers = {
        PEER_HEADER: tokens.mint_peer(settings.resolved_secret_key, affinity.node_id, room),
        "Origin": ws.headers.get("origin", ""),
        "X-Forwarded-Host": ws.headers.get("host", ""),
    }
    if ws.client is not None:
        headers["X-Forwarded-For"] = ws.client.host
    upstream = await proxy.open_upstream(url, headers)
    if upstream is None:
        await ws.close(CLOSE_RETRY, "notes room moving: retrying")
        return
    affinity.proxied += 1
    affinity.proxied_total += 1
    try:
        await proxy.pipe(_Client(ws), upstream)
    finally:
        affinity.proxied -= 1
