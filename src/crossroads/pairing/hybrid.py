"""Rounds with people in a room and people online (#32): who meets at a table, who in a call.

The same rules as everywhere (a shared language, no repeats, never a blocked pair) hold
across both, because every choice here is made with the population's weights:

- **in person**: each venue's people are paired among themselves (they meet at a table);
  online people are paired among themselves (they meet in a call). Someone alone at a venue
  meets online, on their phone, rather than nobody.
- **mixed**: each venue's people form tables of one or two, and each table is joined by
  online people through one device at the table (a group of ``size`` or one more); online
  people nobody's table needs meet among themselves. A table that finds no online partner
  (too few online, or only blocked ones) meets in person.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from crossroads.pairing.explain import explain
from crossroads.pairing.matching import match
from crossroads.pairing.model import Group, Mode, PairingRequest, Person
from crossroads.pairing.weights import Population

# Places a pool of people by the usual rules (engine's topic-aware placement).
PlacePool = Callable[[PairingRequest, Population, Sequence[Person]], list[Group]]
MIXED_SALT = 0x6D6978  # "mix": its own random stream, so online-only rounds are unchanged
ROOM_PER_TABLE = 2  # "one or two people in the room" per mixed group


def by_place(people: Sequence[Person]) -> tuple[dict[str, list[Person]], list[Person]]:
    """People at each venue (in the order given) and the people online."""
    rooms: dict[str, list[Person]] = {}
    online: list[Person] = []
    for person in people:
        if person.place:
            rooms.setdefault(person.place, []).append(person)
        else:
            online.append(person)
    return rooms, online


def hybrid_groups(
    request: PairingRequest, pop: Population, pool: Sequence[Person], place_pool: PlacePool
) -> list[Group]:
    """The groups of ``pool`` for an in-person or mixed round."""
    rooms, online = by_place(pool)
    if request.mode is Mode.IN_PERSON:
        return _in_person(request, pop, rooms, online, place_pool)
    return _mixed(request, pop, rooms, online, place_pool)


def _in_person(
    request: PairingRequest,
    pop: Population,
    rooms: dict[str, list[Person]],
    online: list[Person],
    place_pool: PlacePool,
) -> list[Group]:
    groups: list[Group] = []
    online = list(online)
    for venue in sorted(rooms):
        people = rooms[venue]
        if len(people) < 2:
            online.extend(people)  # alone in the room: meets someone online instead
            continue
        groups.extend(replace(g, place=venue) for g in place_pool(request, pop, people))
    if online:
        groups.extend(place_pool(request, pop, online))
    return groups


def _best_partner(pop: Population, table: list[int], candidates: list[int]) -> int | None:
    """The candidate who best joins ``table`` (finite weight: never a blocked pair)."""
    best, best_gain = None, -math.inf
    for person in candidates:
        gain = pop.join_weight(person, table)
        if math.isfinite(gain) and gain > best_gain:
            best, best_gain = person, gain
    return best


def _tables(pop: Population, people: list[int], rng: np.random.Generator) -> list[list[int]]:
    """The venue's people in tables of two (a matching, so the rules hold) and one."""
    arr = np.asarray(people, dtype=np.int64)
    if arr.size < 2:
        return [[p] for p in people]
    pairs, left = match(pop, arr, rng)
    return [list(p) for p in pairs] + [[p] for p in left]


def _mixed(
    request: PairingRequest,
    pop: Population,
    rooms: dict[str, list[Person]],
    online: list[Person],
    place_pool: PlacePool,
) -> list[Group]:
    rng = np.random.default_rng(((request.seed & 0xFFFFFFFF) << 32) | MIXED_SALT)
    free = [pop.index[p.id] for p in online]
    seated: list[tuple[str, list[int]]] = []
    for venue in sorted(rooms):
        tables = _tables(pop, [pop.index[p.id] for p in rooms[venue]], rng)
        for t in rng.permutation(len(tables)).tolist():
            table = tables[t]
            for _ in range(max(1, request.size - len(table))):
                partner = _best_partner(pop, table, free)
                if partner is None:
                    break
                table.append(partner)
                free.remove(partner)
        # A table of one that found nobody online sits with another table of its venue.
        for table in [t for t in tables if len(t) == 1]:
            # Never a third room person in a group with a call: "one or two in the room".
            others = [
                t
                for t in tables
                if t is not table
                and t
                and len(t) <= request.size
                and (_in_room(request, t) == len(t) or _in_room(request, t) < ROOM_PER_TABLE)
            ]
            home = max(
                (t for t in others if math.isfinite(pop.join_weight(table[0], t))),
                key=lambda t: pop.join_weight(table[0], t),
                default=None,
            )
            if home is not None:
                home.append(table.pop())
        seated.extend((venue, t) for t in tables if t)
    groups = [replace(_explained(request, members), place=venue) for venue, members in seated]
    if len(free) == 1 and groups:
        # One online person left over: they join the group they best fit, never alone.
        person = free[0]
        members = [[pop.index[m] for m in g.members] for g in groups]
        room = [sum(1 for m in g if request.people[m].place) for g in members]
        fits = [
            i
            for i, m in enumerate(members)
            if room[i] <= ROOM_PER_TABLE and math.isfinite(pop.join_weight(person, m))
        ]
        if fits:
            best = max(fits, key=lambda i: pop.join_weight(person, members[i]))
            groups[best] = replace(
                _explained(request, [*members[best], person]), place=groups[best].place
            )
            free = []
    if free:
        groups.extend(place_pool(request, pop, [request.people[i] for i in free]))
    return groups


def _in_room(request: PairingRequest, members: list[int]) -> int:
    return sum(1 for m in members if request.people[m].place)


def _explained(request: PairingRequest, members: list[int]) -> Group:
    return explain([request.people[i] for i in members], met=request.met, series=request.series)
