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
    groups: int
    repeats: int
    shared_language_rate: float
    cross_organisation_rate: float
    cross_movement_rate: float


def summarise(assignment: Assignment, request: PairingRequest) -> Summary:
    by_id = {p.id: p for p in request.people}
    groups = [g for g in assignment.groups if len(g.members) > 1]
    pairs = [(by_id[a], by_id[b]) for g in groups for a, b in combinations(g.members, 2)]
    count = max(1, len(pairs))
    return Summary(
        groups=len(groups),
        repeats=sum(frozenset((a.id, b.id)) in request.met for a, b in pairs),
        shared_language_rate=sum(bool(g.shared_languages) for g in groups) / max(1, len(groups)),
        cross_organisation_rate=sum(
            not (a.organisation and a.organisation == b.organisation) for a, b in pairs
        )
        / count,
        cross_movement_rate=sum(not (a.movements & b.movements) for a, b in pairs) / count,
    )
