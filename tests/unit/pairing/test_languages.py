"""Language first (#26): a group whose members share no language is formed only when no
assignment avoids it, and a repeat is preferred to it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crossroads.pairing import Assignment, PairingRequest, Person, assign, plan_rounds

# The worlds below are built, and searched by brute force, with the engine's own group sizes:
# the question is whether a language-sharing partition exists *into those sizes*, so these
# tests must use exactly the sizes the engine uses, not a copy that could drift from them
# (test_properties.py checks the sizes themselves).
from crossroads.pairing.groups import group_sizes

pytestmark = pytest.mark.unit
LANGUAGES = ["en", "es", "fr", "sw", "ar", "hi"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def language_less(assignment: Assignment, people: Sequence[Person]) -> int:
    spoken = {p.id: p.languages for p in people}
    return sum(
        1
        for g in assignment.groups
        if len(g.members) > 1 and not frozenset.intersection(*(spoken[m] for m in g.members))
    )


def pairs_in(assignment: Assignment) -> set[frozenset[str]]:
    return {frozenset(p) for g in assignment.groups for p in itertools.combinations(g.members, 2)}


@st.composite
def planted(draw: st.DrawFn, max_people: int = 30, sizes: tuple[int, ...] = (2, 3, 4, 5, 6)):  # type: ignore[no-untyped-def]
    """A roster built around groups that each share a language (so an assignment where every
    group shares one provably exists), shuffled, with a history in which those very groups
    already met: every language-sharing assignment may need repeats."""
    size = draw(st.sampled_from(sizes))
    count = draw(st.integers(size, max_people))
    languages = draw(st.lists(st.sampled_from(LANGUAGES), min_size=2, max_size=5, unique=True))
    people: list[Person] = []
    hidden: list[list[str]] = []
    for g, group_size in enumerate(group_sizes(count, size)):
        common = draw(st.sampled_from(languages))
        ids = []
        for k in range(group_size):
            extra = draw(st.sets(st.sampled_from(languages), max_size=1))
            pid = f"g{g}m{k}"
            ids.append(pid)
            people.append(
                Person(
                    id=pid,
                    organisation=draw(st.sampled_from(["", "o1", "o2"])),
                    languages=frozenset({common, *extra}),
                )
            )
        hidden.append(ids)
    order = draw(st.permutations(range(len(people))))
    met = {frozenset(p) for ids in hidden for p in itertools.combinations(ids, 2)}
    if draw(st.booleans()):
        met = set()
    return PairingRequest(
        people=tuple(people[i] for i in order),
        size=size,
        met=frozenset(met),
        seed=draw(st.integers(0, 2**31 - 1)),
    )


@SETTINGS
@given(planted())
def test_every_group_shares_a_language_when_some_assignment_allows_it(
    request: PairingRequest,
) -> None:
    assert language_less(assign(request), request.people) == 0


@st.composite
def crowds(draw: st.DrawFn) -> PairingRequest:
    """Beyond the exact matching's size: pairs each made of someone who speaks only a rare
    language and someone who speaks it and English, in a crowd of English speakers. A full
    pairing that shares a language exists; taking the bilingual for an English pair
    strands the other."""
    people = []
    for k in range(draw(st.integers(10, 40))):
        people.append(Person(id=f"r{k}", languages=frozenset({f"rare{k}"})))
        people.append(Person(id=f"b{k}", languages=frozenset({f"rare{k}", "en"})))
    for k in range(2 * draw(st.integers(60, 300))):
        people.append(
            Person(
                id=f"e{k}",
                organisation=f"o{k % 7}",
                region=f"x{k % 3}",
                languages=frozenset({"en"}),
            )
        )
    order = draw(st.permutations(range(len(people))))
    return PairingRequest(
        people=tuple(people[i] for i in order), seed=draw(st.integers(0, 2**31 - 1))
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowds())
def test_pairs_in_a_crowd_all_share_a_language_when_a_full_pairing_allows_it(
    request: PairingRequest,
) -> None:
    assert language_less(assign(request), request.people) == 0


def _partition_exists(people: Sequence[Person], sizes: list[int], blocked) -> bool:  # type: ignore[no-untyped-def]
    """Brute force: can the people be cut into groups of ``sizes`` that each share a language
    and hold no blocked pair?"""
    if not people:
        return not sizes
    first, rest = people[0], list(people[1:])
    for size in set(sizes):
        left = list(sizes)
        left.remove(size)
        for others in itertools.combinations(rest, size - 1):
            group = (first, *others)
            if not frozenset.intersection(*(p.languages for p in group)):
                continue
            if any(frozenset((a.id, b.id)) in blocked for a, b in itertools.combinations(group, 2)):
                continue
            remaining = [p for p in rest if p not in others]
            if _partition_exists(remaining, left, blocked):
                return True
    return False


@st.composite
def small_rosters(draw: st.DrawFn) -> PairingRequest:
    count = draw(st.integers(2, 9))
    people = tuple(
        Person(
            id=f"p{i}",
            languages=frozenset(
                draw(st.sets(st.sampled_from(LANGUAGES[:4]), min_size=1, max_size=2))
            ),
        )
        for i in range(count)
    )
    ids = [p.id for p in people]
    pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda t: t[0] != t[1])
    return PairingRequest(
        people=people,
        size=draw(st.sampled_from([2, 3, 4])),
        met=frozenset(frozenset(p) for p in draw(st.sets(pair, max_size=12))),
        blocked=frozenset(frozenset(p) for p in draw(st.sets(pair, max_size=2))),
        seed=draw(st.integers(0, 2**31 - 1)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_rosters())
def test_no_language_less_group_where_a_brute_force_search_finds_none_needed(
    request: PairingRequest,
) -> None:
    sizes = group_sizes(len(request.people), request.size)
    if not _partition_exists(request.people, sizes, request.blocked):
        return
    result = assign(request)
    assert not pairs_in(result) & request.blocked
    assert language_less(result, request.people) == 0


def _people(*languages: str) -> tuple[Person, ...]:
    return tuple(
        Person(id=f"p{i}", languages=frozenset(s.split(","))) for i, s in enumerate(languages)
    )


def test_a_pair_repeats_rather_than_share_no_language() -> None:
    people = _people("es", "es", "en", "en")
    met = frozenset({frozenset({"p0", "p1"}), frozenset({"p2", "p3"})})
    result = assign(PairingRequest(people=people, met=met))
    assert {frozenset(g.members) for g in result.groups} == {
        frozenset({"p0", "p1"}),
        frozenset({"p2", "p3"}),
    }


def test_a_trio_repeats_rather_than_share_no_language() -> None:
    people = _people("es", "es", "es", "en", "en", "en")
    met = frozenset(frozenset(p) for p in itertools.combinations(["p0", "p1", "p2"], 2))
    result = assign(PairingRequest(people=people, size=3, met=met))
    assert language_less(result, people) == 0
    assert {frozenset(g.members) for g in result.groups} == {
        frozenset({"p0", "p1", "p2"}),
        frozenset({"p3", "p4", "p5"}),
    }


def test_six_people_over_three_rounds_the_spanish_speaker_is_never_left_without_spanish() -> None:
    """The finding: one Spanish-only speaker, two bilinguals, three English-only, trios. The
    only trio that speaks with her is hers and the bilinguals': it repeats, and it must."""
    people = _people("es", "es,en", "es,en", "en", "en", "en")
    for seed in range(5):
        plan = plan_rounds(PairingRequest(people=people, size=3, seed=seed), rounds=3)
        for round_ in plan:
            assert language_less(round_, people) == 0
            mine = round_.group_of("p0")
            assert mine is not None and set(mine.members) == {"p0", "p1", "p2"}


@st.composite
def rosters_of_51(draw: st.DrawFn) -> PairingRequest:
    """The finding's roster style: English-only, Spanish-only, French-only and bilingual
    people, 51 of them, built around 17 trios that each share a language."""
    people = []
    for g in range(17):
        common = draw(st.sampled_from(["en", "es", "fr"]))
        for k in range(3):
            second = draw(st.sampled_from([None, None, "en", "es", "fr"]))
            people.append(
                Person(
                    id=f"t{g}m{k}",
                    organisation=f"org{draw(st.integers(0, 9))}",
                    languages=frozenset({common} | ({second} if second else set())),
                )
            )
    order = draw(st.permutations(range(51)))
    return PairingRequest(
        people=tuple(people[i] for i in order), size=3, seed=draw(st.integers(0, 2**31 - 1))
    )


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters_of_51())
@example(
    PairingRequest(
        people=tuple(
            Person(id=f"p{i}", languages=frozenset(langs))
            for i, langs in enumerate(
                [{"en"}] * 18
                + [{"es"}] * 12
                + [{"fr"}] * 9
                + [{"en", "es"}] * 6
                + [{"en", "fr"}] * 3
                + [{"es", "fr"}] * 3
            )
        ),
        size=3,
    )
)
def test_fifty_one_people_in_trios_over_five_rounds_all_share_a_language(
    request: PairingRequest,
) -> None:
    plan = plan_rounds(request, rounds=5)
    assert [language_less(round_, request.people) for round_ in plan] == [0] * 5


@SETTINGS
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4).filter(
        lambda sizes: sum(sizes) <= 8  # brute force below
    ),
    speakers=st.integers(min_value=0, max_value=3),
)
def test_the_forced_count_is_a_true_lower_bound_and_exact_when_nobody_shares(
    sizes: list[int], speakers: int
) -> None:
    # People 0..speakers-1 share English, everyone else speaks only a language of their own:
    # the bound must never exceed what a brute-force best partition into these sizes reaches,
    # and with nobody sharing, every group of two or more is forced (the bound once divided by
    # the largest size alone, and annealing chased groups no assignment could fix).
    from crossroads.pairing.engine import population
    from crossroads.pairing.groups import forced_language_less

    n = sum(sizes)
    people = [
        Person(id=f"p{i}", languages=frozenset({"en"} if i < speakers else {f"x{i}"}))
        for i in range(n)
    ]
    pop = population(PairingRequest(people=tuple(people)))
    order = list(range(n))
    groups, start = [], 0
    for size in sizes:
        groups.append(order[start : start + size])
        start += size
    forced = forced_language_less(pop, groups)

    best = min(
        sum(
            1
            for k, size in enumerate(sizes)
            if size > 1 and not set.intersection(*(set(people[m].languages) for m in part[k]))
        )
        for part in _partitions(list(range(n)), sizes)
    )
    assert forced <= best
    if speakers <= 1:
        assert forced == best == sum(1 for size in sizes if size > 1)


def _partitions(people: list[int], sizes: list[int]):  # type: ignore[no-untyped-def]
    if not sizes:
        yield []
        return
    for first in itertools.combinations(people, sizes[0]):
        rest = [p for p in people if p not in first]
        for tail in _partitions(rest, sizes[1:]):
            yield [list(first), *tail]
