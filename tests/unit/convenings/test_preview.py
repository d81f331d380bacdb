"""The host's moves on the next round's preview (#29): pure rules, checked by property."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from crossroads import pairing
from crossroads.convenings.preview import HostMove, apply_moves
from crossroads.convenings.rounds import PairingPlan
from crossroads.store.live import NewGroup


def _plan(groups: list[list[int]], seq: int = 1) -> PairingPlan:
    people = tuple(
        pairing.Person(id=str(p), organisation=f"org{p % 3}", languages=frozenset({"en"}))
        for g in groups
        for p in g
    )
    state: Any = SimpleNamespace(seq=seq)
    round_: Any = SimpleNamespace(public_id="r1", id=1)
    return PairingPlan(
        state=state,
        round=round_,
        request=pairing.PairingRequest(people=people, size=2),
        groups=tuple(
            NewGroup(
                number=i,
                members=tuple(g),
                topic="",
                shared_languages=("en",),
                needs_interpretation=False,
                reasons=("shared_language",),
                compromises=(),
            )
            for i, g in enumerate(groups, start=1)
        ),
    )


@st.composite
def plans_and_moves(draw: st.DrawFn) -> tuple[list[list[int]], list[HostMove]]:
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=6))
    groups, next_id = [], 1
    for size in sizes:
        groups.append(list(range(next_id, next_id + size)))
        next_id += size
    everyone = list(range(1, next_id + 3))  # a few who are not here (left meanwhile)
    moves = draw(
        st.lists(
            st.builds(
                HostMove,
                person=st.sampled_from(everyone),
                companions=st.frozensets(st.sampled_from(everyone), max_size=3),
            ),
            max_size=6,
        )
    )
    return groups, moves


@given(plans_and_moves())
def test_moves_keep_everyone_exactly_once_in_groups_numbered_one_to_n(
    case: tuple[list[list[int]], list[HostMove]],
) -> None:
    groups, moves = case
    preview = apply_moves(_plan(groups), moves)
    seated = [m for g in preview.plan.groups for m in g.members]
    assert sorted(seated) == sorted(p for g in groups for p in g)
    assert [g.number for g in preview.plan.groups] == list(range(1, len(preview.plan.groups) + 1))
    assert all(g.members for g in preview.plan.groups)


@given(plans_and_moves())
def test_a_kept_move_seats_the_person_with_some_of_their_companions(
    case: tuple[list[list[int]], list[HostMove]],
) -> None:
    groups, moves = case
    preview = apply_moves(_plan(groups), moves)
    # The last move: nothing after it could take its companions away again.
    if moves and moves[-1].person in preview.moved:
        person = moves[-1].person
        group = next(g for g in preview.plan.groups if person in g.members)
        assert set(group.members) & (moves[-1].companions - {person})
    for person in preview.lost:
        assert person in {m.person for m in moves}


def test_a_move_into_another_group_is_written_with_the_host_fixed_reason_and_a_new_token() -> None:
    plan = _plan([[1, 2], [3, 4]])
    before = apply_moves(plan, [])
    after = apply_moves(plan, [HostMove(person=1, companions=frozenset({3, 4}))])
    assert [g.members for g in after.plan.groups] == [(2,), (3, 4, 1)]
    assert "host_fixed" in after.plan.groups[1].reasons
    assert after.moved == frozenset({1}) and after.lost == ()
    assert after.token != before.token
    # Companions all gone: the move cannot be kept, and says so.
    gone = apply_moves(plan, [HostMove(person=1, companions=frozenset({9}))])
    assert gone.lost == (1,) and [g.members for g in gone.plan.groups] == [(1, 2), (3, 4)]


def test_the_token_follows_the_event_number() -> None:
    assert (
        apply_moves(_plan([[1, 2]], seq=1), []).token
        != apply_moves(_plan([[1, 2]], seq=2), []).token
    )
