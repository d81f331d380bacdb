"""Running the call: start, extend and end rounds, place late joiners, re-pair after drops.

Every change happens in one transaction that also takes the next event number, so the
database alone says what everyone should see; the live layer only announces that it changed.
Phases follow from the clock, not from a timer task: a round is *running* until ``ends_at``,
then *wrapping up* for a grace period (nobody is cut off mid-sentence), then *over* until the
host starts the next one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

import structlog

from crossroads import pairing
from crossroads.convenings import series
from crossroads.convenings.errors import FieldInvalid, NotAllowed
from crossroads.convenings.planning import Plan, get_plan_by_id
from crossroads.convenings.venue_modes import with_places
from crossroads.messages import N_
from crossroads.store import live as live_store
from crossroads.store import participants as participant_store
from crossroads.store import safety as safety_store
from crossroads.store import venues as venue_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.live import GroupRecord, NewGroup, RunRecord
from crossroads.store.records import ParticipantRecord, RoundKind, RoundRecord
from crossroads.store.venues import NO_VENUES, HybridRecord

log = structlog.get_logger(__name__)

MAX_EXTEND_MINUTES = 30
MAX_BROADCAST_CHARS = 500


class Phase(StrEnum):
    LOBBY = "lobby"
    RUNNING = "running"
    WRAP_UP = "wrap_up"
    OVER = "over"
    PLENARY = "plenary"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Change:
    """What a use case changed: the new event number and whom it concerns (None: everyone)."""

    convening_id: int
    seq: int
    kind: str
    participants: frozenset[int] | None = None
    text: str = ""
    # The state right after the change, when the use case already holds it: the node that
    # made the change fans out from it instead of reading it back (other nodes read the DB).
    state: LiveState | None = None


@dataclass(frozen=True, slots=True)
class LiveState:
    """Everything a participant's or host's live view is built from, read in one go."""

    plan: Plan
    seq: int
    run: RunRecord | None
    round: RoundRecord | None
    groups: tuple[GroupRecord, ...]
    people: dict[int, ParticipantRecord]
    broadcasts: tuple[live_store.BroadcastRecord, ...]
    help_calls: tuple[live_store.HelpRecord, ...]
    sitting_out: frozenset[int]
    ended_at: datetime | None
    locked: bool
    blocked: frozenset[frozenset[int]] = frozenset()
    removed: frozenset[int] = frozenset()
    muted: frozenset[int] = frozenset()
    hybrid: HybridRecord = NO_VENUES  # venues and who is in which room (#32)

    def phase(self, now: datetime, grace: timedelta) -> Phase:
        if self.ended_at is not None:
            return Phase.ENDED
        if self.run is None or self.round is None:
            return Phase.LOBBY
        if self.round.kind is RoundKind.PLENARY:
            return Phase.PLENARY
        if self.run.closed_at is not None:
            return Phase.OVER
        if now < self.run.ends_at:
            return Phase.RUNNING
        if now < self.run.ends_at + grace:
            return Phase.WRAP_UP
        return Phase.OVER

    def group_of(self, participant_id: int) -> GroupRecord | None:
        for group in self.groups:
            if participant_id in group.members:
                return group
        return None

    def next_round(self) -> RoundRecord | None:
        rounds = self.plan.rounds
        if self.round is None:
            return rounds[0] if rounds else None
        later = [r for r in rounds if r.position > self.round.position]
        return later[0] if later else None


async def load_state(db: Database, convening_id: int) -> LiveState:
    plan = await get_plan_by_id(db, convening_id)
    async with db.transaction() as tx:
        state = await live_store.get_state(tx, convening_id)
        groups: list[GroupRecord] = []
        if state.current_run is not None:
            groups = await live_store.list_groups(tx, state.current_run.id)
        everyone = await participant_store.list_participants(tx, convening_id)
        broadcasts = await live_store.recent_broadcasts(tx, convening_id)
        help_calls = await live_store.open_help_calls(tx, convening_id)
        sitting_out = await live_store.sitting_out_ids(tx, convening_id)
        blocked = await safety_store.blocked_pairs(tx, convening_id)
        removed = await safety_store.removed_ids(tx, convening_id)
        muted = await safety_store.muted_ids(tx, convening_id)
        hybrid = await venue_store.hybrid_state(tx, convening_id)
    round_ = None
    if state.current_run is not None:
        round_ = next((r for r in plan.rounds if r.id == state.current_run.round_id), None)
    return LiveState(
        plan=plan,
        seq=state.seq,
        run=state.current_run,
        round=round_,
        groups=tuple(groups),
        people={p.id: p for p in everyone},
        broadcasts=tuple(broadcasts),
        help_calls=tuple(help_calls),
        sitting_out=frozenset(sitting_out),
        ended_at=state.ended_at,
        locked=state.locked,
        blocked=frozenset(blocked),
        removed=frozenset(removed),
        muted=frozenset(muted),
        hybrid=hybrid,
    )


async def current_seq(db: Database, convening_id: int) -> int:
    """The latest event number: a state read at this number is still what everyone sees."""
    async with db.transaction() as tx:
        return await live_store.get_seq(tx, convening_id)


# --- pairing adapters ---------------------------------------------------------------------


def _person(p: ParticipantRecord, topic: str | None = None) -> pairing.Person:
    return pairing.Person(
        id=str(p.id),
        organisation=p.organisation.strip().casefold(),
        movements=frozenset(m.casefold() for m in p.movements),
        region=p.region.strip().casefold(),
        languages=frozenset(p.languages),
        topic=topic,
    )


def _new_group(number: int, group: pairing.Group) -> NewGroup:
    return NewGroup(
        number=number,
        members=tuple(int(m) for m in group.members),
        topic=group.topic or "",
        shared_languages=tuple(sorted(group.shared_languages)),
        needs_interpretation=group.needs_interpretation,
        reasons=tuple(str(r) for r in group.reasons),
        compromises=tuple(str(c) for c in group.compromises),
    )


def _as_assignment(groups: Iterable[GroupRecord]) -> pairing.Assignment:
    return pairing.Assignment(
        groups=tuple(
            pairing.Group(
                members=tuple(str(m) for m in g.present),
                shared_languages=frozenset(g.shared_languages),
                needs_interpretation=g.needs_interpretation,
                reasons=tuple(pairing.Reason(r) for r in g.reasons),
                compromises=tuple(pairing.Compromise(c) for c in g.compromises),
                topic=g.topic or None,
            )
            for g in groups
            if g.present
        )
    )


def _request(
    people: Iterable[ParticipantRecord],
    size: int,
    met: set[frozenset[int]],
    seed: int,
    blocked: Iterable[frozenset[int]] = (),
    *,
    series: Mapping[frozenset[int], float] | None = None,
    topics: Mapping[int, str] | None = None,
) -> pairing.PairingRequest:
    return pairing.PairingRequest(
        people=tuple(_person(p, (topics or {}).get(p.id)) for p in people),
        size=size,
        blocked=frozenset(frozenset(str(i) for i in pair) for pair in blocked),
        met=frozenset(frozenset(str(i) for i in pair) for pair in met),
        series={frozenset(str(i) for i in pair): w for pair, w in (series or {}).items()},
        by_topic=topics is not None,
        seed=seed,
    )


def _changed_groups(before: Iterable[GroupRecord], after: pairing.Assignment) -> list[NewGroup]:
    """Groups of ``after`` that differ from ``before``, numbered like the group they grew out
    of (so a pair that became a trio keeps its number and its call room)."""
    old = list(before)
    old_sets = {frozenset(g.present): g for g in old}
    next_number = max((g.number for g in old), default=0) + 1
    changed: list[NewGroup] = []
    taken: set[int] = set()
    for group in after.groups:
        members = frozenset(int(m) for m in group.members)
        if members in old_sets:
            continue
        origin = max(
            (g for g in old if g.number not in taken and members & set(g.present)),
            key=lambda g: len(members & set(g.present)),
            default=None,
        )
        if origin is None:
            number, next_number = next_number, next_number + 1
        else:
            number = origin.number
        taken.add(number)
        changed.append(_new_group(number, group))
    return changed


# --- use cases ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairingPlan:
    """The next round's pairing, worked out from the state at ``state.seq``.

    Pairing 2,000 people takes tens of milliseconds; the live layer works it out ahead while
    the host's console is open (``plan_round`` then ``work_out``), so that "start round"
    only has to check that nothing changed since and write it (``start_round(plan=...)``).
    """

    state: LiveState
    round: RoundRecord
    request: pairing.PairingRequest | None  # None for a plenary
    groups: tuple[NewGroup, ...] = ()
    assignment: pairing.Assignment | None = None
    topics: Mapping[int, str] | None = None  # for a topic round: each person's topic


def _round_to_start(state: LiveState, round_public_id: str | None) -> RoundRecord:
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


def _to_pair(state: LiveState, present: Collection[int]) -> list[ParticipantRecord]:
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
    state: LiveState | None = None,
) -> PairingPlan:
    """Read what pairing the next round needs (``state`` if the caller holds a current one)."""
    if state is None:
        state = await load_state(db, convening_id)
    round_ = _round_to_start(state, round_public_id)
    if round_.kind is RoundKind.PLENARY:
        return PairingPlan(state=state, round=round_, request=None)
    async with db.transaction() as tx:
        met = await live_store.earlier_partners(tx, convening_id, None)
    # Whom people met in earlier calls of the series, so they meet someone new (#9).
    history = await series.history_weights(db, convening_id)
    topics = await _topics(db, convening_id, round_)
    size = round_.group_size if round_.kind is not RoundKind.PAIRS else 2
    seed = (convening_id * 1_000_003 + state.seq) % (2**31)
    people = _to_pair(state, present)
    request = _request(
        people, max(2, size), met, seed, state.blocked, series=history, topics=topics
    )
    request = with_places(state.hybrid, round_, request)  # rooms and calls (#32)
    return PairingPlan(state=state, round=round_, request=request, topics=topics)


async def _topics(db: Database, convening_id: int, round_: RoundRecord) -> dict[int, str] | None:
    """Each person's topic for a topic round (None for other rounds)."""
    if round_.kind is not RoundKind.TOPIC_GROUPS:
        return None
    offered = await series.round_topics(db, round_.id)
    return await series.topics_of_people(db, convening_id, offered) if offered else {}


def work_out(plan: PairingPlan) -> PairingPlan:
    """Run the pairing engine on a plan (pure CPU work: callers may run it in a thread)."""
    if plan.request is None:
        return plan
    assignment = pairing.assign(plan.request)
    groups = tuple(_new_group(i, g) for i, g in enumerate(assignment.groups, start=1))
    return replace(plan, assignment=assignment, groups=groups)


def _brought_up_to_date(plan: PairingPlan, present: Collection[int]) -> PairingPlan | None:
    """The plan for who is present now: people who left since are dropped and people who
    came are placed, without re-pairing everyone (None if it cannot be reused)."""
    if plan.request is None or plan.assignment is None:
        return plan
    planned = {int(p.id) for p in plan.request.people}
    now_here = {p.id for p in _to_pair(plan.state, present)}
    if now_here == planned:
        return plan
    if any(pid not in plan.state.people for pid in present):
        return None  # someone joined the convening since: their profile is not in the plan
    gone, came = planned - now_here, sorted(now_here - planned)
    topic_of = (plan.topics or {}).get
    request = replace(
        plan.request,
        people=(
            *(p for p in plan.request.people if int(p.id) not in gone),
            *(_person(plan.state.people[pid], topic_of(pid)) for pid in came),
        ),
    )
    assignment = plan.assignment
    for pid in sorted(gone):
        assignment = pairing.drop(assignment, plan.request, str(pid))
    for pid in came:
        joiner = _person(plan.state.people[pid], topic_of(pid))
        assignment = pairing.place_late_joiner(assignment, request, joiner)
    if len(request.people) > 1 and any(len(g.members) < 2 for g in assignment.groups):
        # Many came since the plan: placed one by one, they fill every group to its limit
        # and the last can be left alone. Pairing afresh keeps "nobody alone".
        return None
    groups = tuple(_new_group(i, g) for i, g in enumerate(assignment.groups, start=1))
    return replace(plan, request=request, assignment=assignment, groups=groups)


async def start_round(
    db: Database,
    convening_id: int,
    *,
    present: Collection[int],
    now: datetime,
    round_public_id: str | None = None,
    plan: PairingPlan | None = None,
) -> Change:
    """Start the next agenda round (or a chosen one) and pair everyone present.

    With a ``plan`` worked out ahead, it is used if nothing changed since (the event number
    is compare-and-set in the same transaction); otherwise everything is read and paired
    afresh, so a stale plan costs time, never correctness.
    """
    if plan is not None and plan.state.plan.convening.id == convening_id:
        # The agenda is not covered by the event number: it must be the one planned with.
        # Nor are the topics people chose (they can change them on the feedback page).
        agenda = await get_plan_by_id(db, convening_id)
        same_round = (
            agenda == plan.state.plan
            and _round_to_start(plan.state, round_public_id).id == plan.round.id
            and await _topics(db, convening_id, plan.round) == plan.topics
        )
        ready = _brought_up_to_date(plan, present) if same_round else None
        if ready is not None:
            change = await _write_start(db, ready, now=now, expected_seq=ready.state.seq)
            if change is not None:
                log.info("round_started", convening_id=convening_id, planned_ahead=True)
                return change
    # Pairing thousands here takes a good part of a second, on the event loop: worth a line
    # in the log when it happens with a host watching (a plan was missing or stale).
    log.info("round_started", convening_id=convening_id, planned_ahead=False, plan=plan is not None)
    fresh = work_out(
        await plan_round(db, convening_id, present=present, round_public_id=round_public_id)
    )
    change = await _write_start(db, fresh, now=now, expected_seq=None)
    assert change is not None
    return change


def started_groups(plan: PairingPlan) -> tuple[GroupRecord, ...]:
    """The groups of a plan as the state right after its start holds them (the views made
    ahead from these are the ones the start's fan-out looks up)."""
    return tuple(GroupRecord.seated(g, id=0, members=g.members) for g in plan.groups)


async def _write_start(
    db: Database, plan: PairingPlan, *, now: datetime, expected_seq: int | None
) -> Change | None:
    state, round_ = plan.state, plan.round
    convening_id = state.plan.convening.id
    async with db.transaction() as tx:
        if expected_seq is None:
            seq: int | None = await live_store.bump_seq(tx, convening_id)
        else:
            seq = await live_store.bump_seq_from(tx, convening_id, expected_seq)
            if seq is None:
                return None  # something changed since the plan: nothing was written
        run = await live_store.insert_run(
            tx,
            convening_id=convening_id,
            round_id=round_.id,
            started_at=now,
            ends_at=now + timedelta(minutes=round_.duration_minutes),
            groups=plan.groups,
        )
    assert seq is not None
    after = replace(state, seq=seq, run=run, round=round_, groups=started_groups(plan))
    return Change(convening_id, seq, "round_started", state=after)


async def _current_run(db: Database, convening_id: int) -> RunRecord:
    async with db.transaction() as tx:
        state = await live_store.get_state(tx, convening_id)
    if state.current_run is None or state.current_run.closed_at is not None:
        raise NotAllowed("no round is running")
    return state.current_run


async def extend_round(db: Database, convening_id: int, *, minutes: int, now: datetime) -> Change:
    if not 1 <= minutes <= MAX_EXTEND_MINUTES:
        raise FieldInvalid("minutes", N_("Extend by 1 to {most} minutes."), most=MAX_EXTEND_MINUTES)
    run = await _current_run(db, convening_id)
    async with db.transaction() as tx:
        # Extending during the wrap-up gives the full extra time from now.
        await live_store.set_ends_at(tx, run.id, max(run.ends_at, now) + timedelta(minutes=minutes))
        seq = await live_store.bump_seq(tx, convening_id)
    return Change(convening_id, seq, "round_changed")


async def end_round(db: Database, convening_id: int, *, now: datetime) -> Change:
    """End early: the round goes into its wrap-up now, so groups can finish their sentence."""
    run = await _current_run(db, convening_id)
    async with db.transaction() as tx:
        await live_store.set_ends_at(tx, run.id, min(run.ends_at, now))
        seq = await live_store.bump_seq(tx, convening_id)
    return Change(convening_id, seq, "round_changed")


async def end_call(db: Database, convening_id: int, *, now: datetime) -> Change:
    async with db.transaction() as tx:
        state = await live_store.get_state(tx, convening_id)
        if state.current_run is not None:
            await live_store.close_run(tx, state.current_run.id, now)
        await live_store.set_ended(tx, convening_id, now)
        seq = await live_store.bump_seq(tx, convening_id)
    return Change(convening_id, seq, "call_ended")


async def broadcast(db: Database, convening_id: int, *, text: str, now: datetime) -> Change:
    text = text.strip()
    if not text:
        raise FieldInvalid("text", N_("Write a message first."))
    if len(text) > MAX_BROADCAST_CHARS:
        raise FieldInvalid(
            "text", N_("Keep the message under {most} characters."), most=MAX_BROADCAST_CHARS
        )
    async with db.transaction() as tx:
        seq = await live_store.bump_seq(tx, convening_id)
        await live_store.add_broadcast(tx, convening_id, seq, text, now)
    return Change(convening_id, seq, "broadcast", participants=frozenset(), text=text)


async def call_for_help(db: Database, participant: ParticipantRecord, *, now: datetime) -> Change:
    state = await load_state(db, participant.convening_id)
    group = state.group_of(participant.id)
    async with db.transaction() as tx:
        await live_store.add_help_call(
            tx,
            convening_id=participant.convening_id,
            run_id=state.run.id if state.run else None,
            group_number=group.number if group else None,
            participant_id=participant.id,
            now=now,
        )
        seq = await live_store.bump_seq(tx, participant.convening_id)
    return Change(participant.convening_id, seq, "help", participants=frozenset())


async def resolve_help(db: Database, convening_id: int, help_id: int, *, now: datetime) -> Change:
    async with db.transaction() as tx:
        await live_store.resolve_help_call(tx, convening_id, help_id, now)
        seq = await live_store.bump_seq(tx, convening_id)
    return Change(convening_id, seq, "help", participants=frozenset())


async def sit_out(
    db: Database, participant: ParticipantRecord, *, sitting_out: bool, now: datetime
) -> Change:
    """Sitting out applies from the next round; a running group is left to its own pace."""
    async with db.transaction() as tx:
        await live_store.set_sitting_out(tx, participant.id, sitting_out, now)
        seq = await live_store.bump_seq(tx, participant.convening_id)
    return Change(
        participant.convening_id, seq, "sitting_out", participants=frozenset({participant.id})
    )


def _placeable(state: LiveState, now: datetime, grace: timedelta) -> bool:
    return state.phase(now, grace) is Phase.RUNNING and state.run is not None


async def arrive(
    db: Database,
    participant: ParticipantRecord,
    *,
    now: datetime,
    grace: timedelta,
    state: LiveState | None = None,
) -> Change | None:
    """A participant (re)connected. Someone who kept their seat gets their group back;
    someone new to this round is placed without moving anyone else. ``state``: a current
    one the caller holds (see ``current_seq``), to spare reading it again."""
    if state is None:
        state = await load_state(db, participant.convening_id)
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
            async with db.transaction() as tx:
                await live_store.set_away(tx, state.run.id, participant.id, False)
                seq = await live_store.bump_seq(tx, participant.convening_id)
            return Change(participant.convening_id, seq, "returned", frozenset(group.members))
        # Their partners were re-paired meanwhile: place them afresh.
    others = [g for g in state.groups if g is not group]
    size = state.round.group_size if state.round.kind is not RoundKind.PAIRS else 2
    people = [state.people[pid] for g in others for pid in g.present if pid in state.people]
    async with db.transaction() as tx:
        met = await live_store.earlier_partners(tx, participant.convening_id, state.run.id)
    request = _request([*people, participant], max(2, size), met, state.seq, state.blocked)
    # A late joiner may wait alone as a one-person group until someone else arrives.
    waiting = [g for g in others if len(g.present) == 1]
    current = _as_assignment(others)
    placed = pairing.place_late_joiner(current, request, _person(participant))
    changed = _changed_groups(others, placed)
    async with db.transaction() as tx:
        if group is not None:
            await live_store.remove_seat(tx, state.run.id, participant.id)
        for new in changed:
            await live_store.update_group(tx, state.run.id, new)
        seq = await live_store.bump_seq(tx, participant.convening_id)
    touched = {participant.id} | {m for g in changed for m in g.members}
    touched |= {m for g in waiting for m in g.members}
    return Change(participant.convening_id, seq, "placed", frozenset(touched))


async def depart(
    db: Database,
    participant_id: int,
    convening_id: int,
    *,
    now: datetime,
    grace: timedelta,
) -> Change | None:
    """A participant has been gone long enough: keep their seat (marked away) and give a
    partner left alone someone new, moving nobody else."""
    state = await load_state(db, convening_id)
    if not _placeable(state, now, grace):
        return None
    assert state.run is not None and state.round is not None
    group = state.group_of(participant_id)
    if group is None or participant_id in group.away:
        return None
    left = [m for m in group.present if m != participant_id]
    async with db.transaction() as tx:
        await live_store.set_away(tx, state.run.id, participant_id, True)
        if len(left) != 1:
            seq = await live_store.bump_seq(tx, convening_id)
            return Change(convening_id, seq, "away", frozenset(group.members))
    size = state.round.group_size if state.round.kind is not RoundKind.PAIRS else 2
    people = [state.people[pid] for g in state.groups for pid in g.present if pid in state.people]
    async with db.transaction() as tx:
        met = await live_store.earlier_partners(tx, convening_id, state.run.id)
    request = _request(people, max(2, size), met, state.seq, state.blocked)
    after = pairing.drop(_as_assignment(state.groups), request, str(participant_id))
    others = [g for g in state.groups if g.number != group.number]
    changed = _changed_groups(others, after)
    async with db.transaction() as tx:
        for new in changed:
            await live_store.update_group(tx, state.run.id, new)
        seq = await live_store.bump_seq(tx, convening_id)
    touched = set(group.members) | {m for g in changed for m in g.members}
    return Change(convening_id, seq, "repaired", frozenset(touched))


async def move_person(
    db: Database, convening_id: int, *, participant_public_id: str, group_number: int | None
) -> Change:
    """The host moves someone into another group (or a new one when ``group_number`` is None)."""
    state = await load_state(db, convening_id)
    if state.run is None or state.run.closed_at is not None:
        raise NotAllowed("no round is running")
    person = next((p for p in state.people.values() if p.public_id == participant_public_id), None)
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
    met = await _met_before(db, convening_id, state.run.id)
    new = _labelled(
        state, group_number, members, away, met, topic=target.topic if target else "", fixed=True
    )
    old = state.group_of(person.id)
    changed = [new]
    if old is not None and old.number != group_number:
        # The group they left is explained again for who is still in it: its old words
        # ("no shared language" while everyone left speaks Spanish) described someone gone.
        rest = tuple(m for m in old.members if m != person.id)
        if rest:
            fixed = str(pairing.Reason.HOST_FIXED) in old.reasons
            changed.append(_labelled(state, old.number, rest, old.away, met, old.topic, fixed))
    async with db.transaction() as tx:
        for group in changed:
            await live_store.update_group(tx, state.run.id, group)
        seq = await live_store.bump_seq(tx, convening_id)
    touched = set(members) | (set(old.members) if old else set())
    return Change(convening_id, seq, "moved", frozenset(touched))


async def _met_before(db: Database, convening_id: int, run_id: int) -> frozenset[frozenset[str]]:
    async with db.transaction() as tx:
        met = await live_store.earlier_partners(tx, convening_id, run_id)
    return frozenset(frozenset(str(i) for i in pair) for pair in met)


def _labelled(
    state: LiveState,
    number: int,
    members: tuple[int, ...],
    away: Collection[int],
    met: frozenset[frozenset[str]],
    topic: str,
    fixed: bool,
) -> NewGroup:
    """A group's seats with its explanation worked out afresh for the people in it now
    (those away do not count: they are not in the conversation)."""
    present = [state.people[m] for m in members if m not in away and m in state.people]
    group = pairing.explain(
        [_person(p) for p in present], met=met, series={}, topic=topic or None, fixed=fixed
    )
    return replace(_new_group(number, group), members=members)


# --- safety ---------------------------------------------------------------------------------


async def block_person(
    db: Database, participant: ParticipantRecord, other_public_id: str, *, now: datetime
) -> Change:
    """Never group these two again in this convening. If they are together right now, the
    person who blocked leaves the group at once and is placed elsewhere."""
    state = await load_state(db, participant.convening_id)
    other = next((p for p in state.people.values() if p.public_id == other_public_id), None)
    if other is None or other.id == participant.id:
        raise NotFound("participant")
    async with db.transaction() as tx:
        await safety_store.add_block(tx, participant.convening_id, participant.id, other.id, now)
        seq = await live_store.bump_seq(tx, participant.convening_id)
    group = state.group_of(participant.id)
    if group is None or other.id not in group.members or state.run is None:
        return Change(participant.convening_id, seq, "blocked", frozenset({participant.id}))
    async with db.transaction() as tx:
        await live_store.remove_seat(tx, state.run.id, participant.id)
    remaining = [m for m in group.members if m != participant.id]
    if len(remaining) == 1:
        await _replace_alone(db, state, remaining[0], now=now)
    placed = await arrive(db, participant, now=now, grace=timedelta(days=1))
    touched = {participant.id, *group.members}
    if placed is not None and placed.participants:
        touched |= placed.participants
    touched |= await _relabel_after_block(db, participant.convening_id, {participant.id, other.id})
    async with db.transaction() as tx:
        seq = await live_store.bump_seq(tx, participant.convening_id)
    return Change(participant.convening_id, seq, "blocked", frozenset(touched))


async def _relabel_after_block(db: Database, convening_id: int, people: set[int]) -> set[int]:
    """Explain again the groups both sides of a block are in now, for who is in them: the
    words must fit the people (a group that all speak Spanish is never "no shared
    language"), and must say nothing of why anyone moved: no "the host put you together"
    for a change the host did not make, and never a word about the block. Returns the
    members of the groups relabelled."""
    state = await load_state(db, convening_id)
    if state.run is None:
        return set()
    met = await _met_before(db, convening_id, state.run.id)
    groups = {g.number: g for pid in people if (g := state.group_of(pid)) is not None}
    relabelled = [
        _labelled(state, g.number, g.members, g.away, met, g.topic, fixed=False)
        for g in groups.values()
    ]
    async with db.transaction() as tx:
        for group in relabelled:
            await live_store.update_group(tx, state.run.id, group)
    return {m for g in groups.values() for m in g.members}


async def _replace_alone(db: Database, state: LiveState, person_id: int, *, now: datetime) -> None:
    """Someone left alone by a block or a removal is placed again like a late joiner."""
    assert state.run is not None
    async with db.transaction() as tx:
        await live_store.remove_seat(tx, state.run.id, person_id)
    person = state.people.get(person_id)
    if person is not None:
        await arrive(db, person, now=now, grace=timedelta(days=1))


async def remove_person(
    db: Database, convening_id: int, *, participant_public_id: str, now: datetime
) -> Change:
    """The host removes someone: sessions end, their seat goes, a lone partner is re-placed,
    and they are never paired or let back in through their link again."""
    state = await load_state(db, convening_id)
    person = next((p for p in state.people.values() if p.public_id == participant_public_id), None)
    if person is None:
        raise NotFound("participant")
    group = state.group_of(person.id)
    async with db.transaction() as tx:
        await safety_store.remove_participant(tx, convening_id, person.id, now)
        if state.run is not None and group is not None:
            await live_store.remove_seat(tx, state.run.id, person.id)
    touched = {person.id}
    if state.run is not None and group is not None:
        remaining = [m for m in group.members if m != person.id]
        touched |= set(remaining)
        if len(remaining) == 1:
            await _replace_alone(db, await load_state(db, convening_id), remaining[0], now=now)
    async with db.transaction() as tx:
        seq = await live_store.bump_seq(tx, convening_id)
    return Change(convening_id, seq, "removed", None)
