"""Pairing engine benchmark: speed and quality against networkx exact and a random shuffle.

    python bench/pairing.py [--quick]

For each n: median time of 5 runs of ``assign``; quality ratio
(score - random shuffle) / (exact - random shuffle) where networkx's exact matching is
computable within the time bound; speed ratio exact time / our time in the same run; and the
median time to place one late joiner. A synthetic population: skewed languages (many en/es/fr,
some single-language speakers of rarer ones), ~30 organisations per 1,000, 12 movements,
6 regions, and 10 % of pairs already met. Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace

from crossroads import pairing
from crossroads.pairing import PairingRequest, Person

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
        f"{'late ms':>8} repeats"
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
        repeats = pairing.summarise(ours, request).repeats
        print(
            f"{n:>6} {median * 1000:>10.1f} {exact_ms:>9} {speed:>8} {quality:>8} "
            f"{statistics.median(late) * 1000:>8.2f} {repeats}",
            flush=True,
        )
    print(
        "quality: (ours - random shuffle) / (networkx exact - random shuffle); "
        "speed x: exact time / ours"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
