"""Between the live state and the pure pairing engine: people and groups in its terms.

The engine (pairing/) knows string ids and frozensets; the store keeps integer ids and
numbered groups. These adapters translate both ways, so rounds, presence and moderation
share one reading of "who may sit with whom".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads import pairing
from crossroads.convenings.live_state import LiveSnapshot
from crossroads.store import live as live_store
from crossroads.store.live import GroupRecord, NewGroup
from crossroads.store.records import ParticipantRecord, RoundKind, RoundRecord


def person_of(p: ParticipantRecord, topic: str | None = None) -> pairing.Person:
    return pairing.Person(
        id=str(p.id),
        organisation=p.organisation.strip().casefold(),
        movements=frozenset(m.casefold() for m in p.movements),
        region=p.region.strip().casefold(),
        languages=frozenset(p.languages),
        topic=topic,
    )


def new_group(number: int, group: pairing.Group) -> NewGroup:
    return NewGroup(
        number=number,
        members=tuple(int(m) for m in group.members),
        topic=group.topic or "",
        shared_languages=tuple(sorted(group.shared_languages)),
        needs_interpretation=group.needs_interpretation,
        reasons=tuple(str(r) for r in group.reasons),
        compromises=tuple(str(c) for c in group.compromises),
    )


def group_size(round_: RoundRecord) -> int:
    """How many a group of this round seats (at least two)."""
    return max(2, round_.group_size if round_.kind is not RoundKind.PAIRS else 2)


def as_assignment(groups: Iterable[GroupRecord]) -> pairing.Assignment:
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


def pairing_request(
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
        people=tuple(person_of(p, (topics or {}).get(p.id)) for p in people),
        size=size,
        blocked=frozenset(frozenset(str(i) for i in pair) for pair in blocked),
        met=frozenset(frozenset(str(i) for i in pair) for pair in met),
        series={frozenset(str(i) for i in pair): w for pair, w in (series or {}).items()},
        by_topic=topics is not None,
        seed=seed,
    )


def changed_groups(before: Iterable[GroupRecord], after: pairing.Assignment) -> list[NewGroup]:
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
        changed.append(new_group(number, group))
    return changed


async def met_before(tx: AsyncSession, convening_id: int, run_id: int) -> frozenset[frozenset[str]]:
    """Who shared a group before this run, in the engine's terms."""
    met = await live_store.earlier_partners(tx, convening_id, run_id)
    return frozenset(frozenset(str(i) for i in pair) for pair in met)


def labelled(
    state: LiveSnapshot,
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
        [person_of(p) for p in present], met=met, series={}, topic=topic or None, fixed=fixed
    )
    return replace(new_group(number, group), members=members)
