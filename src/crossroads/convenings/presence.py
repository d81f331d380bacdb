"""Who is in the call: arriving (a late joiner is placed, someone back gets their seat),
leaving (a partner left alone is given someone new), sitting out, and the first view of a
connection.

Each command reads, decides and writes in one unit of work that also takes the next event
number, and records one typed event; nobody else is moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads import pairing
from crossroads.convenings import calls
from crossroads.convenings.live_state import (
    LiveSnapshot,
    Phase,
    current_seq,
    load_snapshot,
    read_snapshot,
)
from crossroads.convenings.seating import (
    as_assignment,
    changed_groups,
    group_size,
    pairing_request,
    person_of,
)
from crossroads.live import replies
from crossroads.live.events import (
    PartnerReplaced,
    PersonArrived,
    PersonLeft,
    PersonReturned,
    SittingOutChanged,
)
from crossroads.live.publisher import Events
from crossroads.store import live as live_store
from crossroads.store.database import Database
from crossroads.store.records import ParticipantRecord


async def sit_out(
    db: Database,
    events: Events,
    participant: ParticipantRecord,
    *,
    sitting_out: bool,
    now: datetime,
) -> SittingOutChanged:
    """Sitting out applies from the next round; a running group is left to its own pace."""
    async with events.unit(db.transaction()) as unit:
        await live_store.set_sitting_out(unit.tx, participant.id, sitting_out, now)
        seq = await live_store.bump_seq(unit.tx, participant.convening_id)
        return unit.record(SittingOutChanged(participant.convening_id, seq, participant.id))


def _placeable(state: LiveSnapshot, now: datetime, grace: timedelta) -> bool:
    return state.phase(now, grace) is Phase.RUNNING and state.run is not None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where ``place`` put someone: back in their seat, or in a group afresh."""

    returned: bool
    touched: frozenset[int]


async def place(
    tx: AsyncSession,
    state: LiveSnapshot,
    participant: ParticipantRecord,
    *,
    now: datetime,
    grace: timedelta,
) -> Placement | None:
    """Seat someone in the running round, inside the caller's transaction (no event number
    taken: the caller's command takes one). Someone who kept their seat gets their group
    back; someone new to this round is placed without moving anyone else. None: nothing to
    do (no round running, sitting out, removed, or already seated)."""
    if (
        not _placeable(state, now, grace)
        or participant.id in state.sitting_out
        or participant.id in state.removed
    ):
        return None
    assert state.run is not None and state.round is not None
    group = state.group_of(participant.id)
    if group is not None:
        others_here = [m for m in group.present if m != participant.id]
        if participant.id not in group.away:
            return None
        if others_here:
            await live_store.set_away(tx, state.run.id, participant.id, False)
            return Placement(returned=True, touched=frozenset(group.members))
        # Their partners were re-paired meanwhile: place them afresh.
    others = [g for g in state.groups if g is not group]
    people = [state.people[pid] for g in others for pid in g.present if pid in state.people]
    met = await live_store.earlier_partners(tx, participant.convening_id, state.run.id)
    request = pairing_request(
        [*people, participant], group_size(state.round), met, state.seq, state.blocked
    )
    # A late joiner may wait alone as a one-person group until someone else arrives.
    waiting = [g for g in others if len(g.present) == 1]
    placed = pairing.place_late_joiner(as_assignment(others), request, person_of(participant))
    changed = changed_groups(others, placed)
    if group is not None:
        await live_store.remove_seat(tx, state.run.id, participant.id)
    for new in changed:
        await live_store.update_group(tx, state.run.id, new)
    touched = {participant.id} | {m for g in changed for m in g.members}
    touched |= {m for g in waiting for m in g.members}
    return Placement(returned=False, touched=frozenset(touched))


async def arrive(
    db: Database,
    events: Events,
    participant: ParticipantRecord,
    *,
    now: datetime,
    grace: timedelta,
    state: LiveSnapshot | None = None,
) -> PersonReturned | PersonArrived | None:
    """A participant (re)connected: seat them (see ``place``). ``state``: a current one the
    caller holds (see ``current_seq``), to spare reading it again."""
    cid = participant.convening_id
    async with events.unit(db.transaction()) as unit:
        if state is None:
            state = await read_snapshot(unit.tx, cid)
        placement = await place(unit.tx, state, participant, now=now, grace=grace)
        if placement is None:
            return None
        seq = await live_store.bump_seq(unit.tx, cid)
        kind = PersonReturned if placement.returned else PersonArrived
        return unit.record(kind(cid, seq, placement.touched))


async def depart(
    db: Database,
    events: Events,
    participant_id: int,
    convening_id: int,
    *,
    now: datetime,
    grace: timedelta,
) -> PersonLeft | PartnerReplaced | None:
    """A participant has been gone long enough: keep their seat (marked away) and give a
    partner left alone someone new, moving nobody else."""
    async with events.unit(db.transaction()) as unit:
        tx = unit.tx
        state = await read_snapshot(tx, convening_id)
        if not _placeable(state, now, grace):
            return None
        assert state.run is not None and state.round is not None
        group = state.group_of(participant_id)
        if group is None or participant_id in group.away:
            return None
        left = [m for m in group.present if m != participant_id]
        await live_store.set_away(tx, state.run.id, participant_id, True)
        if len(left) != 1:
            seq = await live_store.bump_seq(tx, convening_id)
            return unit.record(PersonLeft(convening_id, seq, frozenset(group.members)))
        people = [
            state.people[pid] for g in state.groups for pid in g.present if pid in state.people
        ]
        met = await live_store.earlier_partners(tx, convening_id, state.run.id)
        request = pairing_request(people, group_size(state.round), met, state.seq, state.blocked)
        after = pairing.drop(as_assignment(state.groups), request, str(participant_id))
        others = [g for g in state.groups if g.number != group.number]
        changed = changed_groups(others, after)
        for new in changed:
            await live_store.update_group(tx, state.run.id, new)
        seq = await live_store.bump_seq(tx, convening_id)
        touched = set(group.members) | {m for g in changed for m in g.members}
        return unit.record(PartnerReplaced(convening_id, seq, frozenset(touched)))


async def current_snapshot(
    db: Database, participant: ParticipantRecord, held: LiveSnapshot | None
) -> LiveSnapshot:
    """``held`` (the state this node last showed) if nothing happened since, else read
    afresh: one small read instead of the whole roster keeps a join storm of thousands cheap."""
    if (
        held is not None
        and participant.id in held.people
        and held.seq == await current_seq(db, participant.convening_id)
    ):
        return held
    return await load_snapshot(db, participant.convening_id)


@dataclass(frozen=True, slots=True)
class Greeting:
    """What a participant's connection shows first: the state (``resumed``: the one their
    browser already holds), and the group chat so far when they are in a talking group."""

    state: LiveSnapshot
    resumed: bool
    chat: replies.ChatHistory | None


async def greet(
    db: Database,
    events: Events,
    participant: ParticipantRecord,
    *,
    last_seq: int,
    held: LiveSnapshot | None,
    now: datetime,
    grace: timedelta,
) -> Greeting:
    """A participant's socket said hello (``last_seq``: the event their browser last saw):
    seat them if a round runs, then say what to show."""
    state = await current_snapshot(db, participant, held)
    arrived = await arrive(db, events, participant, now=now, grace=grace, state=state)
    if arrived is not None:
        state = await current_snapshot(db, participant, None)
    resumed = arrived is None and 0 < last_seq == state.seq
    history = await calls.chat_history(db, state, participant.id, now=now, grace=grace)
    return Greeting(state=state, resumed=resumed, chat=history)
