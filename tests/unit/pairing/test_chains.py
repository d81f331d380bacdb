"""Ejection chains (``pairing/chains.py``): they only ever trade in the first rules' order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossroads.pairing import PairingRequest, Person
from crossroads.pairing.chains import untangle
from crossroads.pairing.engine import population
from crossroads.pairing.groups import group_sizes
from crossroads.pairing.weights import Population
from tests.unit.pairing.strategies import requests

pytestmark = pytest.mark.unit


def first_rules(pop: Population, groups: list[list[int]]) -> tuple[int, int, int]:
    """Blocked pairs, groups without a common language, repeats: in the rules' order."""
    blocked = set(pop.blocked.tolist())
    met = set(pop.met.tolist())
    keys = [int(pop.key(a, b)) for g in groups for a, b in itertools.combinations(g, 2)]
    lacking = sum(1 for g in groups if len(g) > 1 and not pop.common(g))
    return sum(k in blocked for k in keys), lacking, sum(k in met for k in keys)


def cut(count: int, size: int, order: list[int]) -> list[list[int]]:
    groups, start = [], 0
    for s in group_sizes(count, size):
        groups.append(order[start : start + s])
        start += s
    return groups


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(min_people=2, max_people=20), st.randoms(use_true_random=False))
def test_chains_keep_everyone_and_the_sizes_and_never_break_the_first_rules_more(
    request: PairingRequest, shuffle: object
) -> None:
    pop = population(request)
    order = list(range(pop.n))
    shuffle.shuffle(order)  # type: ignore[attr-defined]
    groups = cut(pop.n, request.size, order)
    before = [list(g) for g in groups]

    changed = untangle(pop, groups, np.random.default_rng(request.seed))

    assert sorted(m for g in groups for m in g) == list(range(pop.n))
    assert sorted(map(len, groups)) == sorted(map(len, before))
    assert changed == (groups != before)
    if changed:
        assert first_rules(pop, groups) < first_rules(pop, before)
    again = [list(g) for g in before]
    untangle(pop, again, np.random.default_rng(request.seed))
    assert again == groups, "the same seed gives the same chains"


def test_a_repeat_behind_a_language_ridge_is_undone_by_a_cycle_over_three_groups() -> None:
    # Pairs en / en (a repeat), es / en+es, en+es / es: every swap of two people leaves an en
    # speaker beside an es speaker, and pairs have no room for a third, so only the three
    # moves at once (p0 for p2, p2 for p4, p4 into p0's seat) reach the repeat-free pairs.
    spoken = ["en", "en", "es", "en es", "en es", "es"]
    people = tuple(Person(id=f"p{i}", languages=frozenset(s.split())) for i, s in enumerate(spoken))
    pop = population(PairingRequest(people=people, met=frozenset({frozenset({"p0", "p1"})})))
    groups = [[0, 1], [2, 3], [4, 5]]

    assert untangle(pop, groups, np.random.default_rng(0))

    assert first_rules(pop, groups) == (0, 0, 0)
    assert sorted(map(len, groups)) == [2, 2, 2]
