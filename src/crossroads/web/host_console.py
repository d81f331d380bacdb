"""The host console's newer commands (#29): the next round's preview, joining a group that
called for help, muting a microphone, dismissing a report, and the host's call signalling.

Kept apart from ``routers/live.py`` (which dispatches to ``handle`` for these types) so the
live router stays a thin dispatcher. Every command is scoped to the console's convening:
ids of another convening's people, help calls or reports are not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from crossroads import collector
from crossroads.convenings import help_desk, preview, rounds, safety
from crossroads.convenings.calls import CallConfig
from crossroads.convenings.errors import NotInGroup
from crossroads.live import protocol
from crossroads.live.events import LiveEvent
from crossroads.live.hub import Connection, LiveHub
from crossroads.live.publisher import Events
from crossroads.store.database import Database
from crossroads.store.records import HostRecord
from crossroads.web.auth import utc_now
from crossroads.web.previews import HostPreviews
from crossroads.web.round_plans import RoundPlans

COMMANDS = (
    protocol.PreviewMove,
    protocol.JoinGroup,
    protocol.MuteAudio,
    protocol.DismissReport,
    *protocol.CALL_SIGNALS,
    protocol.CallLeave,
)


@dataclass
class HostSession:
    """One console connection: who the host is and the group call they joined, if any."""

    host: HostRecord
    visit: help_desk.Visit | None = field(default=None)


async def start_previewed(
    db: Database,
    events: Events,
    hub: LiveHub,
    conn: Connection,
    previews: HostPreviews,
    plans: RoundPlans,
    token: str,
) -> LiveEvent:
    """Start exactly the groups the host saw (``token``). If they changed meanwhile (someone
    arrived or left in the moment before the click): with moves of the host's in them, refuse
    and show the new groups, since the host's choices must never be dropped unseen; without,
    start as a plain Start does (the preview was the engine's plan and was about to update)."""
    cid = conn.convening_id
    shown = previews.current(cid)
    # From here to the fan-out everyone is waiting for their partner: no collections.
    with collector.paused():
        try:
            if shown is None or shown.token != token:
                raise preview.PreviewChanged("the groups changed just now: look at them again")
            started: LiveEvent = await preview.start_previewed(
                db, events, shown, present=await hub.present_everywhere(cid), now=utc_now()
            )
        except preview.PreviewChanged:
            if previews.has_moves(cid):
                previews.send_to(conn)
                hub.refresh_now(cid, participants=set())  # work the groups out again
                raise
            started = await rounds.start_round(
                db,
                events,
                cid,
                present=await hub.present_everywhere(cid),
                now=utc_now(),
                plan=plans.take(cid),
            )
    previews.forget(cid)
    return started


async def handle(
    db: Database,
    events: Events,
    hub: LiveHub,
    conn: Connection,
    session: HostSession,
    message: Any,
    *,
    previews: HostPreviews,
    config: CallConfig,
    grace: timedelta,
) -> LiveEvent | None:
    cid = conn.convening_id
    now = utc_now()
    if isinstance(message, protocol.PreviewMove):
        previews.move(cid, person_public_id=message.participant, group_number=message.group)
        return None
    if isinstance(message, protocol.JoinGroup):
        visit = await help_desk.join_group(
            db,
            cid,
            message.help,
            config=config,
            host_name=session.host.display_name,
            now=now,
            grace=grace,
        )
        await _leave(hub, conn, session)
        session.visit = visit
        await hub.relay(
            cid,
            visit.member_ids(),
            {"v": 1, "type": "host_joined", "name": session.host.display_name},
        )
        conn.send(
            {
                "v": 1,
                "type": "joined_group",
                "help": visit.help_id,
                "group": visit.group_number,
                "members": [{"id": m.public_id, "name": m.display_name} for m in visit.members],
                "call": visit.call,
            }
        )
        return None
    if isinstance(message, protocol.MuteAudio):
        target = await help_desk.mute_audio_target(db, cid, message.participant)
        await hub.relay(cid, [target], {"v": 1, "type": "audio_muted"})
        conn.send({"v": 1, "type": "done", "command": message.type, "seq": 0})
        return None
    if isinstance(message, protocol.DismissReport):
        return await safety.dismiss_report(db, events, cid, message.id, now=now)
    if isinstance(message, protocol.CallLeave) and message.to is None:
        await _leave(hub, conn, session)
        return None
    # Call signalling from the host: only to a member of the group they joined.
    visit = session.visit
    target = next(
        (m.id for m in visit.members if m.public_id == message.to) if visit else iter(()), None
    )
    if visit is None or target is None:
        raise NotInGroup("you can only call the people of the group you joined")
    relayed = message.model_dump(exclude={"to"})
    relayed["from"] = help_desk.HOST_PEER
    await hub.relay(cid, [target], relayed)
    return None


async def _leave(hub: LiveHub, conn: Connection, session: HostSession) -> None:
    """The host hangs up on the group they joined (or joins another): its members drop them."""
    visit, session.visit = session.visit, None
    if visit is None:
        return
    await hub.relay(
        conn.convening_id,
        visit.member_ids(),
        {"v": 1, "type": "host_left", "from": help_desk.HOST_PEER},
    )


async def on_close(hub: LiveHub, conn: Connection, session: HostSession) -> None:
    await _leave(hub, conn, session)
