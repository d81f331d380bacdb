"""How good it is for two people to meet, as one number per pair, computed in bulk.

The weights encode the rules in their order: each rule's bonus is larger than all the later
ones together, so a better outcome on an earlier rule is never traded for later ones.

    the whole group shares a language  +10,000,000 (per group: ``group_weight``)
    shared language (the pair)            +100,000
    repeat within the convening             -1,000
    different organisations        +40
    different movements            +20 (scaled by how little the movements overlap)
    different regions              +10
    met in an earlier convening     -8 x decayed weight

Blocked pairs are not weighted: they are never candidates at all.

"Shared language" ranks above "no repeat" (#26): meeting someone again is a lesser loss than a
conversation nobody can follow, so a repeat is always chosen over a group without a common
language. A trio can share a language pairwise (en, en+es, es) and still have none in common,
hence the group-level term; the pair term still guides the search towards groups that almost
share one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crossroads.pairing.model import Person

COMMON = 10_000_000.0
LANGUAGE = 100_000.0
REPEAT = 1000.0
ORGANISATION = 40.0
MOVEMENT = 20.0
REGION = 10.0
SERIES = 8.0

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def _contains(sorted_keys: Ints, keys: Ints) -> npt.NDArray[np.bool_]:
    """``np.isin`` for a sorted, unique array: a binary search per key instead of a sort of
    both arrays on every call (a group's few pairs against thousands of earlier ones)."""
    pos = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return np.asarray(sorted_keys[pos] == keys)


def _bits(values: Iterable[str], table: dict[str, int]) -> int:
    mask = 0
    for value in values:
        index = table.setdefault(value, len(table))
        # Beyond 63 distinct values bits are shared: overlap then over-counts slightly,
        # which only makes the engine more careful about diversity.
        mask |= 1 << (index % 63)
    return mask


@dataclass(slots=True)
class Population:
    """People as arrays (index = position in ``ids``) plus the sparse pair sets."""

    ids: list[str]
    index: dict[str, int]
    org: Ints
    region: Ints
    movements: npt.NDArray[np.uint64]
    languages: npt.NDArray[np.uint64]
    blocked: Ints  # sorted pair keys lo * n + hi
    met: Ints
    series_keys: Ints
    series_weight: Floats
    language_index: dict[str, int]

    @property
    def n(self) -> int:
        return len(self.ids)

    def key(self, a: Ints | int, b: Ints | int) -> Ints:
        lo = np.minimum(a, b)
        hi = np.maximum(a, b)
        return np.asarray(lo * self.n + hi, dtype=np.int64)

    def weights(self, a: Ints, b: Ints) -> Floats:
        """Weights of the pairs (a[i], b[i]); ``-inf`` for blocked pairs and for a == b."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        shared = (self.languages[a] & self.languages[b]) != 0
        w = np.where(shared, LANGUAGE, 0.0)
        org_a, org_b = self.org[a], self.org[b]
        # Unknown organisation (-1) counts as different: we cannot tell, so we do not penalise.
        w += np.where((org_a != org_b) | (org_a < 0), ORGANISATION, 0.0)
        mov_a, mov_b = self.movements[a], self.movements[b]
        union = np.bitwise_count(mov_a | mov_b).astype(np.float64)
        common = np.bitwise_count(mov_a & mov_b).astype(np.float64)
        overlap = np.divide(common, union, out=np.zeros_like(union), where=union > 0)
        w += MOVEMENT * (1.0 - overlap)
        reg_a, reg_b = self.region[a], self.region[b]
        w += np.where((reg_a != reg_b) | (reg_a < 0), REGION, 0.0)
        keys = self.key(a, b)
        if self.met.size:
            w -= REPEAT * _contains(self.met, keys)
        if self.series_keys.size:
            pos = np.searchsorted(self.series_keys, keys)
            pos = np.minimum(pos, self.series_keys.size - 1)
            hit = self.series_keys[pos] == keys
            w -= SERIES * np.where(hit, self.series_weight[pos], 0.0)
        bad = a == b
        if self.blocked.size:
            bad |= _contains(self.blocked, keys)
        return np.where(bad, -np.inf, w)

    def weight(self, a: int, b: int) -> float:
        return float(self.weights(np.array([a]), np.array([b]))[0])

    def common(self, members: Iterable[int]) -> int:
        """The language mask the whole group shares (0: none in common)."""
        mask = ~np.uint64(0)
        for m in members:
            mask &= self.languages[m]
        return int(mask)

    def group_weight(self, members: list[int]) -> float:
        """Sum of pair weights in a group, plus ``COMMON`` when everyone in it shares a
        language; -inf when it holds a blocked pair."""
        if len(members) < 2:
            return 0.0
        arr = np.asarray(members, dtype=np.int64)
        i, j = np.triu_indices(len(arr), k=1)
        total = float(self.weights(arr[i], arr[j]).sum())
        return total + COMMON if self.common(members) else total

    def join_weight(self, person: int, members: list[int]) -> float:
        """What ``person`` adds to a group by joining it: their pair weights with everyone
        in it, plus ``COMMON`` when the group then shares a language (and did not before)."""
        if not members:
            return 0.0
        arr = np.asarray(members, dtype=np.int64)
        gain = float(self.weights(np.full(arr.size, person), arr).sum())
        before = len(members) > 1 and bool(self.common(members))
        after = bool(self.common([*members, person]))
        return gain + COMMON * (after - before)


def encode(
    people: Iterable[Person],
    *,
    blocked: Iterable[frozenset[str]] = (),
    met: Iterable[frozenset[str]] = (),
    series: Mapping[frozenset[str], float] | None = None,
) -> Population:
    people = list(people)
    ids = [p.id for p in people]
    index = {pid: i for i, pid in enumerate(ids)}
    n = len(ids)
    orgs: dict[str, int] = {}
    regions: dict[str, int] = {}
    movement_table: dict[str, int] = {}
    language_table: dict[str, int] = {}
    org = np.fromiter(
        (orgs.setdefault(p.organisation, len(orgs)) if p.organisation else -1 for p in people),
        dtype=np.int64,
        count=n,
    )
    region = np.fromiter(
        (regions.setdefault(p.region, len(regions)) if p.region else -1 for p in people),
        dtype=np.int64,
        count=n,
    )
    # People share few distinct sets: encode each set once.
    movement_masks: dict[frozenset[str], int] = {}
    language_masks: dict[frozenset[str], int] = {}
    movements = np.fromiter(
        (
            movement_masks.get(p.movements)
            or movement_masks.setdefault(p.movements, _bits(p.movements, movement_table))
            for p in people
        ),
        dtype=np.uint64,
        count=n,
    )
    languages = np.fromiter(
        (
            language_masks.get(p.languages)
            or language_masks.setdefault(p.languages, _bits(p.languages, language_table))
            for p in people
        ),
        dtype=np.uint64,
        count=n,
    )

    def pair_keys(pairs: Iterable[frozenset[str]]) -> list[int]:
        keys = []
        for pair in pairs:
            if len(pair) != 2:
                continue
            a, b = (index.get(x) for x in pair)
            if a is None or b is None:
                continue
            keys.append(min(a, b) * n + max(a, b))
        return keys

    series_items = sorted(
        (key, float(w)) for pair, w in (series or {}).items() for key in pair_keys([pair])
    )
    return Population(
        ids=ids,
        index=index,
        org=org,
        region=region,
        movements=movements,
        languages=languages,
        blocked=np.unique(np.array(pair_keys(blocked), dtype=np.int64)),
        met=np.unique(np.array(pair_keys(met), dtype=np.int64)),
        series_keys=np.array([k for k, _ in series_items], dtype=np.int64),
        series_weight=np.array([w for _, w in series_items], dtype=np.float64),
        language_index=language_table,
    )


def pair_weight(
    a: Person,
    b: Person,
    *,
    blocked: frozenset[frozenset[str]],
    met: frozenset[frozenset[str]],
    series: Mapping[frozenset[str], float],
) -> float:
    """The same weight as ``Population.weights`` for one pair of people, without numpy:
    placing one late joiner must not pay for encoding thousands of people."""
    key = frozenset((a.id, b.id))
    if a.id == b.id or key in blocked:
        return -np.inf
    w = LANGUAGE if not a.languages.isdisjoint(b.languages) else 0.0
    if not a.organisation or a.organisation != b.organisation:
        w += ORGANISATION
    union = len(a.movements | b.movements)
    if union:
        w += MOVEMENT * (1.0 - len(a.movements & b.movements) / union)
    else:
        w += MOVEMENT
    if not a.region or a.region != b.region:
        w += REGION
    if key in met:
        w -= REPEAT
    if series:
        w -= SERIES * series.get(key, 0.0)
    return w
