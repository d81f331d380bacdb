"""The live sockets: one per participant (/ws/live/...) and one per host console (/ws/host/...).

Authenticated by the session cookie, Origin checked. Refusals accept the handshake and close
at once with a code the client can read (4401 no session, 4403 wrong origin or not allowed,
4404 not your convening); see docs/live-protocol.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from crossroads import close_codes, collector
from crossroads.close_codes import CLOSE_TOO_MANY_SOCKETS
from crossroads.convenings import calls, invitations, rounds, safety
from crossroads.convenings.access import resolve_viewer
from crossroads.convenings.calls import CallConfig
from crossroads.convenings.errors import ConveningError, FieldInvalid
from crossroads.convenings.invitations import InviteLinks
from crossroads.convenings.live_views import ViewCache, ViewRenderer, host_view
from crossroads.convenings.planning import get_plan_by_id, get_plan_for_host
from crossroads.live import protocol
from crossroads.live.calls import CallMode, split_urls
from crossroads.live.cluster import Cluster
from crossroads.live.errors import LiveError
from crossroads.live.hub import Connection, LiveHub
from crossroads.notes.control import RoomControl
from crossroads.settings import Settings
from crossroads.store.database import Database
from crossroads.store.errors import NotFound, StoreError
from crossroads.web import i18n, venue_live
from crossroads.web.auth import HOST_COOKIE, PARTICIPANT_COOKIE, utc_now
from crossroads.web.ratelimit import RateLimits
from crossroads.web.round_plans import RoundPlans
from crossroads.web.security import origin_allowed
from crossroads.web.socket_caps import TOO_MANY_REASON

router = APIRouter()
log = structlog.get_logger(__name__)


def call_config(settings: Settings) -> CallConfig:
    """The call settings as the use cases take them (see docs/configuration.md)."""
    return CallConfig(
        mode=CallMode(settings.call_mode),
        stun_urls=tuple(split_urls(settings.stun_urls)),
        turn_urls=tuple(split_urls(settings.turn_urls)),
        turn_secret=settings.turn_secret,
        turn_ttl=timedelta(seconds=settings.turn_ttl_seconds),
        jitsi_url=settings.jitsi_url,
        jitsi_app_id=settings.jitsi_app_id,
        jitsi_app_secret=settings.jitsi_app_secret,
        room_secret=settings.resolved_secret_key,
    )


def participant_json(
    state: rounds.LiveState,
    conn: Connection,
    cache: dict[Any, Any],
    grace: timedelta,
    config: CallConfig | None = None,
    views: ViewCache | None = None,
) -> str:
    """A participant's view; ``cache`` shares the encoding work of one fan-out per language
    (a reconnect's single view passes an empty one), ``views`` the work of earlier ones."""
    assert conn.participant_id is not None
    renderer = cache.get(conn.language)
    if renderer is None:
        renderer = cache[conn.language] = ViewRenderer(
            state,
            now=utc_now(),
            grace=grace,
            language=conn.language,
            translate=i18n.translations_for(conn.language).gettext,
            call_config=config,
            views=views,
        )
    text = renderer.json_for(conn.participant_id)
    return venue_live.with_place(state, conn.participant_id, text, renderer.translate, cache)


def create_hub(
    db: Database, settings: Settings, views: ViewCache, cluster: Cluster | None = None
) -> LiveHub:
    """Wire the hub to the database and the views (kept out of ``live/`` on purpose)."""
    from crossroads.live.bus import create_bus

    grace = timedelta(seconds=settings.wrap_up_seconds)
    config = call_config(settings)

    def render_participant(state: rounds.LiveState, conn: Connection, cache: dict[Any, Any]) -> str:
        return participant_json(state, conn, cache, grace, config, views)

    def render_host(state: rounds.LiveState, conn: Connection, present: set[int]) -> Any:
        if (view := venue_live.own_view(conn, state)) is not None:
            return view  # a venue's projector (#32)
        translations = i18n.translations_for(conn.language)
        return host_view(
            state,
            now=utc_now(),
            grace=grace,
            language=conn.language,
            translate=translations.gettext,
            connected=present,
            views=views,
        )

    async def on_departure(convening_id: int, participant_id: int) -> None:
        change = await rounds.depart(db, participant_id, convening_id, now=utc_now(), grace=grace)
        if change is not None:
            await publish(hub, change)

    async def load_state(convening_id: int) -> rounds.LiveState:
        return await rounds.load_state(db, convening_id)

    def removed_of(state: rounds.LiveState) -> frozenset[int]:
        return state.removed

    hub = LiveHub(
        create_bus(settings.redis_url, prefix=settings.redis_prefix),
        load_state=load_state,
        render_participant=render_participant,
        render_host=render_host,
        on_departure=on_departure,
        departure_grace=settings.partner_grace_seconds,
        cluster=cluster,
        removed_of=removed_of,
    )
    return hub


async def publish(hub: LiveHub, change: rounds.Change) -> None:
    event: dict[str, Any] = {"kind": change.kind, "seq": change.seq}
    if change.participants is not None:
        event["participants"] = sorted(change.participants)
    if change.text:
        event["text"] = change.text
    await hub.publish(change.convening_id, event, change.state)


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
                conn.send(protocol.error(exc.code, exc.detail))
                continue
            try:
                await handle(message)
            except (ConveningError, StoreError, LiveError) as exc:
                conn.send(_error_reply(exc))
    except WebSocketDisconnect:
        pass
    finally:
        await hub.remove(conn)


def _error_reply(exc: Exception) -> dict[str, object]:
    if isinstance(exc, FieldInvalid):
        return protocol.error(exc.code, f"{exc.field}: {exc.message.format(**exc.params)}")
    code = getattr(exc, "code", "error")
    return protocol.error(code, str(exc) or code)


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
    plan = await get_plan_by_id(db, you.convening_id)
    if plan.convening.public_id != public_id:
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

    async def handle(message: Any) -> None:
        await _participant_command(db, hub, conn, you, message, grace, ws.app)

    await _serve(ws, hub, conn, protocol.parse_participant, handle)


async def _participant_command(
    db: Database,
    hub: LiveHub,
    conn: Connection,
    you: Any,
    message: Any,
    grace: timedelta,
    app: Any,
) -> None:
    now = utc_now()
    if isinstance(message, (*protocol.CALL_SIGNALS, protocol.CallLeave, protocol.Chat)):
        await _call_command(db, hub, conn, you, message, grace, app.state.rate_limits)
        return
    if isinstance(message, protocol.Ping):
        conn.send({"v": 1, "type": "pong"})
        return
    if isinstance(message, protocol.Hello):
        state = await _current_state(db, hub, conn.convening_id, you.id)
        change = await rounds.arrive(db, you, now=now, grace=grace, state=state)
        if change is not None:
            await publish(hub, change)
            state = await _current_state(db, hub, conn.convening_id, you.id)
        if 0 < message.last_seq == state.seq and change is None:
            conn.send({"v": 1, "type": "resumed", "seq": state.seq})
        else:
            conn.send(
                participant_json(state, conn, {}, grace, app.state.call_config, app.state.views)
            )
        history = await calls.chat_history(db, state, you.id, now=now, grace=grace)
        if history is not None:
            conn.send(history)
        return
    if isinstance(message, protocol.CallHelp):
        await publish(hub, await rounds.call_for_help(db, you, now=now))
        conn.send({"v": 1, "type": "help_sent"})
        return
    if isinstance(message, protocol.SitOut):
        await publish(hub, await rounds.sit_out(db, you, sitting_out=message.sitting_out, now=now))
        return
    if isinstance(message, protocol.Block):
        await publish(hub, await rounds.block_person(db, you, message.participant, now=now))
        conn.send({"v": 1, "type": "blocked", "participant": message.participant})
        return


async def _call_command(
    db: Database,
    hub: LiveHub,
    conn: Connection,
    you: Any,
    message: Any,
    grace: timedelta,
    limits: RateLimits,
) -> None:
    """Relay call signalling to one member of the sender's current group, or a chat line to
    the whole group; anything addressed outside it is refused and dropped (``not_in_group``)."""
    now = utc_now()
    if not isinstance(message, protocol.Chat) and not limits.allow_signal(you.id):
        conn.send(protocol.error("rate_limited", "too many call messages; wait a moment"))
        return
    state = await _current_state(db, hub, conn.convening_id, you.id)
    sender = state.people[you.id].public_id if you.id in state.people else ""
    if isinstance(message, protocol.Chat):
        line = await calls.send_chat(
            db,
            state,
            you.id,
            text=message.text,
            share=message.share,
            now=now,
            grace=grace,
            allow=lambda: limits.allow_chat(you.id),
        )
        await hub.relay(conn.convening_id, line.recipients, line.message)
        return
    if isinstance(message, protocol.CallLeave) and message.to is None:
        group = calls.talking_group(state, you.id, now=now, grace=grace)
        others = [] if group is None else [m for m in group.present if m != you.id]
        await hub.relay(conn.convening_id, others, {"v": 1, "type": "call_leave", "from": sender})
        return
    target = calls.signal_target(state, you.id, str(message.to), now=now, grace=grace)
    relayed = message.model_dump(exclude={"to"})
    relayed["from"] = sender
    await hub.relay(conn.convening_id, [target], relayed)


async def _current_state(
    db: Database, hub: LiveHub, convening_id: int, participant_id: int
) -> rounds.LiveState:
    """The state this node last showed if nothing happened since (one small read instead of
    the whole roster: a join storm of thousands stays cheap), else read afresh."""
    held: rounds.LiveState | None = hub.last_shown(convening_id)
    if (
        held is not None
        and participant_id in held.people
        and held.seq == await rounds.current_seq(db, convening_id)
    ):
        return held
    state = await rounds.load_state(db, convening_id)
    hub.remember(convening_id, state)
    return state


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

    host = viewer.host

    async def renew_link() -> None:
        links = InviteLinks(
            base_url=settings.public_base_url, secret_key=settings.resolved_secret_key
        )
        await invitations.shared_invite(
            db, host, public_id, links, now=utc_now(), days=settings.invite_days, renew=True
        )

    async def handle(message: Any) -> None:
        state = ws.app.state
        await _host_command(
            db, hub, conn, message, state.round_plans, state.notes_control, renew_link
        )

    await _serve(ws, hub, conn, protocol.parse_host, handle)


async def _host_command(
    db: Database,
    hub: LiveHub,
    conn: Connection,
    message: Any,
    plans: RoundPlans,
    notes: RoomControl,
    renew_link: Callable[[], Awaitable[None]],
) -> None:
    now = utc_now()
    cid = conn.convening_id
    change: rounds.Change | None = None
    if isinstance(message, protocol.Ping):
        conn.send({"v": 1, "type": "pong"})
    elif isinstance(message, protocol.Hello):
        hub.refresh_now(cid, participants=set())
    elif isinstance(message, protocol.StartRound):
        # From here to the fan-out everyone is waiting for their partner: no collections.
        with collector.paused():
            change = await rounds.start_round(
                db,
                cid,
                present=await hub.present_everywhere(cid),
                now=now,
                round_public_id=message.round,
                plan=plans.take(cid),
            )
            await publish(hub, change)
    elif isinstance(message, protocol.Extend):
        change = await rounds.extend_round(db, cid, minutes=message.minutes, now=now)
    elif isinstance(message, protocol.EndRound):
        change = await rounds.end_round(db, cid, now=now)
    elif isinstance(message, protocol.EndCall):
        change = await rounds.end_call(db, cid, now=now)
    elif isinstance(message, protocol.Broadcast):
        change = await rounds.broadcast(db, cid, text=message.text, now=now)
    elif isinstance(message, protocol.Move):
        change = await rounds.move_person(
            db, cid, participant_public_id=message.participant, group_number=message.group
        )
    elif isinstance(message, protocol.Remove):
        change = await rounds.remove_person(
            db, cid, participant_public_id=message.participant, now=now
        )
        state = await rounds.load_state(db, cid)
        removed = next(
            (p.id for p in state.people.values() if p.public_id == message.participant), None
        )
        if removed is not None:
            await hub.close_participant(cid, removed, close_codes.CLOSE_REMOVED)
            await notes.close_author(
                state.plan.convening.public_id, f"p{removed}", close_codes.CLOSE_REMOVED
            )
        if message.renew_link:
            await renew_link()
    elif isinstance(message, protocol.Mute):
        change, muted_id = await safety.mute_person(
            db, cid, participant_public_id=message.participant, muted=message.muted, now=now
        )
        plan = await get_plan_by_id(db, cid)
        code = close_codes.CLOSE_MUTED if message.muted else close_codes.CLOSE_UNMUTED
        reason = "muted by the host" if message.muted else "unmuted by the host"
        await notes.close_author(plan.convening.public_id, f"p{muted_id}", code, reason)
    elif isinstance(message, protocol.Lock):
        change = await safety.lock_convening(db, cid, locked=message.locked)
    elif isinstance(message, protocol.ResolveHelp):
        change = await rounds.resolve_help(db, cid, message.id, now=now)
    if change is not None:
        if not isinstance(message, protocol.StartRound):
            await publish(hub, change)
        conn.send({"v": 1, "type": "done", "command": message.type, "seq": change.seq})
