"""Running the call's rounds: plan the next pairing, start, extend and end rounds, end the call,
broadcast, and help calls.

Every command writes in one unit of work that also takes the next event number and records
a typed event (live/events.py); the publisher announces it once committed, so the database
alone says what everyone should see. Arrivals and departures are in ``presence``, moves,
blocks and removals in ``moderation``, the state model in ``live_state``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads import pairing
from crossroads.convenings import series
from crossroads.convenings.errors import FieldInvalid, NotAllowed, PreviewChanged
from crossroads.convenings.live_state import LiveSnapshot, load_snapshot
from crossroads.convenings.planning import read_plan
from crossroads.convenings.seating import group_size, new_group, pairing_request, person_of
from crossroads.convenings.venue_modes import with_places
from crossroads.live.events import (
    CallEnded,
    HelpCalled,
    HelpResolved,
    MessageSent,
    RoundEnded,
    RoundExtended,
    RoundStarted,
)
from crossroads.live.publisher import Events
from crossroads.messages import N_
from crossroads.store import live as live_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.live import GroupRecord, NewGroup, RunRecord
from crossroads.store.records import ParticipantRecord, RoundKind, RoundRecord

log = structlog.get_logger(__name__)

MAX_EXTEND_MINUTES = 30
MAX_BROADCAST_CHARS = 500
# A start paired afresh is read and paired again if the call changed meanwhile, this many
# times in all; the last attempt writes regardless (as every start did before #28).
FRESH_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class PairingPlan:
    """The next round's pairing, worked out from the state at ``state.seq``.

    Pairing 2,000 people takes tens of milliseconds; the live layer works it out ahead while
    the host's console is open (``plan_round`` then ``work_out``), so that "start round"
    only has to check that nothing changed since and write it (``start_round(plan=...)``).
    """

    state: LiveSnapshot
    round: RoundRecord
    request: pairing.PairingRequest | None  # None for a plenary
    groups: tuple[NewGroup, ...] = ()
    assignment: pairing.Assignment | None = None
    topics: Mapping[int, str] | None = None  # for a topic round: each person's topic


def _round_to_start(state: LiveSnapshot, round_public_id: str | None) -> RoundRecord:
    if state.ended_at is not None:
        raise NotAllowed("the call has ended")
    if round_public_id is None:
        round_ = state.next_round()
        if round_ is None:
            raise FieldInvalid("round", N_("There is no further round on the agenda."))
        return round_
    round_ = next((r for r in state.plan.rounds if r.public_id == round_public_id), None)
    if round_ is None:
        raise NotFound("round")
    return round_


def _to_pair(state: LiveSnapshot, present: Collection[int]) -> list[ParticipantRecord]:
    # Someone in a room without a phone (#32) is there though never connected.
    return [
        state.people[pid]
        for pid in sorted({*present, *state.hybrid.no_phone})
        if pid in state.people and pid not in state.sitting_out and pid not in state.removed
    ]


async def plan_round(
    db: Database,
    convening_id: int,
    *,
    present: Collection[int],
    round_public_id: str | None = None,
    state: LiveSnapshot | None = None,
) -> PairingPlan:
    """Read what pairing the next round needs (``state`` if the caller holds a current one)."""
    if state is None:
        state = await load_snapshot(db, convening_id)
    round_ = _round_to_start(state, round_public_id)
    if round_.kind is RoundKind.PLENARY:
        return PairingPlan(state=state, round=round_, request=None)
    async with db.transaction() as tx:
        met = await live_store.earlier_partners(tx, convening_id, None)
    # Whom people met in earlier calls of the series, so they meet someone new (#9).
    history = await series.history_weights(db, convening_id)
    topics = await _topics(db, convening_id, round_)
    seed = (convening_id * 1_000_003 + state.seq) % (2**31)
    people = _to_pair(state, present)
    request = pairing_request(
        people, group_size(round_), met, seed, state.blocked, series=history, topics=topics
    )
    request = with_places(state.hybrid, round_, request)  # rooms and calls (#32)
    return PairingPlan(state=state, round=round_, request=request, topics=topics)


async def _topics(db: Database, convening_id: int, round_: RoundRecord) -> dict[int, str] | None:
    """Each person's topic for a topic round (None for other rounds)."""
    if round_.kind is not RoundKind.TOPIC_GROUPS:
        return None
    async with db.transaction() as tx:
        return await _read_topics(tx, convening_id, round_)


async def _read_topics(
    tx: AsyncSession, convening_id: int, round_: RoundRecord
) -> dict[int, str] | None:
    if round_.kind is not RoundKind.TOPIC_GROUPS:
        return None
    offered = await series.read_round_topics(tx, round_.id)
    return await series.read_topics_of_people(tx, convening_id, offered) if offered else {}


def work_out(plan: PairingPlan) -> PairingPlan:
    """Run the pairing engine on a plan (pure CPU work: callers may run it in a thread)."""
    if plan.request is None:
        return plan
    assignment = pairing.assign(plan.request)
    groups = tuple(new_group(i, g) for i, g in enumerate(assignment.groups, start=1))
    return replace(plan, assignment=assignment, groups=groups)


def _brought_up_to_date(plan: PairingPlan, present: Collection[int]) -> PairingPlan | None:
    """The plan for who is present now: people who left since are dropped and people who
    came are placed, without re-pairing everyone (None if it cannot be reused)."""
    if plan.request is None or plan.assignment is None:
        return plan
    if any(pid not in plan.state.people for pid in present):
        # Someone joined the convening since: their profile is not in the plan. Checked
        # first: the plan's state does not know them, so they would not count as "here".
        return None
    planned = {int(p.id) for p in plan.request.people}
    now_here = {p.id for p in _to_pair(plan.state, present)}
    if now_here == planned:
        return plan
    if plan.request.mode is not pairing.Mode.ONLINE:
        return None  # rooms and calls (#32): one-by-one placing knows no tables; pair afresh
    gone, came = planned - now_here, sorted(now_here - planned)
    topic_of = (plan.topics or {}).get
    request = replace(
        plan.request,
        people=(
            *(p for p in plan.request.people if int(p.id) not in gone),
            *(person_of(plan.state.people[pid], topic_of(pid)) for pid in came),
        ),
    )
    assignment = plan.assignment
    for pid in sorted(gone):
        assignment = pairing.drop(assignment, plan.request, str(pid))
    for pid in came:
        joiner = person_of(plan.state.people[pid], topic_of(pid))
        assignment = pairing.place_late_joiner(assignment, request, joiner)
    if len(request.people) > 1 and any(len(g.members) < 2 for g in assignment.groups):
        # Many came since the plan: placed one by one, they fill every group to its limit
        # and the last can be left alone. Pairing afresh keeps "nobody alone".
        return None
    groups = tuple(new_group(i, g) for i, g in enumerate(assignment.groups, start=1))
    return replace(plan, request=request, assignment=assignment, groups=groups)


async def start_round(
    db: Database,
    events: Events,
    convening_id: int,
    *,
    present: Collection[int],
    now: datetime,
    round_public_id: str | None = None,
    plan: PairingPlan | None = None,
    exact: PairingPlan | None = None,
    insist: bool = False,
) -> RoundStarted:
    """Start the next agenda round (or a chosen one) and pair everyone present.

    With a ``plan`` worked out ahead, it is used if nothing changed since (the event number
    is compare-and-set in the same transaction); otherwise everything is read and paired
    afresh, so a stale plan costs time, never correctness.

    ``exact``: the groups the host saw before Start (a preview, #29), written as they are if
    nothing changed since. If something did, or the preview the host saw is gone (``exact``
    None), ``insist`` (the host moved people in it) refuses with ``PreviewChanged`` and
    writes nothing, since the host's choices are never dropped unseen; without it the round
    starts as a plain Start would (the preview was the engine's plan, about to update).
    """
    if exact is not None:
        try:
            return await _start_exactly(db, events, exact, present=present, now=now)
        except PreviewChanged:
            if insist:
                raise
    elif insist:
        raise PreviewChanged("the groups changed just now: look at them again")
    if plan is not None and plan.state.plan.convening.id == convening_id:
        ready = _brought_up_to_date(plan, present) if _same_round(plan, round_public_id) else None
        if ready is not None:
            # Written only if nothing changed since: the event number, the agenda and the
            # topics are checked in the transaction that writes the start (_write_start).
            with suppress(PreviewChanged):
                started = await _write_start(db, events, ready, now=now, checked=True)
                if started is not None:
                    log.info("round_started", convening_id=convening_id, planned_ahead=True)
                    return started
    # Pairing thousands here takes a good part of a second, on the event loop: worth a line
    # in the log when it happens with a host watching (a plan was missing or stale).
    log.info("round_started", convening_id=convening_id, planned_ahead=False, plan=plan is not None)
    for attempt in range(FRESH_ATTEMPTS, 0, -1):
        fresh = work_out(
            await plan_round(db, convening_id, present=present, round_public_id=round_public_id)
        )
        # Written if the call is still as read (else read and paired again: someone removed
        # or blocked meanwhile is not paired); the last attempt writes what it has, as a
        # start always did, so a busy call still starts.
        with suppress(PreviewChanged):
            started = await _write_start(db, events, fresh, now=now, checked=attempt > 1)
            if started is not None:
                return started
    raise AssertionError("an unchecked start always writes")  # pragma: no cover


def _same_round(plan: PairingPlan, round_public_id: str | None) -> bool:
    """Whether ``plan`` is for the round asked for, as far as its own state tells (a state
    from before an agenda edit may not know the round: then it is not the one)."""
    try:
        return _round_to_start(plan.state, round_public_id).id == plan.round.id
    except (NotAllowed, FieldInvalid, NotFound):
        return False


async def _start_exactly(
    db: Database, events: Events, plan: PairingPlan, *, present: Collection[int], now: datetime
) -> RoundStarted:
    """Start exactly ``plan``'s groups, or refuse (``PreviewChanged``) and write nothing:
    someone arrived or left since it was worked out, the call changed (event number), or the
    agenda or people's topics did (neither takes an event number)."""
    if plan.request is not None:
        planned = {int(p.id) for p in plan.request.people}
        # Someone who joined the convening after the preview was read is not in its state.
        newcomers = any(pid not in plan.state.people for pid in present)
        if newcomers or planned != {p.id for p in _to_pair(plan.state, present)}:
            raise PreviewChanged("someone arrived or left: look at the new groups")
    # The event number, the agenda and the topics: checked where the start is written.
    started = await _write_start(db, events, plan, now=now, checked=True)
    if started is None:
        raise PreviewChanged("the call changed since: look at the new groups")
    return started


def started_groups(plan: PairingPlan) -> tuple[GroupRecord, ...]:
    """The groups of a plan as the state right after its start holds them (the views made
    ahead from these are the ones the start's fan-out looks up)."""
    return tuple(GroupRecord.seated(g, id=0, members=g.members) for g in plan.groups)


async def _write_start(
    db: Database, events: Events, plan: PairingPlan, *, now: datetime, checked: bool
) -> RoundStarted | None:
    """Write ``plan``'s start in one unit of work. ``checked``: only if the call is still as
    the plan read it: the event number (None when it moved on) and then, with the event row
    held, the agenda and the topics, which take no event number (``PreviewChanged`` when
    they changed). Either way nothing is written."""
    state, round_ = plan.state, plan.round
    convening_id = state.plan.convening.id
    async with events.unit(db.transaction()) as unit:
        if not checked:
            seq: int | None = await live_store.bump_seq(unit.tx, convening_id)
        else:
            seq = await live_store.bump_seq_from(unit.tx, convening_id, state.seq)
            if seq is None:
                return None  # something changed since the plan: nothing was written
            if await read_plan(unit.tx, convening_id) != state.plan or (
                await _read_topics(unit.tx, convening_id, round_) != plan.topics
            ):
                # Raised in the unit: it rolls back, the event number too.
                raise PreviewChanged("the agenda changed since: look at the new groups")
        run = await live_store.insert_run(
            unit.tx,
            convening_id=convening_id,
            round_id=round_.id,
            started_at=now,
            ends_at=now + timedelta(minutes=round_.duration_minutes),
            groups=plan.groups,
        )
        after = replace(state, seq=seq, run=run, round=round_, groups=started_groups(plan))
        # The state rides with the event: this node fans out from it without reading back.
        return unit.record(RoundStarted(convening_id, seq, state=after))


async def _current_run(tx: AsyncSession, convening_id: int) -> RunRecord:
    state = await live_store.get_state(tx, convening_id)
    if state.current_run is None or state.current_run.closed_at is not None:
        raise NotAllowed("no round is running")
    return state.current_run


async def extend_round(
    db: Database, events: Events, convening_id: int, *, minutes: int, now: datetime
) -> RoundExtended:
    if not 1 <= minutes <= MAX_EXTEND_MINUTES:
        raise FieldInvalid("minutes", N_("Extend by 1 to {most} minutes."), most=MAX_EXTEND_MINUTES)
    async with events.unit(db.transaction()) as unit:
        run = await _current_run(unit.tx, convening_id)
        # Extending during the wrap-up gives the full extra time from now.
        ends_at = max(run.ends_at, now) + timedelta(minutes=minutes)
        await live_store.set_ends_at(unit.tx, run.id, ends_at)
        seq = await live_store.bump_seq(unit.tx, convening_id)
        return unit.record(RoundExtended(convening_id, seq))


async def end_round(
    db: Database, events: Events, convening_id: int, *, now: datetime
) -> RoundEnded:
    """End early: the round goes into its wrap-up now, so groups can finish their sentence."""
    async with events.unit(db.transaction()) as unit:
        run = await _current_run(unit.tx, convening_id)
        await live_store.set_ends_at(unit.tx, run.id, min(run.ends_at, now))
        seq = await live_store.bump_seq(unit.tx, convening_id)
        return unit.record(RoundEnded(convening_id, seq))


async def end_call(db: Database, events: Events, convening_id: int, *, now: datetime) -> CallEnded:
    async with events.unit(db.transaction()) as unit:
        state = await live_store.get_state(unit.tx, convening_id)
        if state.current_run is not None:
            await live_store.close_run(unit.tx, state.current_run.id, now)
        await live_store.set_ended(unit.tx, convening_id, now)
        seq = await live_store.bump_seq(unit.tx, convening_id)
        return unit.record(CallEnded(convening_id, seq))


async def broadcast(
    db: Database, events: Events, convening_id: int, *, text: str, now: datetime
) -> MessageSent:
    text = text.strip()
    if not text:
        raise FieldInvalid("text", N_("Write a message first."))
    if len(text) > MAX_BROADCAST_CHARS:
        raise FieldInvalid(
            "text", N_("Keep the message under {most} characters."), most=MAX_BROADCAST_CHARS
        )
    async with events.unit(db.transaction()) as unit:
        seq = await live_store.bump_seq(unit.tx, convening_id)
        await live_store.add_broadcast(unit.tx, convening_id, seq, text, now)
        return unit.record(MessageSent(convening_id, seq, text=text))


async def call_for_help(
    db: Database, events: Events, participant: ParticipantRecord, *, now: datetime
) -> HelpCalled:
    async with events.unit(db.transaction()) as unit:
        run = (await live_store.get_state(unit.tx, participant.convening_id)).current_run
        groups = await live_store.list_groups(unit.tx, run.id) if run is not None else []
        group = next((g for g in groups if participant.id in g.members), None)
        await live_store.add_help_call(
            unit.tx,
            convening_id=participant.convening_id,
            run_id=run.id if run else None,
            group_number=group.number if group else None,
            participant_id=participant.id,
            now=now,
        )
        seq = await live_store.bump_seq(unit.tx, participant.convening_id)
        return unit.record(HelpCalled(participant.convening_id, seq))


async def resolve_help(
    db: Database, events: Events, convening_id: int, help_id: int, *, now: datetime
) -> HelpResolved:
    async with events.unit(db.transaction()) as unit:
        await live_store.resolve_help_call(unit.tx, convening_id, help_id, now)
        seq = await live_store.bump_seq(unit.tx, convening_id)
        return unit.record(HelpResolved(convening_id, seq))
