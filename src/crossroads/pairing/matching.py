"""Pairs for any n: a sparse candidate graph, greedy matching, then 2-opt local improvement.

For small n every pair is a candidate; for large n each person gets candidates drawn from
the people who share one of their languages plus a few at random (the only way someone
with a rare language meets anyone). A little random jitter on the weights chooses among
equally good assignments, so a seed gives one result and different seeds differ.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from crossroads.pairing.languages import augment_languages
from crossroads.pairing.weights import REPEAT, Floats, Ints, Population

JITTER = 0.05
EXACT_UP_TO = 64
DENSE_UP_TO = 400
CANDIDATES_PER_LANGUAGE = 12
RANDOM_CANDIDATES = 4
IMPROVEMENT_PASSES = 6
EXHAUSTIVE_UP_TO = 300  # pairs
EXHAUSTIVE_PASSES = 40
SWAP_TRIES = 24


def candidate_edges(pop: Population, people: Ints, rng: np.random.Generator) -> tuple[Ints, Ints]:
    """Undirected candidate pairs among ``people`` (global indexes), each listed once."""
    m = people.size
    if m < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if m <= DENSE_UP_TO:
        i, j = np.triu_indices(m, k=1)
        return people[i], people[j]
    sources: list[Ints] = []
    targets: list[Ints] = []
    langs = pop.languages[people]
    for bit in range(63):
        in_bucket = people[(langs >> np.uint64(bit)) & np.uint64(1) == 1]
        if in_bucket.size < 2:
            continue
        k = min(CANDIDATES_PER_LANGUAGE, in_bucket.size - 1)
        picks = rng.integers(0, in_bucket.size, size=(in_bucket.size, k))
        sources.append(np.repeat(in_bucket, k))
        targets.append(in_bucket[picks.ravel()])
    picks = rng.integers(0, m, size=(m, RANDOM_CANDIDATES))
    sources.append(np.repeat(people, RANDOM_CANDIDATES))
    targets.append(people[picks.ravel()])
    a = np.concatenate(sources)
    b = np.concatenate(targets)
    keep = a != b
    # Duplicates are harmless (greedy skips taken people) and cheaper than deduplicating.
    return np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])


def greedy_pairs(
    pop: Population, a: Ints, b: Ints, w: Floats, rng: np.random.Generator
) -> tuple[list[tuple[int, int]], set[int]]:
    """Best edges first, each person taken once; returns pairs and who got matched.

    Computed in bulk: an edge that is the best remaining edge of both its ends is exactly the
    edge sequential greedy would take, so each sweep takes all of them at once.
    """
    ok = np.isfinite(w)
    a, b, w = a[ok], b[ok], w[ok]
    order = np.argsort(-(w + rng.random(w.size) * JITTER), kind="stable")
    a, b = a[order], b[order]
    rank = np.arange(a.size)
    matched = np.zeros(pop.n, dtype=bool)
    pairs_a: list[Ints] = []
    pairs_b: list[Ints] = []
    while a.size:
        best = np.full(pop.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, a, rank)
        np.minimum.at(best, b, rank)
        mutual = (best[a] == rank) & (best[b] == rank)
        pairs_a.append(a[mutual])
        pairs_b.append(b[mutual])
        matched[a[mutual]] = True
        matched[b[mutual]] = True
        alive = ~(matched[a] | matched[b])
        a, b, rank = a[alive], b[alive], rank[alive]
    xs = np.concatenate(pairs_a) if pairs_a else np.empty(0, np.int64)
    ys = np.concatenate(pairs_b) if pairs_b else np.empty(0, np.int64)
    pairs = list(zip(xs.tolist(), ys.tolist(), strict=True))
    return pairs, set(xs.tolist()) | set(ys.tolist())


def match(
    pop: Population, people: Ints, rng: np.random.Generator
) -> tuple[list[tuple[int, int]], list[int]]:
    """A near-best matching of ``people``; returns pairs and who is left unmatched."""
    if people.size <= EXACT_UP_TO:
        return _exact_small(pop, people, rng)
    a, b = candidate_edges(pop, people, rng)
    pairs, taken = greedy_pairs(pop, a, b, pop.weights(a, b), rng)
    left = np.array([p for p in people.tolist() if p not in taken], dtype=np.int64)
    # Those whose sampled candidates were all taken: match them among themselves densely.
    while left.size >= 2:
        i, j = np.triu_indices(left.size, k=1)
        extra, got = greedy_pairs(pop, left[i], left[j], pop.weights(left[i], left[j]), rng)
        if not extra:
            break
        pairs.extend(extra)
        left = np.array([p for p in left.tolist() if p not in got], dtype=np.int64)
    pairs, rest = _augment(pop, pairs, left.tolist())
    pairs = improve(pop, pairs, rng)
    # Sampled candidates can miss the one chain of re-pairings that gives the last few
    # pairs a shared language: search it over language types, then improve again (a swap
    # never costs a pair its language, which outweighs every later rule).
    before = set(pairs)
    pairs, rest, changed = augment_languages(pop, pairs, rest, rng)
    if changed:
        pairs = _improve_around(pop, pairs, before, rng)
    return pairs, rest


AROUND = 400  # untouched pairs the re-paired ones may swap with


def _improve_around(
    pop: Population,
    pairs: list[tuple[int, int]],
    before: set[tuple[int, int]],
    rng: np.random.Generator,
) -> list[tuple[int, int]]:
    """2-opt for the few pairs a language repair made, against a sample of the others: the
    rest were improved already, and a pass over 5,000 pairs would double the time."""
    new = [p for p in pairs if p not in before]
    old = [p for p in pairs if p in before]
    picked = rng.permutation(len(old))[:AROUND].tolist()
    sample = [old[i] for i in picked]
    keep = [p for i, p in enumerate(old) if i not in set(picked)]
    return keep + improve(pop, new + sample, rng)


def _augment(
    pop: Population, pairs: list[tuple[int, int]], left: list[int]
) -> tuple[list[tuple[int, int]], list[int]]:
    """Two people left over who may not meet each other (blocked): break one pair (a, b) into
    (x, a) and (y, b), so both are matched and nobody waits for a trio."""
    while len(left) >= 2 and pairs:
        arr = np.array(pairs, dtype=np.int64)
        a, b = arr[:, 0], arr[:, 1]
        best = (-np.inf, -1, 0, 0, False)
        for i, x in enumerate(left):
            for y in left[i + 1 :]:
                fx, fy = np.full(a.size, x), np.full(a.size, y)
                straight = pop.weights(fx, a) + pop.weights(fy, b) - pop.weights(a, b)
                crossed = pop.weights(fx, b) + pop.weights(fy, a) - pop.weights(a, b)
                for gain, cross in ((straight, False), (crossed, True)):
                    k = int(np.argmax(gain))
                    if np.isfinite(gain[k]) and gain[k] > best[0]:
                        best = (float(gain[k]), k, x, y, cross)
        if best[1] < 0:
            break
        _, k, x, y, cross = best
        pa, pb = pairs[k]
        pairs[k] = (x, pb) if cross else (x, pa)
        pairs.append((y, pa) if cross else (y, pb))
        left = [p for p in left if p not in (x, y)]
    return pairs, left


def _exact_small(
    pop: Population, people: Ints, rng: np.random.Generator
) -> tuple[list[tuple[int, int]], list[int]]:
    """Small calls get the optimum (milliseconds at this size), where local search can be
    stuck one three-way swap away from a repeat-free assignment. Randomness among equally
    good answers comes from the order the graph is built in; integer weights with ties keep
    networkx's blossom algorithm fast (distinct jittered floats make it several times slower)."""
    shuffled = people[rng.permutation(people.size)]
    i, j = np.triu_indices(shuffled.size, k=1)
    a, b = shuffled[i], shuffled[j]
    w = pop.weights(a, b)
    ok = np.isfinite(w)
    graph = nx.Graph()
    graph.add_nodes_from(shuffled.tolist())
    weights = np.rint((w[ok] + REPEAT + 1.0) * 100).astype(np.int64)
    graph.add_weighted_edges_from(
        zip(a[ok].tolist(), b[ok].tolist(), weights.tolist(), strict=True)
    )
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    pairs = [(min(x, y), max(x, y)) for x, y in matching]
    pairs.sort(key=lambda pair: int(np.flatnonzero(shuffled == pair[0])[0]))
    matched = {p for pair in pairs for p in pair}
    return pairs, [p for p in shuffled.tolist() if p not in matched]


def improve(
    pop: Population, pairs: list[tuple[int, int]], rng: np.random.Generator
) -> list[tuple[int, int]]:
    """2-opt: for pairs (a,b) and (c,d), switch to (a,c)(b,d) or (a,d)(b,c) when it scores
    higher. Tried in bulk with numpy; accepted greedily, each pair changed once per pass."""
    if len(pairs) < 2:
        return pairs
    arr = np.array(pairs, dtype=np.int64)
    passes = EXHAUSTIVE_PASSES if arr.shape[0] <= EXHAUSTIVE_UP_TO else IMPROVEMENT_PASSES
    for _ in range(passes):
        current = pop.weights(arr[:, 0], arr[:, 1])
        weak = np.flatnonzero(current < current.max(initial=0.0) - 1e-9)
        if weak.size == 0:
            break
        if arr.shape[0] <= EXHAUSTIVE_UP_TO:
            # Few pairs: try every weak pair against every other pair.
            i = np.repeat(weak, arr.shape[0])
            j = np.tile(np.arange(arr.shape[0]), weak.size)
        else:
            tries = min(SWAP_TRIES, arr.shape[0] - 1)
            i = np.repeat(weak, tries)
            j = rng.integers(0, arr.shape[0], size=weak.size * tries)
        keep = i != j
        i, j = i[keep], j[keep]
        a, b = arr[i, 0], arr[i, 1]
        c, d = arr[j, 0], arr[j, 1]
        before = current[i] + current[j]
        cross1 = pop.weights(a, c) + pop.weights(b, d)
        cross2 = pop.weights(a, d) + pop.weights(b, c)
        gain1 = cross1 - before
        gain2 = cross2 - before
        gain = np.maximum(gain1, gain2)
        good = np.flatnonzero(gain > 1e-9)
        if good.size == 0:
            break
        changed = np.zeros(arr.shape[0], dtype=bool)
        improved = False
        for k in good[np.argsort(-gain[good], kind="stable")].tolist():
            x, y = int(i[k]), int(j[k])
            if changed[x] or changed[y]:
                continue
            pa, pb, pc, pd = int(a[k]), int(b[k]), int(c[k]), int(d[k])
            if gain1[k] >= gain2[k]:
                arr[x], arr[y] = (pa, pc), (pb, pd)
            else:
                arr[x], arr[y] = (pa, pd), (pb, pc)
            changed[x] = changed[y] = True
            improved = True
        if not improved:
            break
    return [(int(x), int(y)) for x, y in arr.tolist()]
