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

from crossroads.convenings import call_relay, help_desk, safety
from crossroads.convenings.calls import CallConfig
from crossroads.live import protocol, replies
from crossroads.live.events import LiveEvent
from crossroads.live.hub import Connection, LiveHub
from crossroads.live.publisher import Events
from crossroads.store.database import Database
from crossroads.store.records import HostRecord
from crossroads.web.auth import utc_now
from crossroads.web.previews import HostPreviews

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
        joined = replies.host_joined(session.host.display_name)
        await hub.deliver(cid, replies.Relay.people(visit.member_ids(), joined))
        members = [replies.member(m.public_id, m.display_name) for m in visit.members]
        conn.send(
            replies.joined_group(
                visit.help_id, visit.group_number, members, visit.call, visit.notes_anchor
            )
        )
        return None
    if isinstance(message, protocol.MuteAudio):
        target = await help_desk.mute_audio_target(db, cid, message.participant)
        await hub.deliver(cid, replies.Relay.people([target], replies.audio_muted()))
        conn.send(replies.done_without_event(message.type))
        return None
    if isinstance(message, protocol.DismissReport):
        return await safety.dismiss_report(db, events, cid, message.id, now=now)
    if isinstance(message, protocol.CallLeave) and message.to is None:
        await _leave(hub, conn, session)
        return None
    # Call signalling from the host: only to a member of the group they joined.
    await hub.deliver(cid, call_relay.route_host_signal(session.visit, message))
    return None


async def _leave(hub: LiveHub, conn: Connection, session: HostSession) -> None:
    """The host hangs up on the group they joined (or joins another): its members drop them."""
    visit, session.visit = session.visit, None
    for relay in call_relay.host_hang_up(visit):
        await hub.deliver(conn.convening_id, relay)


async def on_close(hub: LiveHub, conn: Connection, session: HostSession) -> None:
    await _leave(hub, conn, session)
