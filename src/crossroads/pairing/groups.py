"""Small groups (3 to 6): balanced sizes, filled greedily by scarcity, improved by swaps, then
repaired until every group shares a language wherever that is possible (#26).

The repair is a local search on the language masks (bit operations over everyone at once): a
member of a group with no common language is swapped with, or moved to, someone whose group
then shares one too; for a few people an exhaustive search settles it; simulated annealing
does the rest. The other rules are then improved by swaps that can never cost a group its
common language (``COMMON`` outweighs them all).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from crossroads.pairing.chains import breaks_pairs, untangle
from crossroads.pairing.weights import Ints, Population

SAMPLE_GROUPS = 64
SWAP_TRIES_PER_PERSON = 3
MAX_SWAP_TRIES = 6000
REPAIR_CANDIDATES = 24  # candidates fully scored per repair move
EXACT_UP_TO = 16  # people: an exhaustive search settles what the local search could not
EXACT_NODES = 200_000


def group_sizes(count: int, size: int) -> list[int]:
    """Balanced sizes, none above ``size + 1`` and none below 2 (for count >= 2)."""
    if count < 2:
        return [count] if count else []
    groups = max(1, count // size)
    while math.ceil(count / groups) > size + 1:
        groups += 1
    base, extra = divmod(count, groups)
    return [base + 1] * extra + [base] * (groups - extra)


def _scarcity_order(pop: Population, people: Ints, rng: np.random.Generator) -> Ints:
    """People with the fewest others sharing a language go first: they have least choice."""
    langs = pop.languages[people]
    counts = np.zeros(people.size)
    for bit in range(63):
        has = ((langs >> np.uint64(bit)) & np.uint64(1)) == 1
        if has.any():
            counts = np.maximum(counts, np.where(has, has.sum(), 0))
    return people[np.lexsort((rng.random(people.size), counts))]


def form_groups(
    pop: Population, people: Ints, size: int, rng: np.random.Generator
) -> list[list[int]]:
    sizes = group_sizes(people.size, size)
    if not sizes:
        return []
    order = _scarcity_order(pop, people, rng)
    groups: list[list[int]] = [[int(p)] for p in order[: len(sizes)]]
    masks = pop.languages[order[: len(sizes)]].copy()
    capacity = np.asarray(sizes)
    filled = np.ones(len(sizes), dtype=np.int64)
    for person in order[len(sizes) :].tolist():
        spoken = pop.languages[person]
        open_groups = np.flatnonzero(filled < capacity)
        # Only groups the newcomer can talk with, while there are any: a sample of all
        # groups would leave a rare language's speaker with none.
        speaking = open_groups[(masks[open_groups] & spoken) != 0]
        pool = speaking if speaking.size else open_groups
        if pool.size > SAMPLE_GROUPS:
            pool = rng.choice(pool, SAMPLE_GROUPS, replace=False)
        # All candidate groups' members in one weights call (one call per group was most
        # of the time at a few hundred people), then each group's mean.
        chosen = pool.tolist()
        members = np.fromiter(
            (m for g in chosen for m in groups[g]), dtype=np.int64, count=int(filled[pool].sum())
        )
        w = pop.weights(np.full(members.size, person), members)
        starts = np.concatenate(([0], np.cumsum(filled[pool])[:-1]))
        means = np.add.reduceat(w, starts) / filled[pool]
        best = chosen[int(np.argmax(means))]
        groups[best].append(person)
        masks[best] &= spoken
        filled[best] += 1
    swap_improve(pop, groups, rng)
    changed = repair_languages(pop, groups, rng)
    changed = anneal(pop, groups, rng) or changed
    # Repeats the annealing's one-for-one swaps leave behind a language ridge.
    changed = untangle(pop, groups, rng) or changed
    if changed:
        swap_improve(pop, groups, rng)
    return groups


def swap_improve(pop: Population, groups: list[list[int]], rng: np.random.Generator) -> None:
    if len(groups) < 2:
        return
    totals = [pop.group_weight(g) for g in groups]
    rules = _FirstRules(pop)
    people = sum(len(g) for g in groups)
    for _ in range(min(MAX_SWAP_TRIES, SWAP_TRIES_PER_PERSON * people)):
        x, y = rng.integers(0, len(groups), size=2).tolist()
        if x == y:
            continue
        i = int(rng.integers(0, len(groups[x])))
        j = int(rng.integers(0, len(groups[y])))
        gx = [*groups[x][:i], groups[y][j], *groups[x][i + 1 :]]
        gy = [*groups[y][:j], groups[x][i], *groups[y][j + 1 :]]
        tx, ty = pop.group_weight(gx), pop.group_weight(gy)
        if tx + ty > totals[x] + totals[y] + 1e-9 and rules.kept(groups[x], groups[y], gx, gy):
            groups[x], groups[y] = gx, gy
            totals[x], totals[y] = tx, ty


class _FirstRules:
    """Blocked pairs, groups without a common language and repeats, counted per group: the
    later rules' pairwise weights must never buy a gain with them. (Weights add up per pair,
    so a trio sharing one language outweighs a pair that shares one plus a language-less
    trio, even when the trio holds a repeat the other way avoids.)"""

    def __init__(self, pop: Population) -> None:
        self.n = pop.n
        self.masks = [int(m) for m in pop.languages.tolist()]
        self.met = set(pop.met.tolist())
        self.blocked = set(pop.blocked.tolist())

    def count(self, members: list[int]) -> tuple[int, int, int]:
        blocked = repeats = 0
        common = -1
        for k, a in enumerate(members):
            common &= self.masks[a]
            for b in members[k + 1 :]:
                key = a * self.n + b if a < b else b * self.n + a
                blocked += key in self.blocked
                repeats += key in self.met
        return blocked, int(len(members) > 1 and common == 0), repeats

    def kept(self, *groups: list[int]) -> bool:
        """Whether the last two groups break the first rules no more than the first two."""
        (b1, l1, r1), (b2, l2, r2), (b3, l3, r3), (b4, l4, r4) = map(self.count, groups)
        return (b3 + b4, l3 + l4, r3 + r4) <= (b1 + b2, l1 + l2, r1 + r2)


# --- language repair ------------------------------------------------------------------------


def language_less(pop: Population, groups: Sequence[Sequence[int]]) -> list[int]:
    """Indexes of the groups of two or more whose members share no language."""
    sizes = np.fromiter((len(g) for g in groups), dtype=np.int64, count=len(groups))
    if not sizes.size or not sizes.sum():
        return []
    # One reduction over everyone (a Python loop per group was a fifth of 10,000 pairs' time).
    members = np.fromiter((m for g in groups for m in g), dtype=np.int64, count=int(sizes.sum()))
    nonempty = sizes > 0
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[nonempty]
    common = np.bitwise_and.reduceat(pop.languages[members], starts)
    bad = np.zeros(sizes.size, dtype=bool)
    bad[np.flatnonzero(nonempty)] = (common == 0) & (sizes[nonempty] > 1)
    return np.flatnonzero(bad).tolist()


class _Layout:
    """Who is in which group, with each group's common language mask and, per person, the
    mask their group has without them: what a swap needs, for everyone at once."""

    def __init__(self, pop: Population, groups: list[list[int]]) -> None:
        self.pop = pop
        self.groups = groups
        self.people = np.asarray([m for g in groups for m in g], dtype=np.int64)
        self.group_of = np.full(pop.n, -1, dtype=np.int64)
        self.without = np.zeros(pop.n, dtype=np.uint64)  # group's mask without the person
        self.mask = np.zeros(len(groups), dtype=np.uint64)
        sizes = [len(g) for g in groups]
        self.smallest, self.largest = min(sizes), max(sizes)
        for g in range(len(groups)):
            self.refresh(g)

    def refresh(self, g: int) -> None:
        members = self.groups[g]
        full = ~np.uint64(0)
        langs = self.pop.languages
        mask = full
        for m in members:
            mask &= langs[m]
            self.group_of[m] = g
        self.mask[g] = mask
        for k, m in enumerate(members):
            rest = full
            for other in members[:k] + members[k + 1 :]:
                rest &= langs[other]
            # A person alone in a group: whoever joins them is what they then share.
            self.without[m] = rest if len(members) > 1 else full

    def bad(self, g: int) -> bool:
        return len(self.groups[g]) > 1 and not self.mask[g]

    def apply_swap(self, i: int, j: int) -> None:
        g, h = int(self.group_of[i]), int(self.group_of[j])
        self.groups[g][self.groups[g].index(i)] = j
        self.groups[h][self.groups[h].index(j)] = i
        self.refresh(g)
        self.refresh(h)

    def apply_move(self, i: int, h: int) -> None:
        g = int(self.group_of[i])
        self.groups[g].remove(i)
        self.groups[h].append(i)
        self.refresh(g)
        self.refresh(h)


def _swap_gain(pop: Population, groups: list[list[int]], i: int, g: int, j: int, h: int) -> float:
    gx = [j if m == i else m for m in groups[g]]
    gy = [i if m == j else m for m in groups[h]]
    return pop.group_weight(gx) + pop.group_weight(gy)


def _fix(layout: _Layout, g: int, rng: np.random.Generator) -> bool:
    """The best move that gives the language-less group ``g`` a common language without
    taking one from another group; False when there is none."""
    pop, groups = layout.pop, layout.groups
    langs = pop.languages
    everyone = layout.people
    others = everyone[layout.group_of[everyone] != g]
    best: tuple[float, str, int, int] | None = None
    for i in list(groups[g]):
        rest = layout.without[i]
        if not rest:
            continue  # without i the group still shares nothing: i is not the problem
        joins = others[(langs[others] & rest) != 0]
        if joins.size == 0:
            continue
        fits = joins[(layout.without[joins] & langs[i]) != 0]
        if fits.size > REPAIR_CANDIDATES:
            fits = rng.choice(fits, REPAIR_CANDIDATES, replace=False)
        for j in fits.tolist():
            h = int(layout.group_of[j])
            gain = _swap_gain(pop, groups, i, g, j, h)
            if math.isfinite(gain) and (best is None or gain > best[0]):
                best = (gain, "swap", i, j)
        # Moving i out into a group with room that speaks with them (sizes stay balanced).
        if len(groups[g]) > layout.smallest:
            sizes = np.fromiter((len(x) for x in groups), dtype=np.int64, count=len(groups))
            room = np.flatnonzero((sizes < layout.largest) & ((layout.mask & langs[i]) != 0))
            for h in room.tolist()[:REPAIR_CANDIDATES]:
                if h == g:
                    continue
                gain = pop.group_weight([m for m in groups[g] if m != i]) + pop.group_weight(
                    [*groups[h], i]
                )
                if math.isfinite(gain) and (best is None or gain > best[0]):
                    best = (gain, "move", i, h)
    if best is not None:
        _, kind, i, target = best
        if kind == "swap":
            layout.apply_swap(i, target)
        else:
            layout.apply_move(i, target)
        return True
    return False


def repair_languages(pop: Population, groups: list[list[int]], rng: np.random.Generator) -> bool:
    """Make every group share a language where moves can; True if anything changed."""
    if not language_less(pop, groups) or len(groups) < 2:
        return False
    before = [list(g) for g in groups]
    layout = _Layout(pop, groups)
    # Direct moves first: each removes at least one language-less group.
    progress = True
    while progress:
        progress = False
        for g in language_less(pop, groups):
            if layout.bad(g) and _fix(layout, g, rng):
                progress = True
    left = language_less(pop, groups)
    if left and len(layout.people) <= EXACT_UP_TO:
        found = exact_groups(pop, [len(g) for g in groups], layout.people.tolist())
        if found is not None:
            groups[:] = found
    return groups != before


def exact_groups(pop: Population, sizes: list[int], people: list[int]) -> list[list[int]] | None:
    """Groups of exactly ``sizes`` (in some order) in which everyone shares a language and no
    blocked pair meets, found by exhaustive search with a node budget (None: none found)."""
    langs = pop.languages
    remaining = sorted(sizes, reverse=True)
    nodes = 0
    arr = np.asarray(people, dtype=np.int64)
    i, j = np.triu_indices(arr.size, k=1)
    allowed = np.isfinite(pop.weights(arr[i], arr[j])) & ((langs[arr[i]] & langs[arr[j]]) != 0)
    friends = {p: set() for p in people}  # type: dict[int, set[int]]
    for a, b in zip(arr[i][allowed].tolist(), arr[j][allowed].tolist(), strict=True):
        friends[a].add(b)
        friends[b].add(a)
    # The person with the fewest possible companions first: a dead end shows at once.
    order = sorted(people, key=lambda p: len(friends[p]))

    def ok_pair(a: int, b: int) -> bool:
        return b in friends[a]

    def build(free: list[int], sizes_left: list[int]) -> list[list[int]] | None:
        nonlocal nodes
        if not free:
            return []
        first = free[0]
        for size in sorted(set(sizes_left), reverse=True):
            rest_sizes = list(sizes_left)
            rest_sizes.remove(size)
            for group in extend([first], langs[first], free[1:], size):
                nodes += 1
                if nodes > EXACT_NODES:
                    return None
                left = [p for p in free if p not in group]
                found = build(left, rest_sizes)
                if found is not None:
                    return [group, *found]
        return None

    def extend(group: list[int], mask: np.uint64, pool: list[int], size: int):  # type: ignore[no-untyped-def]
        if len(group) == size:
            yield list(group)
            return
        for k, p in enumerate(pool):
            shared = mask & langs[p]
            if shared and all(ok_pair(p, q) for q in group):
                yield from extend([*group, p], shared, pool[k + 1 :], size)

    return build(order, remaining)


# --- annealing on the first rules -----------------------------------------------------------

NO_LANGUAGE_COST = 1000
BLOCKED_COST = 1_000_000
ANNEAL_STEPS = 100_000
HOT_SHARE = 0.7  # how often a swap starts from a group that breaks a rule
T_START, T_END = 2.0, 0.05


def anneal(pop: Population, groups: list[list[int]], rng: np.random.Generator) -> bool:
    """Simulated annealing on what the first rules count: groups without a common language,
    repeats, blocked pairs. Local moves can stall where an assignment in which every group
    shares a language is several swaps away (a 51-person roster of en, es, fr and bilingual
    people over five rounds); annealing crosses those ridges. First on languages alone (with
    repeats in the cost, a history that makes every language-sharing group a repeat walls
    them off), then on languages and repeats, never trading one for the other. Swaps start
    mostly from a group that breaks a rule, so a crowd costs no more than its few problem
    groups. Pure Python on ints: a swap costs microseconds. True if the groups changed."""
    if len(groups) < 2:
        return False
    changed = False
    forced = forced_language_less(pop, groups)
    if len(language_less(pop, groups)) > forced:
        changed = _anneal(
            pop,
            groups,
            rng,
            language=LANGUAGE_ONLY_COST,
            repeat=0,
            t_start=LANGUAGE_T_START,
            patience=LANGUAGE_PATIENCE,
            floor=forced * LANGUAGE_ONLY_COST,
        )
    if not breaks_pairs(pop, groups):
        return changed  # no repeat and no block: the second phase could only move sideways
    return (
        _anneal(
            pop,
            groups,
            rng,
            language=NO_LANGUAGE_COST,
            repeat=1,
            t_start=T_START,
            # A few thousand steps without progress for a crowd; a handful of groups has few
            # arrangements, and where repeats cannot be avoided (a long series of a small
            # call) every round would otherwise pay the whole patience for nothing.
            patience=min(3_000, 300 * len(groups)),
            floor=forced * NO_LANGUAGE_COST,
        )
        or changed
    )


def forced_language_less(pop: Population, groups: Sequence[Sequence[int]]) -> int:
    """How many groups must lack a common language whatever the assignment of these sizes:
    people who share no language with anyone else here make any group of two or more they
    join language-less, so they need as many groups as the largest ones hold."""
    people = np.asarray([m for g in groups for m in g], dtype=np.int64)
    if people.size == 0:
        return 0
    langs = pop.languages[people]
    alone = np.ones(people.size, dtype=bool)
    for bit in range(63):
        has = ((langs >> np.uint64(bit)) & np.uint64(1)) == 1
        if np.count_nonzero(has) > 1:
            alone &= ~has
    isolated = int(np.count_nonzero(alone))
    # The groups' sizes are set; isolated people fill the largest first. (Dividing by the
    # largest size alone undercounted: with nobody declaring a language, 9 people in three
    # pairs and a trio need 4 such groups, not 3, and annealing chased the missing one for
    # its whole patience each round.)
    isolated -= sum(1 for g in groups if len(g) == 1)  # alone, they break no rule
    needed = 0
    for size in sorted((len(g) for g in groups if len(g) > 1), reverse=True):
        if isolated <= 0:
            break
        isolated -= size
        needed += 1
    return needed


LANGUAGE_ONLY_COST = 10
LANGUAGE_T_START = 1.5
LANGUAGE_PATIENCE = 30_000


def _anneal(  # the two phases differ only in these costs
    pop: Population,
    groups: list[list[int]],
    rng: np.random.Generator,
    *,
    language: int,
    repeat: int,
    t_start: float,
    patience: int,
    floor: int,
) -> bool:
    n = pop.n
    masks = [int(m) for m in pop.languages.tolist()]
    met = set(pop.met.tolist()) if repeat else set()
    blocked = set(pop.blocked.tolist())

    def cost(members: list[int]) -> int:
        common = -1
        total = 0
        for k, a in enumerate(members):
            common &= masks[a]
            for b in members[k + 1 :]:
                key = a * n + b if a < b else b * n + a
                if key in blocked:
                    total += BLOCKED_COST
                elif key in met:
                    total += repeat
        return total + (language if len(members) > 1 and common == 0 else 0)

    costs = [cost(g) for g in groups]
    total = sum(costs)
    if total <= floor:
        return False
    hot = {g for g, c in enumerate(costs) if c}
    best_total = total
    # Changes since the best state, to undo at the end: cheaper than copying every group
    # of a crowd at each improvement.
    journal: list[tuple[int, list[int], int, list[int]]] = []
    chunk = 8192  # random numbers drawn in chunks: most runs stop long before the last step
    since_best = 0
    count = len(groups)
    for step in range(ANNEAL_STEPS):
        temperature = t_start * (T_END / t_start) ** (step / ANNEAL_STEPS)
        if step % chunk == 0:
            draws = rng.random(chunk * 2).tolist()
            picks = rng.integers(0, 1 << 30, size=(chunk, 4)).tolist()
        k = step % chunk
        r = picks[k]
        if hot and draws[2 * k] < HOT_SHARE:
            x = sorted(hot)[r[0] % len(hot)] if len(hot) < 64 else r[0] % count
        else:
            x = r[0] % count
        y = r[1] % count
        if x == y:
            continue
        gx, gy = groups[x], groups[y]
        i, j = r[2] % len(gx), r[3] % len(gy)
        if len(gx) > len(gy) and r[3] % 4 == 0:
            # A move instead of a swap: the larger group gives one person to the smaller.
            nx = gx[:i] + gx[i + 1 :]
            ny = [*gy, gx[i]]
        else:
            nx = [*gx[:i], gy[j], *gx[i + 1 :]]
            ny = [*gy[:j], gx[i], *gy[j + 1 :]]
        cx, cy = cost(nx), cost(ny)
        delta = cx + cy - costs[x] - costs[y]
        if delta <= 0 or draws[2 * k + 1] < math.exp(-delta / temperature):
            journal.append((x, gx, y, gy))
            groups[x], groups[y], costs[x], costs[y] = nx, ny, cx, cy
            for g, c in ((x, cx), (y, cy)):
                if c:
                    hot.add(g)
                else:
                    hot.discard(g)
            total += delta
            if total < best_total:
                best_total, since_best = total, 0
                journal.clear()
                if total <= floor:
                    break  # as good as it can be
                continue
        since_best += 1
        if since_best > patience:
            break
    for x, gx, y, gy in reversed(journal):
        groups[x], groups[y] = gx, gy
    return True
