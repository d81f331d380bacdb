"""Ejection chains: repeats that only a move across three groups at once can undo.

Two people who met before can be left together although a repeat-free assignment exists,
when reaching it takes several moves at once. An 11-person call in pairs: en, en and en+es
make a trio holding a repeat (p0 met p5), next to es / en+es and en+es / es pairs. Moving p0
into the first pair in place of the es speaker, that speaker into the second pair in place
of the en+es speaker, and that one into p0's seat frees everyone, but each pair swap on the
way leaves a group with no common language: a ridge that annealing, which prices such a
group at a thousand repeats, never crosses, and that the later rules' swaps refuse to cross.

A chain here is that whole sequence judged at once. It starts from a member of a repeat (or
a blocked pair) in group G0; each step carries one person into another group in place of a
member, who is then carried on. It closes when the last one carried takes the seat left in
G0 (a swap, or a cycle over three groups), or ends with them joining a group as an extra
member where the sizes stay as they were: G0 was one larger, or someone from a group one
larger takes G0's seat (the trio of an odd call moves to another pair). Every group it
passes through must come out no worse on any of the first rules; the chain is kept only when
the groups it touches break those rules less, in their order (blocked pairs, then a common
language, then repeats), and among such chains the best by the pairs' weights (the later
rules). Work is bounded: at most ``DEPTH`` people carried per chain, at most ``BRANCH``
candidates followed per step (a sample in a crowd), and a ``BUDGET`` per call in chains
weighed, a search over everyone costing more in a crowd. The random stream only samples, so
a seed gives one result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crossroads.pairing.weights import Ints, Population

DEPTH = 3  # people carried per chain: 2 is a swap, 3 a cycle over three groups
BRANCH = 24  # candidates followed per step: all of them in a small call
FILLERS = 3  # people tried in G0's seat per path's end
SCORED = 16  # improving chains weighed per starting group
BUDGET = 20_000  # chains weighed per call: bounded work where repeats abound
SEARCH_PEOPLE = 200  # a search over everyone costs one chain per this many people
FULL = (1 << 64) - 1

Counts = tuple[int, int, int]  # blocked pairs, lacks a common language (0/1), repeats


@dataclass(frozen=True, slots=True)
class _Chain:
    """The groups a chain rewrites, with their new members."""

    groups: tuple[tuple[int, tuple[int, ...]], ...]
    delta: Counts


class _Layout:
    """Each group's first-rule counts, and per person what a swap-in needs: the languages the
    rest of their group shares and the repeats and blocks they are part of there. Who can
    take whose seat, or join which group, is searched once per person for everyone at once
    and kept until a chain changes the groups."""

    def __init__(self, pop: Population, groups: list[list[int]]) -> None:
        n = pop.n
        self.pop, self.groups, self.n = pop, groups, n
        self.langs = pop.languages
        self.masks = [int(m) for m in pop.languages.tolist()]
        self.met_keys = set(pop.met.tolist())
        self.blocked_keys = set(pop.blocked.tolist())
        self.people = np.asarray([m for g in groups for m in g], dtype=np.int64)
        self.group_of = np.full(n, -1, dtype=np.int64)
        self.without = np.zeros(n, dtype=np.uint64)
        self.inner_met = np.zeros(n, dtype=np.int64)
        self.inner_blocked = np.zeros(n, dtype=np.int64)
        count = len(groups)
        self.gmask = np.zeros(count, dtype=np.uint64)
        self.gsize = np.zeros(count, dtype=np.int64)
        self.glangless = np.zeros(count, dtype=bool)
        self.counts: list[Counts] = [(0, 0, 0)] * count
        self._partners: dict[tuple[int, bool], Ints] = {}
        self._seats: dict[int, list[int]] = {}
        self._joins: dict[int, Ints] = {}
        # Work left, in chains weighed; a search over everyone costs more in a crowd.
        self.budget = BUDGET
        self.search_cost = 1 + self.people.size // SEARCH_PEOPLE
        for g in range(count):
            self.refresh(g)

    def key(self, a: int, b: int) -> int:
        return a * self.n + b if a < b else b * self.n + a

    def count(self, members: Sequence[int]) -> Counts:
        blocked = repeats = 0
        common = FULL
        for k, a in enumerate(members):
            common &= self.masks[a]
            for b in members[k + 1 :]:
                key = self.key(a, b)
                blocked += key in self.blocked_keys
                repeats += key in self.met_keys
        return blocked, int(len(members) > 1 and common == 0), repeats

    def refresh(self, g: int) -> None:
        self._seats.clear()
        self._joins.clear()
        members = self.groups[g]
        for m in members:
            rest = FULL
            met = blocked = 0
            for other in members:
                if other != m:
                    rest &= self.masks[other]
                    key = self.key(m, other)
                    met += key in self.met_keys
                    blocked += key in self.blocked_keys
            self.group_of[m] = g
            self.without[m] = rest
            self.inner_met[m] = met
            self.inner_blocked[m] = blocked
        common = FULL
        for m in members:
            common &= self.masks[m]
        self.gmask[g] = common
        self.gsize[g] = len(members)
        self.counts[g] = self.count(members)
        self.glangless[g] = bool(self.counts[g][1])

    def partners(self, person: int, blocked: bool) -> Ints:
        """Those ``person`` met (or is blocked with)."""
        cached = self._partners.get((person, blocked))
        if cached is None:
            keys = self.pop.blocked if blocked else self.pop.met
            lo, hi = keys // self.n, keys % self.n
            cached = np.concatenate((hi[lo == person], lo[hi == person]))
            self._partners[(person, blocked)] = cached
        return cached

    def _in_groups(self, partners: Ints) -> Ints:
        """How many of ``partners`` each group holds."""
        where = self.group_of[partners]
        return np.bincount(where[where >= 0], minlength=len(self.groups))

    def seats(self, x: int) -> list[int]:
        """Members whose seat ``x`` can take with their group no worse on any first rule."""
        found = self._seats.get(x)
        if found is None:
            self.budget -= self.search_cost
            people = self.people
            gid = self.group_of[people]
            new_lacks = ((self.without[people] & self.langs[x]) == 0) & (self.gsize[gid] > 1)
            ok = (~new_lacks | self.glangless[gid]) & (gid != self.group_of[x])
            for blocked, inner in ((False, self.inner_met), (True, self.inner_blocked)):
                partners = self.partners(x, blocked)
                if partners.size:
                    mine = np.zeros(self.n, dtype=np.int64)
                    mine[partners] = 1
                    ok &= self._in_groups(partners)[gid] - mine[people] <= inner[people]
            found = self._seats[x] = people[ok].tolist()
        return found

    def joins(self, x: int) -> Ints:
        """Groups ``x`` can join as an extra member, none the worse for it."""
        found = self._joins.get(x)
        if found is None:
            self.budget -= self.search_cost
            ok = (self.gsize > 0) & (((self.gmask & self.langs[x]) != 0) | self.glangless)
            ok[self.group_of[x]] = False
            for blocked in (False, True):
                partners = self.partners(x, blocked)
                if partners.size:
                    ok &= self._in_groups(partners) == 0
            found = self._joins[x] = np.flatnonzero(ok)
        return found

    def fillers(self, rest: Sequence[int], size: int | None, away: int) -> list[int]:
        """People in groups of ``size`` (any size: None; not group ``away``) who share a
        language with ``rest`` and met none of them: who may take a seat left there."""
        self.budget -= self.search_cost
        people = self.people
        gid = self.group_of[people]
        common = FULL
        for m in rest:
            common &= self.masks[m]
        ok = gid != away
        if size is not None:
            ok &= self.gsize[gid] == size
        if rest:
            ok &= (self.langs[people] & np.uint64(common)) != 0
        met = np.zeros(self.n, dtype=bool)
        for m in rest:
            for blocked in (False, True):
                met[self.partners(m, blocked)] = True
        return people[ok & ~met[people]].tolist()


def untangle(pop: Population, groups: list[list[int]], rng: np.random.Generator) -> bool:
    """Rewrite groups along ejection chains while one removes a repeat or a blocked pair
    without costing the first rules anything; True if any group changed."""
    if len(groups) < 2 or not breaks_pairs(pop, groups):
        return False
    layout = _Layout(pop, groups)
    changed, progress = False, True
    while progress and layout.budget > 0:
        progress = False
        for g0 in range(len(groups)):
            blocked, _, repeats = layout.counts[g0]
            if not (blocked or repeats) or layout.budget <= 0:
                continue
            chain = _Search(layout, g0, rng).best()
            if chain is None:
                continue
            for g, members in chain.groups:
                groups[g] = list(members)
            for g, _members in chain.groups:
                layout.refresh(g)
            changed = progress = True
    return changed


def breaks_pairs(pop: Population, groups: Sequence[Sequence[int]]) -> bool:
    """Whether any group holds a repeat or a blocked pair."""
    if not pop.met.size and not pop.blocked.size:
        return False
    # Each known pair against everyone's group: listing every group's pairs in Python was
    # a few milliseconds of a 10,000-person call, run once a round.
    sizes = np.fromiter((len(g) for g in groups), dtype=np.int64, count=len(groups))
    members = np.fromiter((m for g in groups for m in g), dtype=np.int64, count=int(sizes.sum()))
    group_of = np.full(pop.n, -1, dtype=np.int64)
    group_of[members] = np.repeat(np.arange(len(groups)), sizes)
    for keys in (pop.met, pop.blocked):
        lo, hi = group_of[keys // pop.n], group_of[keys % pop.n]
        if ((lo == hi) & (lo >= 0)).any():
            return True
    return False


class _Search:
    """The improving chains out of group ``g0``: each starts with a member of a repeat (or a
    blocked pair) leaving it, and the best is kept."""

    def __init__(self, layout: _Layout, g0: int, rng: np.random.Generator) -> None:
        self.layout, self.g0, self.rng = layout, g0, rng
        self.size0 = len(layout.groups[g0])
        self.found: list[_Chain] = []
        self.best_delta: Counts = (0, 0, 0)
        self.rest0: list[int] = []
        self._fillers: dict[int, list[int]] = {}
        self._closes: set[int] = set()

    def best(self) -> _Chain | None:
        layout = self.layout
        members0 = layout.groups[self.g0]
        for a in members0:
            if not (layout.inner_met[a] or layout.inner_blocked[a]):
                continue  # moving someone in no repeat leaves the repeat where it is
            self.rest0 = [m for m in members0 if m != a]
            self._fillers = {}
            # Who can take a's seat sharing G0's language and meeting nobody there again:
            # G0 then breaks the first rules less (a was in a repeat or a blocked pair).
            self._closes = set(layout.fillers(self.rest0, None, self.g0))
            self.walk(a, [self.g0], {}, gained=False)
        if not self.found:
            return None
        return max(self.found, key=self._weight_gain)

    def fillers(self, size: int) -> list[int]:
        """A sample of who could take the seat left in G0, from groups of ``size``."""
        found = self._fillers.get(size)
        if found is None:
            everyone = self.layout.fillers(self.rest0, size, self.g0)
            found = self._fillers[size] = _sample(everyone, self.rng, 4 * BRANCH)
        return found

    def consider(self, rewritten: dict[int, list[int]]) -> None:
        self.layout.budget -= 1
        layout = self.layout
        before = [layout.counts[g] for g in rewritten]
        after = [layout.count(m) for m in rewritten.values()]
        delta: Counts = tuple(  # type: ignore[assignment]
            sum(a[k] for a in after) - sum(b[k] for b in before) for k in range(3)
        )
        if delta < self.best_delta:
            self.best_delta, self.found = delta, []
        if delta == self.best_delta and delta < (0, 0, 0) and len(self.found) < SCORED:
            chain = tuple((g, tuple(m)) for g, m in sorted(rewritten.items()))
            self.found.append(_Chain(groups=chain, delta=delta))

    def walk(
        self, x: int, visited: list[int], seats: dict[int, list[int]], *, gained: bool
    ) -> None:
        """``x`` has left the last visited group: place them, and carry on from there.
        ``gained``: a group the chain passed through already breaks the first rules less
        (otherwise only G0 can, and only someone in ``_closes`` can close it)."""
        layout, g0, rest0 = self.layout, self.g0, self.rest0
        moved = len(visited)  # people carried so far, x included
        if moved > 1 and (gained or x in self._closes):  # x takes G0's seat: a swap or a cycle
            self.consider({**seats, g0: [*rest0, x]})
        for g in self.ends(x, visited):
            # x joins group g as an extra member. Sizes are kept when G0 was one larger (it
            # keeps its seat empty) or when someone from a group one larger than g takes it.
            joined = {**seats, g: [*layout.groups[g], x]}
            size = len(layout.groups[g])
            if size + 1 == self.size0:
                self.consider({**joined, g0: rest0})
                continue
            tried = 0
            for c in self.fillers(size + 1):
                h = int(layout.group_of[c])
                if h == g or h in visited:
                    continue
                left = [m for m in layout.groups[h] if m != c]
                self.consider({**joined, g0: [*rest0, c], h: left})
                tried += 1
                if tried == FILLERS:
                    break
        if moved >= DEPTH or layout.budget <= 0:
            return
        candidates = [y for y in layout.seats(x) if int(layout.group_of[y]) not in visited]
        if moved + 1 == DEPTH and not gained:
            candidates = self.enders(candidates, visited)
        else:
            candidates = _sample(candidates, self.rng, BRANCH)
        for y in candidates:
            g = int(layout.group_of[y])
            taken = [x if m == y else m for m in layout.groups[g]]
            better = gained or layout.count(taken) != layout.counts[g]
            self.walk(y, [*visited, g], {**seats, g: taken}, gained=better)

    def enders(self, candidates: list[int], visited: list[int]) -> list[int]:
        """Up to ``BRANCH`` of the candidates who, carried on, can end the chain with a
        gain: those who take G0's seat with a gain first, then (a bounded number checked,
        in a random order) those who can join a group."""
        closing = [y for y in candidates if y in self._closes]
        found = _sample(closing, self.rng, BRANCH)
        others = [y for y in candidates if y not in self._closes]
        for y in _sample(others, self.rng, 4 * BRANCH):
            if len(found) >= BRANCH or self.layout.budget <= 0:
                break
            if self.ends(y, [*visited, int(self.layout.group_of[y])]):
                found.append(y)
        return found

    def ends(self, x: int, visited: list[int]) -> list[int]:
        """Groups ``x`` can join to end a chain: one smaller than G0, or one whose size
        someone (who could take G0's seat) leaves from a group one larger."""
        layout = self.layout
        joins = layout.joins(x)
        if not joins.size or layout.budget <= 0:
            return []
        sizes = layout.gsize[joins]
        ok = sizes + 1 == self.size0
        for size in np.unique(sizes[~ok]).tolist():  # the few sizes there are
            if self.fillers(size + 1):
                ok |= sizes == size
        ok &= ~np.isin(joins, np.asarray([*visited, self.g0], dtype=np.int64))
        return _sample(joins[ok].tolist(), self.rng, BRANCH)

    def _weight_gain(self, chain: _Chain) -> float:
        pop, groups = self.layout.pop, self.layout.groups
        return sum(
            pop.group_weight(list(members)) - pop.group_weight(groups[g])
            for g, members in chain.groups
        )


def _sample(candidates: list[int], rng: np.random.Generator, limit: int) -> list[int]:
    """At most ``limit`` of the candidates: all of them in a small call, a random sample
    (the same for a seed) in a crowd."""
    if len(candidates) <= limit:
        return candidates
    picked = rng.choice(len(candidates), limit, replace=False).tolist()
    return [candidates[i] for i in sorted(picked)]
