"""Changes during a round that move nobody else: a late joiner, a person who dropped out."""

from __future__ import annotations

import math
import random
from dataclasses import replace

from crossroads.pairing.explain import explain
from crossroads.pairing.model import Assignment, Group, PairingRequest, Person
from crossroads.pairing.weights import pair_weight

# Groups fully scored per placement; the rest are only checked for a shared language.
SCORED_GROUPS = 128


def _with_group(assignment: Assignment, index: int | None, group: Group) -> Assignment:
    groups = list(assignment.groups)
    if index is None:
        groups.append(group)
    else:
        # The group stays where it meets (a table at a venue, #32) as its people change.
        groups[index] = replace(group, place=groups[index].place)
    return Assignment(groups=tuple(groups))


def _speaks_with(person: Person, group: Group) -> bool:
    # A language the whole group shares (kept on the group) is one the newcomer can use.
    return not person.languages.isdisjoint(group.shared_languages)


def _home(
    groups: tuple[Group, ...], request: PairingRequest, person: Person, by_id: dict[str, Person]
) -> int | None:
    """Where a newcomer goes: someone waiting alone first, else the best group with room,
    judged on a bounded sample of the groups that share a language with them, so placing one
    person costs the same at 100 or 10,000 people."""
    limit = request.size + 1
    lone: list[int] = []
    open_groups: list[int] = []
    for i, g in enumerate(groups):
        size = len(g.members)
        if size == 1:
            lone.append(i)
        elif size < limit:
            open_groups.append(i)
    candidates = lone or open_groups
    if not candidates:
        return None
    rng = random.Random(f"{request.seed}:{person.id}")  # noqa: S311  reproducible, not secret
    start = rng.randrange(len(candidates))
    rotated = candidates[start:] + candidates[:start]
    pool: list[int] = []
    for i in rotated:
        if _speaks_with(person, groups[i]):
            pool.append(i)
            if len(pool) == SCORED_GROUPS:
                break
    if not pool:
        pool = rotated[:SCORED_GROUPS]
    best, best_gain = None, -math.inf
    for i in pool:
        gain = sum(
            pair_weight(
                person, by_id[m], blocked=request.blocked, met=request.met, series=request.series
            )
            for m in groups[i].members
        )
        # Prefer the smaller group on equal merit: a pair becomes a trio before a trio a four.
        gain -= 0.01 * len(groups[i].members)
        if math.isfinite(gain) and gain > best_gain:
            best, best_gain = i, gain
    if best is None and pool is not rotated:
        # Every sampled group holds someone they are blocked with: look at all of them.
        for i in rotated:
            gain = sum(
                pair_weight(
                    person,
                    by_id[m],
                    blocked=request.blocked,
                    met=request.met,
                    series=request.series,
                )
                for m in groups[i].members
            )
            if math.isfinite(gain) and gain > best_gain:
                best, best_gain = i, gain
    return best


def place_late_joiner(
    assignment: Assignment, request: PairingRequest, person: Person
) -> Assignment:
    by_id = {p.id: p for p in request.people}
    by_id[person.id] = person
    if assignment.group_of(person.id) is not None:
        return assignment
    home = _home(assignment.groups, request, person, by_id)
    if home is None:
        return _with_group(
            assignment, None, explain([person], met=request.met, series=request.series)
        )
    old = assignment.groups[home]
    members = [by_id[m] for m in old.members] + [person]
    group = explain(members, met=request.met, series=request.series, topic=old.topic)
    return _with_group(assignment, home, group)


def drop(assignment: Assignment, request: PairingRequest, person_id: str) -> Assignment:
    by_id = {p.id: p for p in request.people}
    index = next((i for i, g in enumerate(assignment.groups) if person_id in g.members), None)
    if index is None:
        return assignment
    old = assignment.groups[index]
    rest = [by_id[m] for m in old.members if m != person_id]
    others = assignment.groups[:index] + assignment.groups[index + 1 :]
    if len(rest) >= 2:
        group = explain(rest, met=request.met, series=request.series, topic=old.topic)
        return _with_group(assignment, index, group)
    remaining = Assignment(groups=others)
    if not rest:
        return remaining
    # A partner left alone is placed again, exactly as a late joiner would be.
    return place_late_joiner(remaining, request, rest[0])
