"""Warnings of `crossroads pair` (#26): repeats no plan avoids, and Zoom's breakout limits."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads import pairing
from crossroads.commands.plan_checks import ForcedRepeats, unavoidable_repeats, zoom_warnings

pytestmark = pytest.mark.unit


def test_twenty_rounds_of_pairs_for_six_people_force_exactly_45_repeats() -> None:
    assert unavoidable_repeats(6, [[2, 2, 2]] * 20) == ForcedRepeats(60, 15, 45)


@settings(deadline=None, max_examples=20)  # each example plans up to 25 rounds
@given(st.integers(min_value=2, max_value=12), st.integers(min_value=1, max_value=25))
def test_a_real_plan_never_has_fewer_repeats_than_the_unavoidable_count(
    people: int, rounds: int
) -> None:
    request = pairing.PairingRequest(
        people=tuple(pairing.Person(id=f"p{i}") for i in range(people)), size=2, seed=1
    )
    plan = pairing.plan_rounds(request, rounds)
    sizes = [[len(g.members) for g in a.groups] for a in plan]
    meetings = sum(len(list(combinations(g.members, 2))) for a in plan for g in a.groups)

    forced = unavoidable_repeats(people, sizes)

    assert forced.meetings == meetings
    assert meetings - len(pairing.pairs_met(plan)) >= forced.repeats


def test_zoom_warnings_name_each_limit_passed_and_nothing_within_them() -> None:
    assert zoom_warnings([[2] * 50, [3] * 40]) == []
    assert zoom_warnings([[2] * 60])[0].startswith(
        "round 1 has 60 breakout rooms: Zoom allows 50 unless Zoom Support raised"
    )
    over = zoom_warnings([[2] * 150, [2] * 150])
    assert over == [
        "each of rounds 1 and 2 has 150 breakout rooms: a Zoom pre-assignment holds at most "
        "100 rooms (see docs/zoom-breakouts.md). Use larger groups (--size) or split the call."
    ]
    crowded = zoom_warnings([[25] * 44])
    assert crowded == [
        "round 1 has 1100 people: a Zoom pre-assignment holds at most 1,000 participants "
        "(see docs/zoom-breakouts.md). Split the call into several meetings."
    ]
