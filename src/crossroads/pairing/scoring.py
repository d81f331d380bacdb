"""One number for how good an assignment is, and the summary a host reads."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from crossroads.pairing.engine import population, seeded_rng
from crossroads.pairing.model import Assignment, PairingRequest


def score(assignment: Assignment, request: PairingRequest) -> float:
    """Sum over groups of the group's pair weights per extra member (a pair counts its one
    weight, a trio half its three): comparable between pairs and trios."""
    pop = population(request)
    total = 0.0
    for group in assignment.groups:
        if len(group.members) < 2:
            continue
        members = [pop.index[m] for m in group.members]
        total += pop.group_weight(members) / (len(members) - 1)
    return total


def random_assignment(request: PairingRequest) -> Assignment:
    """The baseline: a plain shuffle cut into groups (what a meeting tool's random split does)."""
    from crossroads.pairing.explain import explain
    from crossroads.pairing.groups import group_sizes

    rng = seeded_rng(request)
    order = [request.people[i] for i in rng.permutation(len(request.people))]
    groups = []
    start = 0
    for size in group_sizes(len(order), request.size):
        groups.append(explain(order[start : start + size], met=request.met, series=request.series))
        start += size
    return Assignment(groups=tuple(groups))


@dataclass(frozen=True, slots=True)
class Summary:
    """Exact counts (#26: a rate rounded to "100 %" hid 2 of 5,000 pairs without a shared
    language), and the rates derived from them."""

    groups: int
    repeats: int
    shared_language_rate: float
    cross_organisation_rate: float
    cross_movement_rate: float
    no_shared_language: int = 0  # groups of two or more with no language in common
    pairs: int = 0  # pairs of people within groups (a trio holds three)
    cross_organisation: int = 0
    cross_movement: int = 0


def summarise(assignment: Assignment, request: PairingRequest) -> Summary:
    by_id = {p.id: p for p in request.people}
    groups = [g for g in assignment.groups if len(g.members) > 1]
    pairs = [(by_id[a], by_id[b]) for g in groups for a, b in combinations(g.members, 2)]
    count = max(1, len(pairs))
    # From the people, not the group's stored words: those could be stale.
    speaking = sum(
        bool(frozenset.intersection(*(by_id[m].languages for m in g.members))) for g in groups
    )
    cross_org = sum(not (a.organisation and a.organisation == b.organisation) for a, b in pairs)
    cross_movement = sum(not (a.movements & b.movements) for a, b in pairs)
    return Summary(
        groups=len(groups),
        repeats=sum(frozenset((a.id, b.id)) in request.met for a, b in pairs),
        shared_language_rate=speaking / max(1, len(groups)),
        cross_organisation_rate=cross_org / count,
        cross_movement_rate=cross_movement / count,
        no_shared_language=len(groups) - speaking,
        pairs=len(pairs),
        cross_organisation=cross_org,
        cross_movement=cross_movement,
    )
