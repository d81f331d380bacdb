"""Where people's work meets (#9): who works on which issue areas and where, the areas that
several people share, and for each participant who opted in, people they might connect with.
An introduction is made only when both sides asked for it.

Consents decide who appears: the host sees everyone who joined; a participant sees only
people who agreed to be listed, and suggestions only among people who opted in to them. In
Chatham House mode organisations are never shown to participants.

Feedback answers are never tied to a name (#26): the feedback form promises the hosts see
them without names, and nobody opts in to more. So the issues people typed into it appear
only as topics with a count of people (``asked``), never beside who asked, and never decide
a suggestion (which would tell the other person what they wrote).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from crossroads.convenings.feedback import Demand, clean_topic, demand_for
from crossroads.convenings.joining import LobbyPerson, visible_people
from crossroads.convenings.planning import (
    Plan,
    get_plan_for_host,
    get_plan_for_participant,
)
from crossroads.notes.reading import read_notes
from crossroads.store import connections as connection_store
from crossroads.store import feedback as feedback_store
from crossroads.store import participants as participant_store
from crossroads.store import safety as safety_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import HostRecord, ParticipantRecord, PrivacyMode

MAX_SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class Area:
    """An issue area and the people working on it, with the regions they work in."""

    label: str
    people: tuple[LobbyPerson, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    person: LobbyPerson
    shared: tuple[str, ...]  # issue areas and interests in common
    asked: bool  # you already asked for an introduction


@dataclass(frozen=True, slots=True)
class IntersectionMap:
    plan: Plan
    areas: tuple[Area, ...]  # shared by two people or more, most shared first
    solo: tuple[Area, ...]  # areas only one person named
    # Issues asked for in the feedback form: how many people, never who (see the docstring).
    asked: tuple[Demand, ...] = ()


def _areas_of(person: ParticipantRecord, interests: Iterable[str]) -> dict[str, str]:
    labels = {}
    for raw in [*person.movements, *interests]:
        label = clean_topic(raw)
        if label:
            labels.setdefault(label.casefold(), label)
    return labels


def build_map(
    plan: Plan,
    people: Sequence[ParticipantRecord],
    interests: dict[int, list[str]],
    *,
    shown: Sequence[LobbyPerson],
    asked: Sequence[Demand] = (),
) -> IntersectionMap:
    """Group ``shown`` people (already filtered for consent) by the areas they named.

    Ana (Water, Land; Andes) and Bilal (water; Sahel) give one shared area,
    ``Area("Water", (Ana, Bilal), ("Andes", "Sahel"))``, and ``Land`` as a solo area.
    """
    by_public = {p.public_id: p for p in people}
    members: dict[str, list[LobbyPerson]] = {}
    labels: dict[str, str] = {}
    for card in shown:
        record = by_public[card.public_id]
        for key, label in _areas_of(record, interests.get(record.id, [])).items():
            labels.setdefault(key, label)
            members.setdefault(key, []).append(card)
    areas = [
        Area(
            labels[key],
            tuple(who),
            tuple(sorted({p.region for p in who if p.region}, key=str.casefold)),
        )
        for key, who in members.items()
    ]
    areas.sort(key=lambda a: (-len(a.people), a.label.casefold()))
    return IntersectionMap(
        plan=plan,
        areas=tuple(a for a in areas if len(a.people) > 1),
        solo=tuple(a for a in areas if len(a.people) == 1),
        asked=tuple(asked),
    )


async def _load(
    db: Database, plan: Plan
) -> tuple[list[ParticipantRecord], dict[int, list[str]], tuple[Demand, ...]]:
    """The people; per person, the issue areas that came up in what they wrote in the shared
    notes (named mode only); and the issues asked for in the feedback form, unattributed."""
    convening_id = plan.convening.id
    async with db.transaction() as tx:
        people = await participant_store.list_participants(tx, convening_id)
        removed = await safety_store.removed_ids(tx, convening_id)
        interests = await feedback_store.list_interests(tx, [convening_id])
    people = [p for p in people if p.id not in removed]
    kept = {p.id for p in people}
    asked = demand_for([i for i in interests if i.participant_id in kept])
    by_person: dict[int, list[str]] = {}
    # Chatham House: nobody's words may be tied to them, so the notes are left out.
    if plan.convening.privacy_mode is PrivacyMode.NAMED:
        prompts = [p.public_id for r in plan.rounds for p in r.prompts]
        notes = await read_notes(db, plan.convening.public_id, prompts)
        # The feedback topics may name an area to look for in the notes: what a person wrote
        # in the notes is theirs (named mode), whoever typed the word into the form.
        vocabulary = {label for p in people for label in _areas_of(p, []).values()}
        vocabulary |= {d.topic for d in asked}
        for pid, mentioned in areas_in_notes(notes.runs.values(), vocabulary).items():
            by_person.setdefault(pid, []).extend(mentioned)
    return people, by_person, asked


def areas_in_notes(
    runs: Iterable[Iterable[tuple[str, str]]], vocabulary: Iterable[str]
) -> dict[int, list[str]]:
    """The issue areas (from ``vocabulary``) each participant wrote about in the notes.

    ``runs``: per section, ``(author, text)`` pairs as ``read_notes`` gives them.

    >>> areas_in_notes([[("p7", "Our water is running out. "), ("p8", "Rent!")]],
    ...                ["Water", "Land rights"])
    {7: ['Water']}
    """
    written: dict[int, list[str]] = {}
    for section in runs:
        for author, text in section:
            if author.startswith("p") and author[1:].isdigit():
                written.setdefault(int(author[1:]), []).append(text)
    patterns = {
        label: re.compile(rf"\b{re.escape(label.casefold())}\b")
        for label in vocabulary
        if len(label) >= 3
    }
    found: dict[int, list[str]] = {}
    for pid, texts in written.items():
        text = " ".join(texts).casefold()
        mentioned = sorted(label for label, pattern in patterns.items() if pattern.search(text))
        if mentioned:
            found[pid] = mentioned
    return found


async def map_for_host(db: Database, host: HostRecord, public_id: str) -> IntersectionMap:
    plan = await get_plan_for_host(db, host, public_id)
    people, interests, asked = await _load(db, plan)
    # The host already sees every participant on the convening page; here too.
    shown = visible_people(people, PrivacyMode.NAMED, you_id=None, everyone=True)
    return build_map(plan, people, interests, shown=shown, asked=asked)


@dataclass(frozen=True, slots=True)
class Connections:
    plan: Plan
    you: ParticipantRecord
    opted_in: bool
    map: IntersectionMap | None
    suggestions: tuple[Suggestion, ...]
    introductions: tuple[LobbyPerson, ...]
    waiting: tuple[LobbyPerson, ...]  # you asked; they have not (yet)


async def connections_for(
    db: Database, participant: ParticipantRecord, public_id: str
) -> Connections:
    plan = await get_plan_for_participant(db, participant, public_id)
    cid = plan.convening.id
    people, interests, demand = await _load(db, plan)
    async with db.transaction() as tx:
        opted = await connection_store.opted_in_ids(tx, cid)
        asked = await connection_store.requests(tx, cid)
        blocked = await safety_store.blocked_pairs(tx, cid)
    if participant.id not in opted:
        return Connections(plan, participant, False, None, (), (), ())
    mode = plan.convening.privacy_mode
    listed = visible_people(people, mode, you_id=participant.id)
    # Suggestions show people who opted in, listed or not: opting in means being suggested.
    candidates = [
        p
        for p in people
        if p.id in opted
        and p.id != participant.id
        and frozenset((p.id, participant.id)) not in blocked
    ]
    cards = {c.public_id: c for c in visible_people(candidates, mode, you_id=None, everyone=True)}
    mine = _areas_of(participant, interests.get(participant.id, []))
    scored = []
    for p in candidates:
        theirs = _areas_of(p, interests.get(p.id, []))
        shared = tuple(mine[k] for k in sorted(mine) if k in theirs)
        if shared:
            elsewhere = bool(p.region and participant.region and p.region != participant.region)
            scored.append((-len(shared), not elsewhere, p.display_name.casefold(), p, shared))
    scored.sort(key=lambda item: item[:3])
    introductions = [
        cards[p.public_id]
        for p in candidates
        if (participant.id, p.id) in asked and (p.id, participant.id) in asked
    ]
    waiting = [
        cards[p.public_id]
        for p in candidates
        if (participant.id, p.id) in asked and (p.id, participant.id) not in asked
    ]
    introduced = {c.public_id for c in introductions}
    suggestions = tuple(
        Suggestion(cards[p.public_id], shared, (participant.id, p.id) in asked)
        for *_rank, p, shared in scored
        if p.public_id not in introduced
    )[:MAX_SUGGESTIONS]
    return Connections(
        plan=plan,
        you=participant,
        opted_in=True,
        map=build_map(plan, people, interests, shown=listed, asked=demand),
        suggestions=suggestions,
        introductions=tuple(introductions),
        waiting=tuple(waiting),
    )


async def set_opt_in(
    db: Database, participant: ParticipantRecord, public_id: str, *, on: bool, now: datetime
) -> None:
    await get_plan_for_participant(db, participant, public_id)
    async with db.transaction() as tx:
        await connection_store.set_opt_in(tx, participant.id, on, now)


async def request_introduction(
    db: Database,
    participant: ParticipantRecord,
    public_id: str,
    *,
    other_public_id: str,
    now: datetime,
) -> bool:
    """Ask to be introduced; returns True when the other person had asked too (the
    introduction is then shown to both). Someone who did not opt in, is in another
    convening, or is blocked either way is simply not found."""
    plan = await get_plan_for_participant(db, participant, public_id)
    cid = plan.convening.id
    async with db.transaction() as tx:
        opted = await connection_store.opted_in_ids(tx, cid)
        people = await participant_store.list_participants(tx, cid)
        blocked = await safety_store.blocked_pairs(tx, cid)
        other = next((p for p in people if p.public_id == other_public_id), None)
        if (
            other is None
            or other.id == participant.id
            or participant.id not in opted
            or other.id not in opted
            or frozenset((other.id, participant.id)) in blocked
        ):
            raise NotFound("participant")
        await connection_store.add_request(tx, cid, participant.id, other.id, now)
        asked = await connection_store.requests(tx, cid)
    return (other.id, participant.id) in asked
