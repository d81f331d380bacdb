"""Pairing engine benchmark: speed and quality against networkx exact and a random shuffle.

    python bench/pairing.py [--quick]

For each n: median time of 5 runs of ``assign``; quality ratio
(score - random shuffle) / (exact - random shuffle) where networkx's exact matching is
computable within the time bound; speed ratio exact time / our time in the same run; and the
median time to place one late joiner; and the pairs that share no language (#26). A synthetic
population: skewed languages (many en/es/fr, some single-language speakers of rarer ones), ~30
organisations per 1,000, 12 movements, 6 regions, and 10 % of pairs already met.

Then groups of 3 and 4 against a reference search (simulated annealing on "no common
language" then "no repeat", ``bench/pairing_reference.py``) on three kinds of roster: the
skewed one above; en-only, es-only, fr-only and bilingual people (the 51-person roster of
#26); and speakers of rare languages, each with a bilingual partner, among English speakers.
Each row: groups without a common language and repeats for ours and the reference, after one
earlier round, and both times. Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace

from crossroads import pairing
from crossroads.pairing import Assignment, PairingRequest, Person
from pairing_reference import anneal_groups, language_less

LANGUAGES = ["en", "es", "fr", "pt", "ar", "sw", "hi"]
LANGUAGE_WEIGHTS = [45, 22, 14, 8, 5, 4, 2]
EXACT_UP_TO = 1000  # networkx is cubic: 2,000 would take minutes per run


def population(n: int, seed: int = 1) -> tuple[Person, ...]:
    rng = random.Random(seed)
    people = []
    for i in range(n):
        langs = {rng.choices(LANGUAGES, weights=LANGUAGE_WEIGHTS)[0]}
        if rng.random() < 0.45:
            langs.add(rng.choice(LANGUAGES[:3]))
        people.append(
            Person(
                id=f"p{i}",
                organisation=f"org{rng.randrange(max(2, n * 30 // 1000))}",
                movements=frozenset(rng.sample([f"m{k}" for k in range(12)], rng.randint(1, 3))),
                region=f"region{rng.randrange(6)}",
                languages=frozenset(langs),
            )
        )
    return tuple(people)


def earlier_round(people: tuple[Person, ...], seed: int) -> frozenset[frozenset[str]]:
    """Pairs from a previous random round, so 'no repeat' is part of the problem."""
    rng = random.Random(seed)
    ids = [p.id for p in people]
    rng.shuffle(ids)
    return frozenset(frozenset(ids[i : i + 2]) for i in range(0, len(ids) - 1, 2))


def trilingual(n: int, seed: int = 1) -> tuple[Person, ...]:
    """English-only, Spanish-only, French-only and bilingual people (#26's 51-person roster)."""
    rng = random.Random(seed)
    people = []
    for i in range(n):
        r = rng.random()
        if r < 0.35:
            langs = {"en"}
        elif r < 0.55:
            langs = {"es"}
        elif r < 0.68:
            langs = {"fr"}
        else:
            langs = set(rng.sample(["en", "es", "fr"], 2))
        people.append(
            Person(id=f"p{i}", organisation=f"org{rng.randrange(8)}", languages=frozenset(langs))
        )
    return tuple(people)


def rare(n: int, seed: int = 1) -> tuple[Person, ...]:
    """One in six speaks only a rare language, one in six it and English, the rest English."""
    rng = random.Random(seed)
    people = []
    for i in range(n):
        k = i // 6
        langs = (
            {f"rare{k % 40}"} if i % 6 == 0 else {f"rare{k % 40}", "en"} if i % 6 == 1 else {"en"}
        )
        people.append(
            Person(id=f"p{i}", organisation=f"org{rng.randrange(10)}", languages=frozenset(langs))
        )
    rng.shuffle(people)
    return tuple(people)


def group_pairs(groups: list[list[str]] | Assignment) -> set[frozenset[str]]:
    members = [list(g.members) for g in groups.groups] if isinstance(groups, Assignment) else groups
    return {frozenset((a, b)) for g in members for i, a in enumerate(g) for b in g[i + 1 :]}


def group_rows(quick: bool) -> None:
    print()
    print(
        f"{'roster':>10} {'n':>5} {'size':>4} {'ours ms':>8} {'ref ms':>8} {'speed x':>8} "
        f"{'no-lang ours':>12} {'no-lang ref':>11} {'repeats ours':>12} {'repeats ref':>11}"
    )
    rosters = {"skewed": population, "trilingual": trilingual, "rare": rare}
    sizes = [51, 200] if quick else [51, 200, 500]
    for name, make in rosters.items():
        for n in sizes:
            for size in (3, 4):
                people = make(n)
                first = anneal_groups(people, size, steps=20_000, seed=n)
                met = frozenset(group_pairs(first))
                request = PairingRequest(people=people, size=size, met=met, seed=1)
                times = []
                for run in range(3):
                    ours, seconds = timed(pairing.assign, replace(request, seed=run))
                    times.append(seconds)
                median = statistics.median(times)
                steps = 300_000 if n <= 200 else 600_000
                ref, ref_seconds = timed(
                    lambda: anneal_groups(people, size, met=met, steps=steps, seed=7)  # noqa: B023
                )
                ours_groups = [list(g.members) for g in ours.groups]
                print(
                    f"{name:>10} {n:>5} {size:>4} {median * 1000:>8.1f} {ref_seconds * 1000:>8.0f} "
                    f"{ref_seconds / median:>8.1f} {language_less(ours_groups, people):>12} "
                    f"{language_less(ref, people):>11} {len(group_pairs(ours) & met):>12} "
                    f"{len(group_pairs(ref) & met):>11}",
                    flush=True,
                )
    print(
        "no-lang: groups whose members share no language; speed x: reference time / ours "
        "(the reference stops early once it finds no fault at all)"
    )


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="n up to 2,000 only")
    options = parser.parse_args()
    sizes = [50, 200, 1000, 2000] if options.quick else [50, 200, 1000, 2000, 10000]
    print(
        f"{'n':>6} {'median ms':>10} {'exact ms':>9} {'speed x':>8} {'quality':>8} "
        f"{'late ms':>8} {'repeats':>7} no-lang"
    )
    for n in sizes:
        people = population(n)
        request = PairingRequest(people=people, met=earlier_round(people, n), seed=1)
        times = []
        for run in range(5):
            _result, seconds = timed(pairing.assign, replace(request, seed=run))
            times.append(seconds)
        ours = pairing.assign(request)
        median = statistics.median(times)
        exact_ms = speed = quality = "-"
        if n <= EXACT_UP_TO:
            exact, exact_seconds = timed(pairing.exact_assign, request)
            base = pairing.score(pairing.random_assignment(request), request)
            best = pairing.score(exact, request)
            got = pairing.score(ours, request)
            quality = f"{(got - base) / (best - base):.4f}"
            exact_ms = f"{exact_seconds * 1000:.0f}"
            speed = f"{exact_seconds / median:.0f}"
        late = []
        for k in range(5):
            newcomer = Person(id=f"late{k}", languages=frozenset({LANGUAGES[k % len(LANGUAGES)]}))
            bigger = replace(request, people=(*people, newcomer))
            _, seconds = timed(pairing.place_late_joiner, ours, bigger, newcomer)
            late.append(seconds)
        summary = pairing.summarise(ours, request)
        print(
            f"{n:>6} {median * 1000:>10.1f} {exact_ms:>9} {speed:>8} {quality:>8} "
            f"{statistics.median(late) * 1000:>8.2f} {summary.repeats:>7} "
            f"{summary.no_shared_language} of {summary.groups:,}",
            flush=True,
        )
    print(
        "quality: (ours - random shuffle) / (networkx exact - random shuffle); "
        "speed x: exact time / ours; no-lang: pairs that share no language"
    )
    sys.stdout.flush()
    group_rows(options.quick)


if __name__ == "__main__":
    main()
