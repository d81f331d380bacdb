"""A reference for small groups: simulated annealing on the two rules that matter most.

The cost of an assignment is 1,000 per group whose members share no language plus 1 per
pair that met before (blocked pairs cost 1,000,000): the same order as the engine's rules.
Swaps of two people in different groups keep the group sizes; the temperature falls from
``T0`` to ``T1`` over ``steps`` swaps. Slow (pure Python, hundreds of thousands of swaps) and
not part of the engine: it is the yardstick ``bench/pairing.py`` measures the engine against.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from crossroads.pairing import Person
from crossroads.pairing.groups import group_sizes

NO_LANGUAGE = 1000
BLOCKED = 1_000_000
T0, T1 = 3.0, 0.02


def _mask_table(people: Sequence[Person]) -> list[int]:
    table: dict[str, int] = {}
    out = []
    for p in people:
        mask = 0
        for lang in p.languages:
            mask |= 1 << table.setdefault(lang, len(table))
        out.append(mask)
    return out


def anneal_groups(
    people: Sequence[Person],
    size: int,
    *,
    met: frozenset[frozenset[str]] = frozenset(),
    blocked: frozenset[frozenset[str]] = frozenset(),
    steps: int = 200_000,
    seed: int = 0,
) -> list[list[str]]:
    rng = random.Random(seed)
    n = len(people)
    masks = _mask_table(people)
    ids = [p.id for p in people]
    index = {pid: i for i, pid in enumerate(ids)}
    penalty: dict[tuple[int, int], int] = {}
    for pairs, cost in ((met, 1), (blocked, BLOCKED)):
        for pair in pairs:
            a, b = (index.get(x) for x in pair)
            if a is not None and b is not None:
                key = (min(a, b), max(a, b))
                penalty[key] = penalty.get(key, 0) + cost
    order = list(range(n))
    rng.shuffle(order)
    groups: list[list[int]] = []
    start = 0
    for s in group_sizes(n, size):
        groups.append(order[start : start + s])
        start += s
    if len(groups) < 2:
        return [[ids[m] for m in g] for g in groups]

    def cost(members: list[int]) -> int:
        common = -1
        total = 0
        for k, a in enumerate(members):
            common &= masks[a]
            for b in members[k + 1 :]:
                total += penalty.get((min(a, b), max(a, b)), 0)
        return total + (NO_LANGUAGE if len(members) > 1 and common == 0 else 0)

    costs = [cost(g) for g in groups]
    best_total, best = sum(costs), [list(g) for g in groups]
    total = best_total
    for step in range(steps):
        temperature = T0 * (T1 / T0) ** (step / steps)
        x, y = rng.randrange(len(groups)), rng.randrange(len(groups))
        if x == y:
            continue
        i, j = rng.randrange(len(groups[x])), rng.randrange(len(groups[y]))
        gx, gy = list(groups[x]), list(groups[y])
        gx[i], gy[j] = gy[j], gx[i]
        cx, cy = cost(gx), cost(gy)
        delta = cx + cy - costs[x] - costs[y]
        if delta <= 0 or rng.random() < math.exp(-delta / temperature):
            groups[x], groups[y], costs[x], costs[y] = gx, gy, cx, cy
            total += delta
            if total < best_total:
                best_total, best = total, [list(g) for g in groups]
                if best_total == 0:
                    break
    return [[ids[m] for m in g] for g in best]


def language_less(groups: Sequence[Sequence[str]], people: Sequence[Person]) -> int:
    spoken = {p.id: p.languages for p in people}
    return sum(
        1 for g in groups if len(g) > 1 and not frozenset.intersection(*(spoken[m] for m in g))
    )
