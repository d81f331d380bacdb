"""Pairs that share a language whenever a full pairing allows it: augmenting paths (#26).

A matching covers the most people with pairs that share a language exactly when no
augmenting path is left (Berge): a chain x - a = b - c = d - y from one person without such a
partner to another, over language edges, alternating with pairs already formed. Searching it
person by person is too slow at 10,000 people, but people who speak the same set of languages
are interchangeable for this question, so the search runs over those sets ("types", a few
dozen): from the type of the person waiting for a partner, to the type of someone who could
be their partner, whose present partner then waits. A shortest walk over types visits each
type once, so it is made of distinct pairs; the people on it are chosen by weight.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from crossroads.pairing.weights import Population

PICK_SAMPLE = 8  # pairs of a type scored when choosing whom to re-pair on a path


def _shares(pop: Population, a: int, b: int) -> bool:
    return bool(pop.languages[a] & pop.languages[b])


def language_less_pairs(pop: Population, pairs: list[tuple[int, int]]) -> list[int]:
    if not pairs:
        return []
    arr = np.asarray(pairs, dtype=np.int64)
    return np.flatnonzero((pop.languages[arr[:, 0]] & pop.languages[arr[:, 1]]) == 0).tolist()


def augment_languages(
    pop: Population, pairs: list[tuple[int, int]], left: list[int], rng: np.random.Generator
) -> tuple[list[tuple[int, int]], list[int], bool]:
    """Re-pair so that as many pairs as possible share a language. Returns the pairs, who is
    left without a pair, and whether anything changed."""
    bad = language_less_pairs(pop, pairs)
    pool = [p for k in bad for p in pairs[k]] + list(left)
    if len(pool) < 2 or not any(pop.languages[p] for p in pool):
        return pairs, left, False
    bad_set = set(bad)
    good = [pair for k, pair in enumerate(pairs) if k not in bad_set]
    spoken = pop.languages.tolist()  # Python ints: a numpy scalar per lookup is slow
    types: dict[int, int] = {}
    for mask in set(spoken):
        types[mask] = len(types)
    kind = [types[m] for m in spoken]
    masks = list(types)
    adjacent = [[u for u, mu in enumerate(masks) if mu & mt] for mt in masks]

    def type_of(p: int) -> int:
        return kind[p]

    # bucket[(P, Q)]: indexes into ``good`` of pairs with one member of type P, one of Q.
    buckets: dict[tuple[int, int], set[int]] = {}

    def file(k: int) -> None:
        a, b = good[k]
        buckets.setdefault((type_of(a), type_of(b)), set()).add(k)
        buckets.setdefault((type_of(b), type_of(a)), set()).add(k)

    def unfile(k: int) -> None:
        a, b = good[k]
        buckets[(type_of(a), type_of(b))].discard(k)
        buckets[(type_of(b), type_of(a))].discard(k)

    for k in range(len(good)):
        file(k)
    waiting: dict[int, list[int]] = {}
    for p in pool:
        waiting.setdefault(type_of(p), []).append(p)
    changed = False
    for start in list(pool):
        if start not in waiting.get(type_of(start), []):
            continue  # already re-paired by an earlier path
        path = _find_path(start, type_of(start), adjacent, buckets, waiting)
        if path is None:
            continue
        made = _materialise(pop, start, path, good, buckets, waiting, type_of, unfile, rng)
        if made is None:
            continue
        for k, pair in made:
            if k < 0:
                good.append(pair)
                file(len(good) - 1)
            else:
                good[k] = pair
                file(k)
        changed = True
    if not changed:
        return pairs, left, False
    rest = [p for ps in waiting.values() for p in ps]
    extra, rest = _pair_rest(pop, rest)
    return good + extra, rest, True


def _find_path(
    start: int,
    start_type: int,
    adjacent: list[list[int]],
    buckets: dict[tuple[int, int], set[int]],
    waiting: dict[int, list[int]],
) -> list[tuple[int, int]] | None:
    """Steps (P, Q) from ``start``'s type to a type next to someone waiting (not ``start``):
    each step re-pairs the one waiting with a member of type P, whose partner (type Q) waits."""
    previous: dict[int, tuple[int, int, int] | None] = {start_type: None}
    queue = deque([start_type])
    while queue:
        s = queue.popleft()
        for p in adjacent[s]:
            others = waiting.get(p, [])
            if any(o != start for o in others):
                steps: list[tuple[int, int]] = []
                node = s
                while previous[node] is not None:
                    before, pt, qt = previous[node]  # type: ignore[misc]
                    steps.append((pt, qt))
                    node = before
                steps.reverse()
                steps.append((p, -1))  # the end: pair with someone waiting of type p
                return steps
        for p in adjacent[s]:
            for (pt, q), members in buckets.items():
                if pt == p and members and q not in previous:
                    previous[q] = (s, p, q)
                    queue.append(q)
    return None


def _materialise(
    pop: Population,
    start: int,
    path: list[tuple[int, int]],
    good: list[tuple[int, int]],
    buckets: dict[tuple[int, int], set[int]],
    waiting: dict[int, list[int]],
    type_of,  # type: ignore[no-untyped-def]
    unfile,  # type: ignore[no-untyped-def]
    rng: np.random.Generator,
) -> list[tuple[int, tuple[int, int]]] | None:
    """Choose the people along the walk (best weight among a few of each type's pairs,
    skipping blocked ones); None when the walk cannot be realised."""
    dangling = start
    made: list[tuple[int, tuple[int, int]]] = []
    used: set[int] = set()
    new_pairs: list[tuple[int, tuple[int, int]]] = []
    for p_type, q_type in path[:-1]:
        from_bucket = sorted(buckets.get((p_type, q_type), set()) - used)
        if len(from_bucket) > PICK_SAMPLE:
            from_bucket = [from_bucket[i] for i in rng.permutation(len(from_bucket))[:PICK_SAMPLE]]
        best, best_w = None, -math.inf
        for k in from_bucket:
            a, b = good[k]
            p, q = (a, b) if type_of(a) == p_type and type_of(b) == q_type else (b, a)
            w = pop.weight(dangling, p)
            if math.isfinite(w) and w > best_w:
                best, best_w = (k, p, q), w
        if best is None:
            return None
        k, p, q = best
        used.add(k)
        new_pairs.append((k, (dangling, p)))
        dangling = q
    end_type = path[-1][0]
    ends = [y for y in waiting.get(end_type, []) if y not in (start, dangling)]
    best_y, best_w = None, -math.inf
    for y in ends[:PICK_SAMPLE]:
        w = pop.weight(dangling, y)
        if math.isfinite(w) and w > best_w and _shares(pop, dangling, y):
            best_y, best_w = y, w
    if best_y is None:
        return None
    for k, _ in new_pairs:
        unfile(k)
    made.extend(new_pairs)
    made.append((-1, (dangling, best_y)))
    waiting[type_of(start)].remove(start)
    waiting[end_type].remove(best_y)
    return made


def _pair_rest(pop: Population, rest: list[int]) -> tuple[list[tuple[int, int]], list[int]]:
    """Those still waiting: no path gives them a shared language, so pair them by weight."""
    pairs: list[tuple[int, int]] = []
    alone: list[int] = []
    rest = list(rest)
    while rest:
        a = rest.pop(0)
        scored = [(pop.weight(a, b), b) for b in rest]
        w, b = max(scored, default=(-math.inf, -1))
        if not math.isfinite(w):
            alone.append(a)  # blocked with everyone left (or the odd one): a trio takes them
            continue
        rest.remove(b)
        pairs.append((a, b))
    return pairs, alone
