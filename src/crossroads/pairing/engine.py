"""``assign``: everyone into pairs or small groups, by the rules, in one call."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from crossroads.pairing.chains import untangle
from crossroads.pairing.explain import explain
from crossroads.pairing.groups import (
    anneal,
    form_groups,
    language_less,
    repair_languages,
    swap_improve,
)
from crossroads.pairing.hybrid import hybrid_groups
from crossroads.pairing.matching import EXACT_UP_TO, match
from crossroads.pairing.model import Assignment, Group, Mode, PairingRequest, Person, Reason
from crossroads.pairing.weights import COMMON, Population, encode


def population(request: PairingRequest) -> Population:
    return encode(request.people, blocked=request.blocked, met=request.met, series=request.series)


def seeded_rng(request: PairingRequest) -> np.random.Generator:
    """The request's random stream: the same seed, the same choices among equal options."""
    return np.random.default_rng(request.seed & 0xFFFFFFFF)


def best_home(pop: Population, person: int, groups: Sequence[list[int]], limit: int) -> int | None:
    """The group with room whose members ``person`` would best meet; None if none can take
    them (all full, or every open group holds someone they are blocked with)."""
    best, best_gain = None, -math.inf
    for g, members in enumerate(groups):
        if not members or len(members) >= limit:
            continue
        # The group as a whole must keep (or gain) a common language: a pairwise sum alone
        # would put an es speaker into an en + en/es pair.
        gain = pop.join_weight(person, members)
        if math.isfinite(gain) and gain > best_gain:
            best, best_gain = g, gain
    return best


def _most_blocked(pop: Population, members: list[int]) -> int:
    """Position of the member in the most blocked pairs within ``members``."""
    arr = np.asarray(members, dtype=np.int64)
    counts = [
        int(np.count_nonzero(~np.isfinite(pop.weights(np.full(arr.size, m), arr)) & (arr != m)))
        for m in members
    ]
    return int(np.argmax(counts))


SETTLE_SAMPLE = 400
SETTLE_ROUNDS = 4


def _settle_trio(
    pop: Population, groups: list[list[int]], trio: int, rng: np.random.Generator
) -> None:
    """Who should be the third, and in which group: matching first and adding the odd one
    out later can strand them in a repeat. Two moves are tried against every pair (a sample
    in a crowd) and the best kept, a few times over: swap a trio member with one of the pair,
    or move a trio member into the pair (the trio becomes a pair, the pair a trio)."""
    for _ in range(SETTLE_ROUNDS):
        moved = _improve_trio(pop, groups, trio, rng)
        if moved is None:
            return
        trio = moved


def _improve_trio(
    pop: Population, groups: list[list[int]], trio: int, rng: np.random.Generator
) -> int | None:
    """Apply the best improving move for the trio at ``trio``; the trio's new index, or None
    when no move scores higher."""
    pairs = [g for g, members in enumerate(groups) if len(members) == 2]
    if len(pairs) > SETTLE_SAMPLE:
        pairs = rng.choice(pairs, SETTLE_SAMPLE, replace=False).tolist()
    if not pairs:
        return None
    ys = np.array([groups[g][k] for g in pairs for k in (0, 1)], dtype=np.int64)
    zs = np.array([groups[g][1 - k] for g in pairs for k in (0, 1)], dtype=np.int64)
    where = [g for g in pairs for _ in (0, 1)]
    best_gain, best_move = 1e-9, None
    members = groups[trio]
    full = np.ones(ys.size, dtype=np.int64)
    langs = pop.languages
    # The trio's common language counts as in ``group_weight``: pairwise sums alone would
    # take en, en+es, es for a trio that shares something.
    had = COMMON * float(bool(pop.common(members)))
    for pos, m in enumerate(members):
        a, b = (x for i, x in enumerate(members) if i != pos)
        leaves = pop.weights(full * m, full * a) + pop.weights(full * m, full * b)
        swap = (
            pop.weights(ys, full * a)
            + pop.weights(ys, full * b)
            + pop.weights(full * m, zs)
            - pop.weights(ys, zs)
            - leaves
            + COMMON * ((langs[ys] & langs[a] & langs[b]) != 0)
            - had
        )
        relocate = (
            pop.weights(full * m, ys)
            + pop.weights(full * m, zs)
            - leaves
            + COMMON * ((langs[ys] & langs[zs] & langs[m]) != 0)
            - had
        )
        for kind, gain in (("swap", swap), ("relocate", relocate)):
            gain = np.where(np.isfinite(gain), gain, -np.inf)
            k = int(np.argmax(gain))
            if gain[k] > best_gain:
                best_gain, best_move = float(gain[k]), (kind, pos, k)
    if best_move is None:
        return None
    kind, pos, k = best_move
    m, rest = int(members[pos]), [x for i, x in enumerate(members) if i != pos]
    y, z, g = int(ys[k]), int(zs[k]), where[k]
    if kind == "swap":
        groups[g] = [m, z]
        groups[trio] = [*rest, y]
        return trio
    groups[g] = [y, z, m]
    groups[trio] = rest
    return g


def _place(
    pop: Population, people: list[int], size: int, rng: np.random.Generator
) -> list[list[int]]:
    arr = np.asarray(people, dtype=np.int64)
    if size == 2:
        pairs, left = match(pop, arr, rng)
        groups = [list(p) for p in pairs]
        for person in left:
            home = best_home(pop, person, groups, size + 1)
            if home is None:
                groups.append([person])
            else:
                groups[home].append(person)
                _settle_trio(pop, groups, home, rng)
        lacking = language_less(pop, groups)
        if any(len(groups[g]) > 2 for g in lacking) or (lacking and arr.size <= EXACT_UP_TO):
            # The matching may leave out someone no pair can take in a common language
            # (en, en / es+fr, fr / es left over): re-cut the groups around them. (Pairs
            # alone are already as many as can share one: the matching saw to that.)
            changed = repair_languages(pop, groups, rng)
            if anneal(pop, groups, rng) or changed:
                swap_improve(pop, groups, rng)  # the later rules, for the groups re-cut
        # A repeat left in the trio (or anywhere) that only a move over three groups at
        # once undoes: the matching and the trio's two-group moves cannot reach it.
        if untangle(pop, groups, rng):
            swap_improve(pop, groups, rng)
        return groups
    else:
        groups = form_groups(pop, arr, size, rng)
        left = []
        # Sizes were balanced, but a blocked pair may have landed together: move one out.
        for members in groups:
            while len(members) > 1 and not math.isfinite(pop.group_weight(members)):
                left.append(members.pop(_most_blocked(pop, members)))
    for person in left:
        home = best_home(pop, person, groups, size + 1)
        if home is None:
            groups.append([person])  # waits alone: nobody can take them without breaking a rule
        else:
            groups[home].append(person)
    return groups


def _groups(
    request: PairingRequest, pop: Population, people: Iterable[Person], topic: str | None
) -> list[Group]:
    return [
        explain(
            [request.people[i] for i in members],
            met=request.met,
            series=request.series,
            topic=topic,
        )
        for members in _place(
            pop, [pop.index[p.id] for p in people], request.size, _rng_for(request, topic)
        )
    ]


def _rng_for(request: PairingRequest, topic: str | None) -> np.random.Generator:
    # Each topic gets its own stream so adding a topic does not reshuffle the others.
    salt = sum(ord(ch) * 131**i for i, ch in enumerate(topic or "")) % 2**31
    return np.random.default_rng(((request.seed & 0xFFFFFFFF) << 32) | salt)


def assign(request: PairingRequest) -> Assignment:
    pop = population(request)
    by_id = {p.id: p for p in request.people}
    fixed: list[Group] = []
    placed: set[str] = set()
    for members in request.fixed_groups:
        people = [by_id[m] for m in members if m in by_id and m not in placed]
        if people:
            placed.update(p.id for p in people)
            fixed.append(explain(people, met=request.met, series=request.series, fixed=True))
    pool = [p for p in request.people if p.id not in placed]
    if request.mode is not Mode.ONLINE and any(p.place for p in pool):
        # People in a room and people online (#32): the same rules, per place.
        return Assignment(groups=(*fixed, *hybrid_groups(request, pop, pool, _pool_groups)))
    return Assignment(groups=(*fixed, *_pool_groups(request, pop, pool)))


def _pool_groups(request: PairingRequest, pop: Population, pool: Sequence[Person]) -> list[Group]:
    """Everyone in ``pool`` into groups: by topic when the round asks for it."""
    if not request.by_topic:
        return _groups(request, pop, pool, None)
    topics: dict[str, list[Person]] = {}
    for person in pool:
        topics.setdefault(person.topic or "", []).append(person)
    groups: list[Group] = []
    strays: list[Person] = []
    for topic, people in sorted(topics.items()):
        if len(people) < 2:
            strays.extend(people)  # a topic nobody else chose: they join another group
            continue
        groups.extend(_groups(request, pop, people, topic or None))
    return list(_place_strays(request, pop, groups, strays).groups)


def _split_for(
    pop: Population, stray: int, groups: Sequence[list[int]], size: int
) -> tuple[int, int] | None:
    """A (group, member) pair: the member of a group over ``size`` whom the stray would best
    meet, or None when no such member is free of a block with them."""
    best, best_weight = None, -math.inf
    for g, members in enumerate(groups):
        if len(members) <= size:
            continue
        for member in members:
            weight = pop.group_weight([member, stray])
            if math.isfinite(weight) and weight > best_weight:
                best, best_weight = (g, member), weight
    return best


def _place_strays(
    request: PairingRequest, pop: Population, groups: list[Group], strays: list[Person]
) -> Assignment:
    members = [[pop.index[m] for m in g.members] for g in groups]
    before = [list(m) for m in members]
    topics = [g.topic for g in groups]
    fixed = [Reason.HOST_FIXED in g.reasons for g in groups]
    for person in strays:
        stray = pop.index[person.id]
        usable = [m if not fixed[i] else [] for i, m in enumerate(members)]
        home = best_home(pop, stray, usable, request.size + 1)
        if home is not None:
            members[home].append(stray)
            continue
        split = _split_for(pop, stray, usable, request.size)
        if split is None:
            # Waits alone: every group is full and holds someone they are blocked with.
            members.append([stray])
            topics.append(person.topic)
        else:
            # Every group is full: one that has a member over the size gives them up to
            # meet the stray (3 + 1 people become 2 + 2, never 3 + 1 alone).
            group, member = split
            members[group].remove(member)
            members.append([member, stray])
            topics.append(topics[group])
        fixed.append(False)
    return Assignment(
        groups=tuple(
            groups[i]
            if i < len(groups) and m == before[i]
            else explain(
                [request.people[j] for j in m],
                met=request.met,
                series=request.series,
                topic=topics[i],
            )
            for i, m in enumerate(members)
        )
    )
