"""Hypothesis strategies: small convenings of people with overlapping traits."""

from __future__ import annotations

from hypothesis import strategies as st

from crossroads.pairing import PairingRequest, Person

LANGUAGES = ["en", "es", "fr", "sw"]
MOVEMENTS = ["climate", "housing", "labour", "migration", "land", "gender"]


@st.composite
def people(draw: st.DrawFn, min_size: int = 0, max_size: int = 30) -> tuple[Person, ...]:
    count = draw(st.integers(min_size, max_size))
    result = []
    for i in range(count):
        result.append(
            Person(
                id=f"p{i}",
                organisation=draw(st.sampled_from(["", "o1", "o2", "o3", "o4"])),
                movements=frozenset(draw(st.sets(st.sampled_from(MOVEMENTS), max_size=2))),
                region=draw(st.sampled_from(["", "africa", "americas", "asia", "europe"])),
                languages=frozenset(
                    draw(st.sets(st.sampled_from(LANGUAGES), min_size=1, max_size=2))
                ),
                topic=draw(st.sampled_from([None, "water", "food"])),
            )
        )
    return tuple(result)


@st.composite
def requests(
    draw: st.DrawFn,
    min_people: int = 0,
    max_people: int = 30,
    sizes: tuple[int, ...] = (2, 3, 4, 5, 6),
) -> PairingRequest:
    crowd = draw(people(min_people, max_people))
    ids = [p.id for p in crowd]
    pair = (
        st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda t: t[0] != t[1])
        if len(ids) >= 2
        else st.nothing()
    )
    blocked = draw(st.sets(pair, max_size=6)) if len(ids) >= 2 else set()
    met = draw(st.sets(pair, max_size=10)) if len(ids) >= 2 else set()
    return PairingRequest(
        people=crowd,
        size=draw(st.sampled_from(sizes)),
        blocked=frozenset(frozenset(p) for p in blocked),
        met=frozenset(frozenset(p) for p in met),
        by_topic=draw(st.booleans()),
        seed=draw(st.integers(0, 2**31 - 1)),
    )
