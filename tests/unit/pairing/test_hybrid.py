"""Rounds with people in a room and people online (#32): properties of the pure part."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossroads.pairing import Mode, PairingRequest, Person, assign, drop, place_late_joiner
from tests.unit.pairing.strategies import requests

pytestmark = pytest.mark.unit
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLACES = ["", "", "hall", "annex"]


@st.composite
def hybrid_requests(draw: st.DrawFn, mode: Mode | None = None) -> PairingRequest:
    request = draw(requests(max_people=16))
    people = tuple(replace(p, place=draw(st.sampled_from(PLACES))) for p in request.people)
    chosen = mode if mode is not None else draw(st.sampled_from(list(Mode)))
    return replace(request, people=people, mode=chosen)


def _places(request: PairingRequest, members: tuple[str, ...]) -> list[str]:
    by_id = {p.id: p for p in request.people}
    return [by_id[m].place for m in members]


@FAST
@given(hybrid_requests())
def test_everyone_is_placed_exactly_once_in_every_mode(request: PairingRequest) -> None:
    placed = Counter(m for g in assign(request).groups for m in g.members)
    assert placed == Counter(p.id for p in request.people)


@FAST
@given(hybrid_requests())
def test_a_blocked_pair_never_meets_in_a_room_or_online(request: PairingRequest) -> None:
    for group in assign(request).groups:
        for pair in itertools.combinations(group.members, 2):
            assert frozenset(pair) not in request.blocked


@FAST
@given(st.sampled_from([Mode.IN_PERSON, Mode.MIXED]).flatmap(hybrid_requests))
def test_a_group_at_a_venue_holds_only_that_venues_room_people(request: PairingRequest) -> None:
    for group in assign(request).groups:
        rooms = {place for place in _places(request, group.members) if place}
        if group.place:
            # The group says where it meets: its room, and nobody from another room.
            assert rooms == {group.place}
        elif request.mode is Mode.MIXED:
            assert not rooms  # a call-only group in a mixed round is all online people


@FAST
@given(hybrid_requests(Mode.IN_PERSON))
def test_in_person_rounds_keep_rooms_and_calls_apart(request: PairingRequest) -> None:
    at_venue = Counter(p.place for p in request.people if p.place)
    for group in assign(request).groups:
        places = _places(request, group.members)
        if any(places) and not all(places):
            # Only someone alone at their venue meets online instead of nobody.
            lone = [p for p in places if p]
            assert all(at_venue[p] == 1 for p in lone)


@FAST
@given(hybrid_requests(Mode.MIXED))
def test_mixed_groups_hold_one_or_two_people_in_the_room(request: PairingRequest) -> None:
    room_only: list[int] = []
    online_left = False
    for group in assign(request).groups:
        places = _places(request, group.members)
        in_room = sum(1 for p in places if p)
        if in_room and in_room < len(places):
            assert in_room <= 2
        if in_room == len(places):
            room_only.append(in_room)
        if not in_room:
            online_left = True
    if online_left and room_only and not request.blocked:
        # Tables meet in person only when no online person was left to join them: a table
        # is never left without a call while online people meet among themselves.
        pytest.fail("a table met in person while online people were left over")


def test_a_mixed_round_gives_each_table_one_online_partner() -> None:
    """The acceptance case: 4 in a room (two tables) and 4 online, in pairs."""
    people = tuple(
        Person(id=f"r{i}", languages=frozenset({"en"}), place="hall") for i in range(4)
    ) + tuple(Person(id=f"o{i}", languages=frozenset({"en"})) for i in range(4))
    groups = assign(PairingRequest(people=people, mode=Mode.MIXED, seed=7)).groups
    mixed = [g for g in groups if g.place == "hall"]
    assert len(mixed) == 2
    for group in mixed:
        assert sorted(m[0] for m in group.members) == ["o", "r", "r"]
    rest = [g for g in groups if g.place == ""]
    assert [sorted(g.members) for g in rest] == [
        sorted(set(p.id for p in people) - {m for g in mixed for m in g.members})
    ]


def test_mixed_tables_look_for_a_shared_language_online() -> None:
    people = (
        Person(id="r0", languages=frozenset({"fr"}), place="hall"),
        Person(id="r1", languages=frozenset({"fr", "en"}), place="hall"),
        Person(id="o0", languages=frozenset({"en"})),
        Person(id="o1", languages=frozenset({"fr"})),
        Person(id="o2", languages=frozenset({"en"})),
    )
    for seed in range(5):
        groups = assign(PairingRequest(people=people, mode=Mode.MIXED, seed=seed)).groups
        table = next(g for g in groups if g.place == "hall")
        assert "o1" in table.members and table.shared_languages == frozenset({"fr"})


def test_online_rounds_ignore_places() -> None:
    people = tuple(
        Person(id=f"p{i}", languages=frozenset({"en"}), place="hall" if i % 2 else "")
        for i in range(6)
    )
    online = assign(PairingRequest(people=people, seed=1))
    plain = assign(PairingRequest(people=tuple(replace(p, place="") for p in people), seed=1))
    assert [g.members for g in online.groups] == [g.members for g in plain.groups]
    assert all(g.place == "" for g in online.groups)


def test_a_group_keeps_its_table_when_someone_joins_or_leaves() -> None:
    room = tuple(Person(id=f"r{i}", languages=frozenset({"en"}), place="hall") for i in range(2))
    people = (*room, Person(id="o0", languages=frozenset({"en"})))
    request = PairingRequest(people=people, mode=Mode.MIXED, seed=2)
    assignment = assign(request)
    late = Person(id="o1", languages=frozenset({"en"}))
    bigger = replace(request, people=(*people, late))
    shrunk = drop(assignment, request, "o0")
    table = shrunk.group_of("r0")
    assert table is not None and table.members == ("r0", "r1") and table.place == "hall"
    grown = place_late_joiner(shrunk, bigger, late)
    table = grown.group_of("r0")
    assert table is not None and "o1" in table.members and table.place == "hall"


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        PairingRequest(people=(), mode="garden")  # type: ignore[arg-type]
