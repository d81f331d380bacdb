"""Calls for help, as the host answers them (#29): join the caller's group, mark resolved.

"Join this group" puts the host into that group's call: in the in-browser call the host
becomes one more peer of the group's mesh (signalled as ``"host"`` over the live sockets),
in a Jitsi call they get the group's room, with Zoom the breakout room's name. "Resolved"
closes the call for help and says whom to tell: the person who called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crossroads.convenings import rounds
from crossroads.convenings.calls import TALKING_PHASES, CallConfig, call_for
from crossroads.convenings.errors import NotAllowed
from crossroads.convenings.live_state import load_snapshot
from crossroads.live import replies
from crossroads.live.events import HelpCalled, HelpResolved
from crossroads.live.publisher import Events
from crossroads.live.replies import Relay
from crossroads.notes.blocks import block_name
from crossroads.store import help_desk as help_store
from crossroads.store import live as live_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import ParticipantRecord

# How the host appears in a group's call signalling; never a participant's public id
# (those are random URL-safe tokens of 8 or more characters).
HOST_PEER = "host"


class CallEnded(NotAllowed):
    code = "call_ended"


class GroupNotTalking(NotAllowed):
    code = "group_not_talking"


async def call_for_help(
    db: Database, events: Events, participant: ParticipantRecord, *, now: datetime
) -> HelpCalled:
    """A participant asks the hosts for help; after the call has ended there is nobody to
    answer, so it is refused (the round screen no longer offers it either)."""
    async with db.transaction() as tx:
        state = await live_store.get_state(tx, participant.convening_id)
    if state.ended_at is not None:
        raise CallEnded("the call has ended")
    return await rounds.call_for_help(db, events, participant, now=now)


async def resolve(
    db: Database, events: Events, convening_id: int, help_id: int, *, now: datetime
) -> tuple[HelpResolved, Relay]:
    """Mark a call for help resolved; returns the event and the notice for the person who
    called (``help_resolved``, shown on their round screen)."""
    async with db.transaction() as tx:
        found = await help_store.get_help_call(tx, convening_id, help_id)
    if found is None:
        raise NotFound("help call")
    resolved = await rounds.resolve_help(db, events, convening_id, help_id, now=now)
    return resolved, Relay.people([found[0].participant_id], replies.help_resolved(help_id))


@dataclass(frozen=True, slots=True)
class Visit:
    """The group a host joined: whom to signal, and how to join its call."""

    help_id: int
    caller_id: int
    run_id: int
    group_number: int
    members: tuple[ParticipantRecord, ...]  # present members
    call: dict[str, object]
    # The group's block in the full notes page (its first prompt's), "" if the round has none.
    notes_anchor: str = ""

    def member_ids(self) -> list[int]:
        return [m.id for m in self.members]


async def join_group(
    db: Database,
    convening_id: int,
    help_id: int,
    *,
    config: CallConfig,
    host_name: str,
    now: datetime,
    grace: timedelta,
) -> Visit:
    """The group the call for help ``help_id`` came from, if it is still talking."""
    async with db.transaction() as tx:
        found = await help_store.get_help_call(tx, convening_id, help_id)
    if found is None:
        raise NotFound("help call")
    record, run_id = found
    state = await load_snapshot(db, convening_id)
    if (
        state.run is None
        or run_id != state.run.id
        or record.group_number is None
        or state.phase(now, grace) not in TALKING_PHASES
    ):
        raise GroupNotTalking("that group is not talking any more")
    group = next((g for g in state.groups if g.number == record.group_number), None)
    if group is None or not group.present:
        raise GroupNotTalking("that group is not talking any more")
    members = tuple(state.people[m] for m in group.present if m in state.people)
    prompts = state.round.prompts if state.round is not None else ()
    anchor = ""
    if prompts:
        # The id notes/page.html gives the block: its root name with ":" as "-".
        anchor = block_name(prompts[0].public_id, state.run.number, group.number).replace(":", "-")
    return Visit(
        help_id=help_id,
        caller_id=record.participant_id,
        run_id=state.run.id,
        group_number=group.number,
        members=members,
        call=call_for(config, state, group, name=host_name, peer=HOST_PEER, now=now),
        notes_anchor=anchor,
    )


async def mute_audio_target(db: Database, convening_id: int, participant_public_id: str) -> int:
    """The participant of this convening whose microphone the host mutes (not removed)."""
    state = await load_snapshot(db, convening_id)
    person = next((p for p in state.people.values() if p.public_id == participant_public_id), None)
    if person is None or person.id in state.removed:
        raise NotFound("participant")
    return person.id
