"""Small groups (3 to 6): balanced sizes, filled greedily by scarcity, then improved by swaps."""

from __future__ import annotations

import math

import numpy as np

from crossroads.pairing.weights import Ints, Population

SAMPLE_GROUPS = 64
SWAP_TRIES_PER_PERSON = 3
MAX_SWAP_TRIES = 6000


def group_sizes(count: int, size: int) -> list[int]:
    """Balanced sizes, none above ``size + 1`` and none below 2 (for count >= 2)."""
    if count < 2:
        return [count] if count else []
    groups = max(1, count // size)
    while math.ceil(count / groups) > size + 1:
        groups += 1
    base, extra = divmod(count, groups)
    return [base + 1] * extra + [base] * (groups - extra)


def _scarcity_order(pop: Population, people: Ints, rng: np.random.Generator) -> Ints:
    """People with the fewest others sharing a language go first: they have least choice."""
    langs = pop.languages[people]
    counts = np.zeros(people.size)
    for bit in range(63):
        has = ((langs >> np.uint64(bit)) & np.uint64(1)) == 1
        if has.any():
            counts = np.maximum(counts, np.where(has, has.sum(), 0))
    return people[np.lexsort((rng.random(people.size), counts))]


def form_groups(
    pop: Population, people: Ints, size: int, rng: np.random.Generator
) -> list[list[int]]:
    sizes = group_sizes(people.size, size)
    if not sizes:
        return []
    order = _scarcity_order(pop, people, rng)
    groups: list[list[int]] = [[int(p)] for p in order[: len(sizes)]]
    capacity = list(sizes)
    for person in order[len(sizes) :].tolist():
        open_groups = [g for g in range(len(groups)) if len(groups[g]) < capacity[g]]
        if len(open_groups) > SAMPLE_GROUPS:
            open_groups = rng.choice(open_groups, SAMPLE_GROUPS, replace=False).tolist()
        best, best_gain = open_groups[0], -math.inf
        for g in open_groups:
            members = np.asarray(groups[g], dtype=np.int64)
            w = pop.weights(np.full(members.size, person), members)
            gain = float(w.mean())
            if gain > best_gain:
                best, best_gain = g, gain
        groups[best].append(person)
    _swap_improve(pop, groups, rng)
    return groups


def _swap_improve(pop: Population, groups: list[list[int]], rng: np.random.Generator) -> None:
    if len(groups) < 2:
        return
    totals = [pop.group_weight(g) for g in groups]
    people = sum(len(g) for g in groups)
    for _ in range(min(MAX_SWAP_TRIES, SWAP_TRIES_PER_PERSON * people)):
        x, y = rng.integers(0, len(groups), size=2).tolist()
        if x == y:
            continue
        i = int(rng.integers(0, len(groups[x])))
        j = int(rng.integers(0, len(groups[y])))
        gx = [*groups[x][:i], groups[y][j], *groups[x][i + 1 :]]
        gy = [*groups[y][:j], groups[x][i], *groups[y][j + 1 :]]
        tx, ty = pop.group_weight(gx), pop.group_weight(gy)
        if tx + ty > totals[x] + totals[y] + 1e-9:
            groups[x], groups[y] = gx, gy
            totals[x], totals[y] = tx, ty
