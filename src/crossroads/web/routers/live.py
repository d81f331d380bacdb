"""The live sockets: one per participant (/ws/live/...) and one per host console (/ws/host/...).

This module parses a frame, looks its message type up in a table (``PARTICIPANT_COMMANDS``,
``HOST_COMMANDS``), runs the one use case it names and sends the reply (live/replies.py).
The use cases announce their own changes through the publisher (live/publisher.py) once
they commit; the hub's wiring and views live in live/ and convenings/live_views.py.

Authenticated by the session cookie, Origin checked. Refusals accept the handshake and close
at once with a code the client can read (4401 no session, 4403 wrong origin or not allowed,
4404 not your convening); see docs/live-protocol.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from crossroads import close_codes, collector
from crossroads.close_codes import CLOSE_TOO_MANY_SOCKETS
from crossroads.convenings import (
    call_relay,
    calls,
    help_desk,
    moderation,
    presence,
    rounds,
    safety,
)
from crossroads.convenings.access import resolve_viewer
from crossroads.convenings.calls import CallConfig
from crossroads.convenings.errors import ConveningError, FieldInvalid, PreviewChanged
from crossroads.convenings.invitations import InviteLinks, LinkRenewal
from crossroads.convenings.live_state import LiveSnapshot
from crossroads.convenings.planning import (
    get_plan_for_host,
    get_plan_for_participant,
)
from crossroads.live import protocol, replies
from crossroads.live.errors import LiveError
from crossroads.live.events import LiveEvent
from crossroads.live.hub import Connection, LiveHub
from crossroads.live.publisher import Events
from crossroads.settings import Settings
from crossroads.store.database import Database
from crossroads.store.errors import NotFound, StoreError
from crossroads.store.records import ParticipantRecord
from crossroads.web import host_console, i18n
from crossroads.web.auth import HOST_COOKIE, PARTICIPANT_COOKIE, utc_now
from crossroads.web.ratelimit import RateLimits
from crossroads.web.round_plans import RoundPlans
from crossroads.web.security import origin_allowed
from crossroads.web.socket_caps import TOO_MANY_REASON

router = APIRouter()
log = structlog.get_logger(__name__)


async def _refuse(ws: WebSocket, code: int, reason: str) -> None:
    await ws.accept()
    await ws.close(code, reason)


def _origin_ok(ws: WebSocket, settings: Settings) -> bool:
    return origin_allowed(
        ws.headers.get("origin"), ws.headers.get("host"), settings.public_base_url
    )


async def _frames(ws: WebSocket) -> Any:
    """Text or binary frames until the peer goes away."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("text")
        if data is None:
            data = message.get("bytes") or b""
        yield data


async def _serve(
    ws: WebSocket,
    hub: LiveHub,
    conn: Connection,
    parse: Callable[[str | bytes], Any],
    handle: Callable[[Any], Awaitable[None]],
) -> None:
    """Read frames until the peer leaves: a bad frame gets an error reply (the connection
    stays), a use case's refusal too; a frame over the size limit closes with 1009."""
    hub.add(conn)
    try:
        async for raw in _frames(ws):
            if len(raw) > protocol.MAX_FRAME_BYTES:
                conn.close(close_codes.CLOSE_TOO_BIG, "frame too big")
                break
            try:
                message = parse(raw)
            except protocol.BadMessage as exc:
                conn.send(replies.error(exc.code, exc.detail))
                continue
            try:
                await handle(message)
            except (ConveningError, StoreError, LiveError) as exc:
                conn.send(_error_reply(exc))
    except WebSocketDisconnect:
        pass
    finally:
        await hub.remove(conn)


def _error_reply(exc: Exception) -> replies.Error:
    if isinstance(exc, FieldInvalid):
        return replies.error(exc.code, f"{exc.field}: {exc.message.format(**exc.params)}")
    code = getattr(exc, "code", "error")
    return replies.error(code, str(exc) or code)


@router.websocket("/ws/live/{public_id}")
async def participant_socket(ws: WebSocket, public_id: str) -> None:
    settings: Settings = ws.app.state.settings
    db: Database = ws.app.state.db
    hub: LiveHub = ws.app.state.hub
    if not _origin_ok(ws, settings):
        await _refuse(ws, close_codes.CLOSE_FORBIDDEN, "origin not allowed")
        return
    viewer = await resolve_viewer(db, ws.cookies.get(PARTICIPANT_COOKIE), now=utc_now())
    you = viewer.participant
    if you is None:
        await _refuse(ws, close_codes.CLOSE_NOT_AUTHENTICATED, "join the convening first")
        return
    try:
        await get_plan_for_participant(db, you, public_id)
    except NotFound:
        await _refuse(ws, close_codes.CLOSE_NOT_FOUND, "not found")
        return
    if not ws.app.state.socket_counts.claim(ws, "live", f"p{you.id}"):
        await _refuse(ws, CLOSE_TOO_MANY_SOCKETS, TOO_MANY_REASON)
        return
    await ws.accept()
    conn = Connection(
        socket=ws,
        convening_id=you.convening_id,
        participant_id=you.id,
        language=i18n.current_language(),
        connected_at=utc_now(),
    )
    grace = timedelta(seconds=settings.wrap_up_seconds)

    app = ws.app.state

    async def handle(message: Any) -> None:
        c = _Participant(db, app.publisher, hub, conn, you, grace, app.rate_limits, utc_now())
        await PARTICIPANT_COMMANDS[type(message)](c, message)

    await _serve(ws, hub, conn, protocol.parse_participant, handle)


@dataclass(frozen=True, slots=True)
class _Participant:
    """What a participant's command handler is given: who sent it, on which socket."""

    db: Database
    events: Events
    hub: LiveHub
    conn: Connection
    you: ParticipantRecord
    grace: timedelta
    limits: RateLimits
    now: datetime


async def _hello(c: _Participant, message: protocol.Hello) -> None:
    cid = c.conn.convening_id
    greeting = await presence.greet(
        c.db,
        c.events,
        c.you,
        last_seq=message.last_seq,
        held=c.hub.last_shown(cid),
        now=c.now,
        grace=c.grace,
    )
    c.hub.remember(cid, greeting.state)
    if greeting.resumed:
        c.conn.send(replies.resumed(greeting.state.seq))
    else:
        c.conn.send(c.hub.view_for(greeting.state, c.conn))
    if greeting.chat is not None:
        c.conn.send(greeting.chat)


async def _call_help(c: _Participant, _message: protocol.CallHelp) -> None:
    await help_desk.call_for_help(c.db, c.events, c.you, now=c.now)
    c.conn.send(replies.help_sent())


async def _sit_out(c: _Participant, message: protocol.SitOut) -> None:
    await presence.sit_out(c.db, c.events, c.you, sitting_out=message.sitting_out, now=c.now)


async def _block(c: _Participant, message: protocol.Block) -> None:
    await moderation.block_person(c.db, c.events, c.you, message.participant, now=c.now)
    c.conn.send(replies.blocked(message.participant))


async def _pong(c: _Participant | _Host, _message: protocol.Ping) -> None:
    c.conn.send(replies.pong())


async def _state(c: _Participant) -> LiveSnapshot:
    """The state this node last showed if nothing happened since, else read afresh."""
    state = await presence.current_snapshot(c.db, c.you, c.hub.last_shown(c.conn.convening_id))
    c.hub.remember(c.conn.convening_id, state)
    return state


async def _chat(c: _Participant, message: protocol.Chat) -> None:
    """A line for the sender's group chat; the use case says whom it reaches."""
    line = await calls.send_chat(
        c.db,
        await _state(c),
        c.you.id,
        text=message.text,
        share=message.share,
        now=c.now,
        grace=c.grace,
        allow=lambda: c.limits.allow_chat(c.you.id),
    )
    await c.hub.deliver(c.conn.convening_id, line)


async def _signal(c: _Participant, message: call_relay.CallMessage) -> None:
    """Call signalling: the use case decides whom it reaches (the sender's group only, and a
    host who joined it), or refuses with ``not_in_group``."""
    if not c.limits.allow_signal(c.you.id):
        c.conn.send(replies.error("rate_limited", "too many call messages; wait a moment"))
        return
    state = await _state(c)
    for relay in call_relay.route_signal(state, c.you.id, message, now=c.now, grace=c.grace):
        await c.hub.deliver(c.conn.convening_id, relay)


# Each message a participant may send, and the one use case it runs.
PARTICIPANT_COMMANDS: dict[type, Callable[[_Participant, Any], Awaitable[None]]] = {
    protocol.Hello: _hello,
    protocol.Ping: _pong,
    protocol.CallHelp: _call_help,
    protocol.SitOut: _sit_out,
    protocol.Block: _block,
    **{kind: _signal for kind in (*protocol.CALL_SIGNALS, protocol.CallLeave)},
    protocol.Chat: _chat,
}


@router.websocket("/ws/host/{public_id}")
async def host_socket(ws: WebSocket, public_id: str) -> None:
    settings: Settings = ws.app.state.settings
    db: Database = ws.app.state.db
    hub: LiveHub = ws.app.state.hub
    if not _origin_ok(ws, settings):
        await _refuse(ws, close_codes.CLOSE_FORBIDDEN, "origin not allowed")
        return
    viewer = await resolve_viewer(db, ws.cookies.get(HOST_COOKIE), now=utc_now())
    if viewer.host is None:
        await _refuse(ws, close_codes.CLOSE_NOT_AUTHENTICATED, "log in as a host")
        return
    try:
        plan = await get_plan_for_host(db, viewer.host, public_id)
    except NotFound:
        await _refuse(ws, close_codes.CLOSE_NOT_FOUND, "not found")
        return
    if not ws.app.state.socket_counts.claim(ws, "live", f"h{viewer.host.id}"):
        await _refuse(ws, CLOSE_TOO_MANY_SOCKETS, TOO_MANY_REASON)
        return
    await ws.accept()
    convening_id = plan.convening.id
    conn = Connection(
        socket=ws,
        convening_id=convening_id,
        participant_id=None,
        language=i18n.current_language(),
        connected_at=utc_now(),
    )

    renewal = LinkRenewal(
        InviteLinks(base_url=settings.public_base_url, secret_key=settings.resolved_secret_key),
        settings.invite_days,
    )
    app = ws.app.state
    session = host_console.HostSession(viewer.host)
    grace = timedelta(seconds=settings.wrap_up_seconds)

    async def handle(message: Any) -> None:
        console = _Console(app.previews, session, app.call_config, grace)
        c = _Host(db, app.publisher, hub, conn, app.round_plans, renewal, utc_now(), console)
        event = await HOST_COMMANDS[type(message)](c, message)
        if event is not None:
            conn.send(replies.done(message.type, event.seq))

    try:
        await _serve(ws, hub, conn, protocol.parse_host, handle)
    finally:
        await host_console.on_close(hub, conn, session)


@dataclass(frozen=True, slots=True)
class _Console:
    """The host console's own pieces (#29): the preview, the group the host joined."""

    previews: Any
    session: host_console.HostSession
    config: CallConfig
    grace: timedelta


@dataclass(frozen=True, slots=True)
class _Host:
    """What a host console's command handler is given."""

    db: Database
    events: Events
    hub: LiveHub
    conn: Connection
    plans: RoundPlans
    renewal: LinkRenewal
    now: datetime
    console: Any = None  # a _Console: the preview and the joined group (#29)

    @property
    def cid(self) -> int:
        return self.conn.convening_id


async def _host_hello(c: _Host, _message: protocol.Hello) -> None:
    c.hub.refresh_now(c.cid, participants=set())
    c.console.previews.send_to(c.conn)  # the next round's groups, if worked out (#29)


async def _start_round(c: _Host, m: protocol.StartRound) -> LiveEvent:
    previews = c.console.previews
    # With a preview's token (#29): exactly the groups the host saw, if they still hold.
    shown = previews.current(c.cid) if m.preview is not None else None
    try:
        # From here to the fan-out everyone is waiting for their partner: no collections.
        with collector.paused():
            started = await rounds.start_round(
                c.db,
                c.events,
                c.cid,
                present=await c.hub.present_everywhere(c.cid),
                now=c.now,
                round_public_id=m.round,
                plan=c.plans.take(c.cid),
                exact=shown.plan if shown is not None and shown.token == m.preview else None,
                insist=m.preview is not None and previews.has_moves(c.cid),
            )
    except PreviewChanged:
        previews.send_to(c.conn)  # the host looks at the groups again
        c.hub.refresh_now(c.cid, participants=set())  # and they are worked out afresh
        raise
    if m.preview is not None:
        previews.forget(c.cid)
    return started


async def _remove(c: _Host, m: protocol.Remove) -> LiveEvent:
    renew = c.renewal if m.renew_link else None
    return await moderation.remove_person(
        c.db, c.events, c.cid, participant_public_id=m.participant, now=c.now, renew_link=renew
    )


async def _resolve_help(c: _Host, m: protocol.ResolveHelp) -> LiveEvent:
    resolved, notice = await help_desk.resolve(c.db, c.events, c.cid, m.id, now=c.now)
    await c.hub.deliver(c.cid, notice)  # the person who called is told (#29)
    return resolved


async def _console(c: _Host, m: Any) -> LiveEvent | None:
    """The console's newer commands (#29), in web/host_console.py."""
    k = c.console
    return await host_console.handle(
        c.db,
        c.events,
        c.hub,
        c.conn,
        k.session,
        m,
        previews=k.previews,
        config=k.config,
        grace=k.grace,
    )


# Each message a host console may send and the one use case it runs; a use case's event
# (announced by the publisher once committed) is acknowledged with ``done``.
HOST_COMMANDS: dict[type, Callable[[_Host, Any], Awaitable[LiveEvent | None]]] = {
    protocol.Ping: _pong,
    protocol.Hello: _host_hello,
    protocol.StartRound: _start_round,
    protocol.Extend: lambda c, m: rounds.extend_round(
        c.db, c.events, c.cid, minutes=m.minutes, now=c.now
    ),
    protocol.EndRound: lambda c, m: rounds.end_round(c.db, c.events, c.cid, now=c.now),
    protocol.EndCall: lambda c, m: rounds.end_call(c.db, c.events, c.cid, now=c.now),
    protocol.Broadcast: lambda c, m: rounds.broadcast(
        c.db, c.events, c.cid, text=m.text, now=c.now
    ),
    protocol.Move: lambda c, m: moderation.move_person(
        c.db, c.events, c.cid, participant_public_id=m.participant, group_number=m.group
    ),
    protocol.Remove: _remove,
    protocol.Mute: lambda c, m: safety.mute_person(
        c.db, c.events, c.cid, participant_public_id=m.participant, muted=m.muted, now=c.now
    ),
    protocol.Lock: lambda c, m: safety.lock_convening(c.db, c.events, c.cid, locked=m.locked),
    protocol.ResolveHelp: _resolve_help,
    **{kind: _console for kind in host_console.COMMANDS},
}
