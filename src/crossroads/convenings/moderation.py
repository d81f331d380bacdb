"""The host's and participants' hands on the groups: move someone, block someone, remove someone.

Each command is one unit of work: it reads the state, makes every seat change it implies (a
partner left alone is placed again, groups are explained afresh) and takes one event number,
then records one typed event; the publisher announces it after the commit, with its
follow-ups (a removed person's sockets close).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads import pairing
from crossroads.convenings import invitations
from crossroads.convenings.errors import FieldInvalid, NotAllowed
from crossroads.convenings.invitations import LinkRenewal
from crossroads.convenings.live_state import LiveSnapshot, read_snapshot
from crossroads.convenings.presence import place
from crossroads.convenings.seating import labelled, met_before
from crossroads.live.events import PersonBlocked, PersonMoved, PersonRemoved
from crossroads.live.publisher import Events
from crossroads.messages import N_
from crossroads.store import live as live_store
from crossroads.store import safety as safety_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import ParticipantRecord

# Someone re-placed after a block or a removal is placed whatever the round's clock says
# (a removal in the wrap-up still leaves nobody alone).
ANY_TIME = timedelta(days=1)


async def move_person(
    db: Database,
    events: Events,
    convening_id: int,
    *,
    participant_public_id: str,
    group_number: int | None,
) -> PersonMoved:
    """The host moves someone into another group (or a new one when ``group_number`` is None)."""
    async with events.unit(db.transaction()) as unit:
        tx = unit.tx
        state = await read_snapshot(tx, convening_id)
        if state.run is None or state.run.closed_at is not None:
            raise NotAllowed("no round is running")
        person = state.person(participant_public_id)
        if person is None:
            raise NotFound("participant")
        numbers = {g.number: g for g in state.groups}
        if group_number is None:
            group_number = max(numbers, default=0) + 1
            target_members: tuple[int, ...] = ()
            target = None
        elif group_number in numbers:
            target = numbers[group_number]
            target_members = target.members
        else:
            raise FieldInvalid("group", N_("There is no group {number}."), number=group_number)
        members = (*[m for m in target_members if m != person.id], person.id)
        away = target.away if target else frozenset()
        met = await met_before(tx, convening_id, state.run.id)
        topic = target.topic if target else ""
        changed = [labelled(state, group_number, members, away, met, topic=topic, fixed=True)]
        old = state.group_of(person.id)
        if old is not None and old.number != group_number:
            # The group they left is explained again for who is still in it: its old words
            # ("no shared language" while everyone left speaks Spanish) described someone gone.
            rest = tuple(m for m in old.members if m != person.id)
            if rest:
                fixed = str(pairing.Reason.HOST_FIXED) in old.reasons
                changed.append(labelled(state, old.number, rest, old.away, met, old.topic, fixed))
        for group in changed:
            await live_store.update_group(tx, state.run.id, group)
        seq = await live_store.bump_seq(tx, convening_id)
        touched = set(members) | (set(old.members) if old else set())
        return unit.record(PersonMoved(convening_id, seq, frozenset(touched)))


async def _regrouped(tx: AsyncSession, state: LiveSnapshot, **changes: object) -> LiveSnapshot:
    """The state with the groups as this transaction has them now (seats changed above)."""
    assert state.run is not None
    groups = tuple(await live_store.list_groups(tx, state.run.id))
    return replace(state, groups=groups, **changes)  # type: ignore[arg-type]


async def _place_alone(
    tx: AsyncSession, state: LiveSnapshot, person_id: int, *, now: datetime
) -> frozenset[int]:
    """Someone left alone by a block or a removal is placed again like a late joiner."""
    assert state.run is not None
    await live_store.remove_seat(tx, state.run.id, person_id)
    person = state.people.get(person_id)
    if person is None:
        return frozenset()
    placement = await place(tx, await _regrouped(tx, state), person, now=now, grace=ANY_TIME)
    return frozenset() if placement is None else placement.touched


async def block_person(
    db: Database,
    events: Events,
    participant: ParticipantRecord,
    other_public_id: str,
    *,
    now: datetime,
) -> PersonBlocked:
    """Never group these two again in this convening. If they are together right now, the
    person who blocked leaves the group at once and is placed elsewhere."""
    cid = participant.convening_id
    async with events.unit(db.transaction()) as unit:
        tx = unit.tx
        state = await read_snapshot(tx, cid)
        other = state.person(other_public_id)
        if other is None or other.id == participant.id:
            raise NotFound("participant")
        await safety_store.add_block(tx, cid, participant.id, other.id, now)
        state = replace(state, blocked=state.blocked | {frozenset({participant.id, other.id})})
        group = state.group_of(participant.id)
        touched = {participant.id}
        if group is not None and other.id in group.members and state.run is not None:
            await live_store.remove_seat(tx, state.run.id, participant.id)
            touched |= set(group.members)
            remaining = [m for m in group.members if m != participant.id]
            if len(remaining) == 1:
                touched |= await _place_alone(tx, state, remaining[0], now=now)
            state = await _regrouped(tx, state)
            placed = await place(tx, state, participant, now=now, grace=ANY_TIME)
            if placed is not None:
                touched |= placed.touched
            touched |= await _relabel(tx, await _regrouped(tx, state), {participant.id, other.id})
        seq = await live_store.bump_seq(tx, cid)
        return unit.record(PersonBlocked(cid, seq, frozenset(touched)))


async def _relabel(tx: AsyncSession, state: LiveSnapshot, people: set[int]) -> set[int]:
    """Explain again the groups both sides of a block are in now, for who is in them: the
    words must fit the people (a group that all speak Spanish is never "no shared
    language"), and must say nothing of why anyone moved: no "the host put you together"
    for a change the host did not make, and never a word about the block. Returns the
    members of the groups relabelled."""
    assert state.run is not None
    met = await met_before(tx, state.plan.convening.id, state.run.id)
    groups = {g.number: g for pid in people if (g := state.group_of(pid)) is not None}
    for g in groups.values():
        group = labelled(state, g.number, g.members, g.away, met, g.topic, fixed=False)
        await live_store.update_group(tx, state.run.id, group)
    return {m for g in groups.values() for m in g.members}


async def remove_person(
    db: Database,
    events: Events,
    convening_id: int,
    *,
    participant_public_id: str,
    now: datetime,
    renew_link: LinkRenewal | None = None,
) -> PersonRemoved:
    """The host removes someone: sessions end, their seat goes, a lone partner is re-placed,
    and they are never paired or let back in through their link again. ``renew_link`` also
    revokes the shared invite link and makes a new one, for when the removed person may pass
    the old one on. Their live and notes sockets close once this has committed (publisher)."""
    async with events.unit(db.transaction()) as unit:
        tx = unit.tx
        state = await read_snapshot(tx, convening_id)
        person = state.person(participant_public_id)
        if person is None:
            raise NotFound("participant")
        group = state.group_of(person.id)
        await safety_store.remove_participant(tx, convening_id, person.id, now)
        if state.run is not None and group is not None:
            await live_store.remove_seat(tx, state.run.id, person.id)
            remaining = [m for m in group.members if m != person.id]
            if len(remaining) == 1:
                gone = replace(state, removed=state.removed | {person.id})
                await _place_alone(tx, gone, remaining[0], now=now)
        if renew_link is not None:
            await invitations.renew_shared_invite(tx, state.plan.convening, renew_link, now=now)
        seq = await live_store.bump_seq(tx, convening_id)
        public_id = state.plan.convening.public_id
        return unit.record(PersonRemoved(convening_id, seq, person.id, public_id))
