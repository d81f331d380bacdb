"""Example-based checks of the rules and the explanations a host and participants read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crossroads.pairing import (
    Compromise,
    PairingRequest,
    Person,
    Reason,
    assign,
    random_assignment,
    score,
)

pytestmark = pytest.mark.unit
PACKAGE = Path(__file__).resolve().parents[3] / "src" / "crossroads" / "pairing"
ALLOWED_THIRD_PARTY = {"numpy", "networkx"}


def test_the_package_imports_no_framework_and_nothing_else_of_ours() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                ours = name.startswith("crossroads.")
                if ours and not name.startswith("crossroads.pairing"):
                    offenders.append(f"{path.name}: {name}")
                elif not ours and top not in ALLOWED_THIRD_PARTY and top != "crossroads":
                    import sys

                    if top not in sys.stdlib_module_names:
                        offenders.append(f"{path.name}: {name}")
    assert offenders == []


def person(
    pid: str,
    langs: str = "en",
    org: str = "",
    movements: str = "",
    region: str = "",
    topic: str | None = None,
) -> Person:
    return Person(
        id=pid,
        organisation=org,
        movements=frozenset(m for m in movements.split(",") if m),
        region=region,
        languages=frozenset(langs.split(",")),
        topic=topic,
    )


def test_shared_language_comes_before_different_organisations() -> None:
    people = (
        person("a", "es", org="x"),
        person("b", "es", org="x"),
        person("c", "sw", org="y"),
        person("d", "sw", org="z"),
    )
    groups = {frozenset(g.members) for g in assign(PairingRequest(people=people)).groups}
    assert groups == {frozenset("ab"), frozenset("cd")}


def test_the_explanation_names_the_reasons_and_the_compromises() -> None:
    people = (
        person("a", "es", org="x", movements="land"),
        person("b", "es", org="x", movements="land"),
    )
    (group,) = assign(PairingRequest(people=people, met=frozenset({frozenset("ab")}))).groups
    assert Reason.SHARED_LANGUAGE in group.reasons
    assert group.compromises == (
        Compromise.REPEAT,
        Compromise.SAME_ORGANISATION,
        Compromise.SAME_MOVEMENT,
    )
    assert group.shared_languages == frozenset({"es"})
    assert not group.needs_interpretation


def test_no_shared_language_is_flagged_for_interpretation() -> None:
    (group,) = assign(PairingRequest(people=(person("a", "es"), person("b", "sw")))).groups
    assert group.needs_interpretation
    assert Compromise.NO_SHARED_LANGUAGE in group.compromises


def test_odd_counts_give_exactly_one_trio() -> None:
    people = tuple(person(f"p{i}") for i in range(11))
    sizes = sorted(len(g.members) for g in assign(PairingRequest(people=people)).groups)
    assert sizes == [2, 2, 2, 2, 3]


def test_topic_rounds_group_within_each_topic() -> None:
    people = tuple(person(f"w{i}", topic="water") for i in range(6)) + tuple(
        person(f"f{i}", topic="food") for i in range(6)
    )
    result = assign(PairingRequest(people=people, size=3, by_topic=True))
    for group in result.groups:
        assert len({m[0] for m in group.members}) == 1
        assert Reason.SAME_TOPIC in group.reasons


def test_a_lone_topic_beside_a_full_trio_makes_two_pairs_not_someone_alone() -> None:
    # Found by hypothesis: three people without a topic make a trio, the one person who
    # chose "water" could join no group with room, and waited alone.
    people = (*(person(f"p{i}") for i in range(3)), person("w0", topic="water"))

    result = assign(PairingRequest(people=people, size=2, by_topic=True))

    assert sorted(len(g.members) for g in result.groups) == [2, 2]
    assert sorted(m for g in result.groups for m in g.members) == ["p0", "p1", "p2", "w0"]


def test_host_fixed_groups_are_kept() -> None:
    people = tuple(person(f"p{i}") for i in range(6))
    result = assign(PairingRequest(people=people, fixed_groups=(("p0", "p5"),)))
    fixed = result.group_of("p0")
    assert fixed is not None and set(fixed.members) == {"p0", "p5"}
    assert Reason.HOST_FIXED in fixed.reasons


def test_small_groups_mix_organisations_and_movements_better_than_a_shuffle() -> None:
    people = tuple(
        person(f"p{i}", "en", org=f"o{i % 4}", movements=f"m{i % 3}", region=f"r{i % 5}")
        for i in range(40)
    )
    request = PairingRequest(people=people, size=4, seed=3)
    assert score(assign(request), request) > score(random_assignment(request), request)


def test_a_bad_size_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="size must be 2 to 6"):
        PairingRequest(people=(), size=9)


def test_people_who_met_in_an_earlier_convening_are_kept_apart_when_possible() -> None:
    people = tuple(person(f"p{i}") for i in range(4))
    series = {frozenset(("p0", "p1")): 1.0, frozenset(("p2", "p3")): 0.5}
    for seed in range(10):
        result = assign(PairingRequest(people=people, series=series, seed=seed))
        assert {frozenset(g.members) for g in result.groups}.isdisjoint(series)
