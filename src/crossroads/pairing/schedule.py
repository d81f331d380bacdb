"""Several rounds planned up front, so nobody meets the same person twice while avoidable.

Greedy round by round paints itself into a corner in small convenings (by round 5 of 8
people, the few pairs left unused do not form a perfect matching). The circle method of
round-robin tournaments gives n - 1 rounds in which every pair meets exactly once; we build
it over a seeded order of people, keep the best-scoring rounds, and repair any blocked pair
by a swap that creates no repeat.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from crossroads.pairing.engine import assign, best_home, population, seeded_rng
from crossroads.pairing.explain import explain
from crossroads.pairing.model import Assignment, PairingRequest
from crossroads.pairing.weights import Population

ROUND_ROBIN_UP_TO = 200


def _circle(order: list[int]) -> list[list[tuple[int, int]]]:
    """All n - 1 rounds of the circle method (``order`` has even length; -1 is a bye)."""
    n = len(order)
    fixed, ring = order[0], order[1:]
    rounds = []
    for _ in range(n - 1):
        line = [fixed, *ring]
        rounds.append([(line[i], line[n - 1 - i]) for i in range(n // 2)])
        ring = ring[-1:] + ring[:-1]
    return rounds


def _repair_blocked(
    pop: Population, pairs: list[tuple[int, int]], used: set[frozenset[int]]
) -> list[tuple[int, int]]:
    pairs = list(pairs)
    for k, (a, b) in enumerate(pairs):
        if a < 0 or b < 0 or math.isfinite(pop.weight(a, b)):
            continue
        for m, (c, d) in enumerate(pairs):
            if m == k or c < 0 or d < 0:
                continue
            for x, y in (((a, c), (b, d)), ((a, d), (b, c))):
                fresh = frozenset(x) not in used and frozenset(y) not in used
                if fresh and math.isfinite(pop.weight(*x)) and math.isfinite(pop.weight(*y)):
                    pairs[k], pairs[m] = x, y
                    break
            else:
                continue
            break
    return pairs


ORDERINGS = 12


def plan_rounds(request: PairingRequest, rounds: int) -> tuple[Assignment, ...]:
    """Round by round (best rounds when that repeats nobody), or a round-robin plan over the
    best of several orderings when round by round would repeat and the plan does not."""
    if rounds < 1:
        return ()
    greedy = _greedy_rounds(request, rounds)
    n = len(request.people)
    if request.size != 2 or n > ROUND_ROBIN_UP_TO or n < 4 or _repeats(greedy) == 0:
        return greedy
    pop = population(request)
    rng = seeded_rng(request)
    best = greedy
    # Groups without a common language first: a plan with fewer repeats but more of them
    # would put "no repeat" above "shared language" (#26).
    best_key = (_language_less(pop, greedy), _repeats(greedy), -_total(pop, greedy))
    for _ in range(ORDERINGS):
        plan = _round_robin(request, pop, rng.permutation(n).tolist(), rounds)
        key = (_language_less(pop, plan), _repeats(plan), -_total(pop, plan))
        if key < best_key:
            best, best_key = plan, key
    return best


def _repeats(plan: tuple[Assignment, ...]) -> int:
    seen: set[frozenset[str]] = set()
    count = 0
    for assignment in plan:
        fresh = pairs_met([assignment])
        count += len(fresh & seen)
        seen |= fresh
    return count


def _language_less(pop: Population, plan: tuple[Assignment, ...]) -> int:
    return sum(
        len(g.members) > 1 and not pop.common(pop.index[m] for m in g.members)
        for assignment in plan
        for g in assignment.groups
    )


def _total(pop: Population, plan: tuple[Assignment, ...]) -> float:
    total = 0.0
    for assignment in plan:
        for group in assignment.groups:
            total += pop.group_weight([pop.index[m] for m in group.members])
    return total


def _round_robin(
    request: PairingRequest, pop: Population, order: list[int], rounds: int
) -> tuple[Assignment, ...]:
    n = len(request.people)
    if n % 2:
        order.append(-1)
    factors = _circle(order)

    def factor_score(pairs: list[tuple[int, int]]) -> float:
        real = [(a, b) for a, b in pairs if a >= 0 and b >= 0]
        w = pop.weights(np.array([a for a, _ in real]), np.array([b for _, b in real]))
        return float(np.where(np.isfinite(w), w, -1e6).sum())

    chosen = sorted(factors, key=factor_score, reverse=True)[: min(rounds, len(factors))]
    used: set[frozenset[int]] = set()
    plans: list[Assignment] = []
    for pairs in chosen:
        pairs = _repair_blocked(pop, pairs, used)
        groups = [[a, b] for a, b in pairs if a >= 0 and b >= 0]
        for a, b in pairs:
            if a >= 0 and b >= 0:
                used.add(frozenset((a, b)))
        bye = next((a if b < 0 else b for a, b in pairs if a < 0 or b < 0), None)
        if bye is not None:
            # The odd person joins a pair neither of whose members they meet elsewhere.
            fresh = [g if all(frozenset((bye, m)) not in used for m in g) else [] for g in groups]
            home = best_home(pop, bye, fresh, 3)
            if home is None:
                home = best_home(pop, bye, groups, 3)
            if home is None:
                groups.append([bye])
            else:
                for m in groups[home]:
                    used.add(frozenset((bye, m)))
                groups[home].append(bye)
        earlier = request.met | pairs_met(plans)
        plans.append(
            Assignment(
                groups=tuple(
                    explain([request.people[i] for i in g], met=earlier, series=request.series)
                    for g in groups
                )
            )
        )
    if rounds > len(plans):
        later = replace(request, met=request.met | pairs_met(plans))
        plans.extend(_greedy_rounds(later, rounds - len(plans)))
    return tuple(plans)


def pairs_met(plans: Iterable[Assignment]) -> frozenset[frozenset[str]]:
    """Every pair of people who shared a group in ``plans``."""
    return frozenset(
        frozenset((a, b))
        for plan in plans
        for g in plan.groups
        for i, a in enumerate(g.members)
        for b in g.members[i + 1 :]
    )


def _greedy_rounds(request: PairingRequest, rounds: int) -> tuple[Assignment, ...]:
    plans: list[Assignment] = []
    for r in range(rounds):
        current = replace(request, met=request.met | pairs_met(plans), seed=request.seed + r)
        plans.append(assign(current))
    return tuple(plans)
