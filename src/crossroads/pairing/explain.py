"""Why a group is what it is: the reasons it is good and the compromises it had to make."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from crossroads.pairing.model import Compromise, Group, Person, Reason


def explain(
    members: Sequence[Person],
    *,
    met: frozenset[frozenset[str]],
    series: Mapping[frozenset[str], float],
    topic: str | None = None,
    fixed: bool = False,
) -> Group:
    ids = tuple(p.id for p in members)
    pairs = [(members[0], members[1])] if len(members) == 2 else list(combinations(members, 2))
    languages = frozenset.intersection(*(p.languages for p in members)) if members else frozenset()
    reasons: list[Reason] = []
    compromises: list[Compromise] = []
    if fixed:
        reasons.append(Reason.HOST_FIXED)
    if topic:
        reasons.append(Reason.SAME_TOPIC)
    keys = [frozenset((a.id, b.id)) for a, b in pairs] if (met or series) else []
    if met and any(key in met for key in keys):
        compromises.append(Compromise.REPEAT)
    if languages:
        reasons.append(Reason.SHARED_LANGUAGE)
    elif len(members) > 1:
        compromises.append(Compromise.NO_SHARED_LANGUAGE)
    if any(a.organisation and a.organisation == b.organisation for a, b in pairs):
        compromises.append(Compromise.SAME_ORGANISATION)
    elif len(members) > 1:
        reasons.append(Reason.DIFFERENT_ORGANISATIONS)
    if any(a.movements & b.movements for a, b in pairs):
        compromises.append(Compromise.SAME_MOVEMENT)
    elif len(members) > 1 and all(p.movements for p in members):
        reasons.append(Reason.DIFFERENT_MOVEMENTS)
    regions = [p.region for p in members if p.region]
    if len(members) > 1 and len(regions) == len(members) and len(set(regions)) == len(regions):
        reasons.append(Reason.DIFFERENT_REGIONS)
    if series and any(key in series for key in keys):
        compromises.append(Compromise.MET_IN_SERIES)
    elif len(members) > 1 and (met or series) and Compromise.REPEAT not in compromises:
        # "New faces" is only a reason when there is history to be new against.
        reasons.append(Reason.NEW_FACES)
    return Group(
        members=ids,
        shared_languages=languages,
        needs_interpretation=(len(members) > 1 and not languages)
        or any(p.needs_interpretation for p in members),
        reasons=tuple(reasons),
        compromises=tuple(compromises),
        topic=topic,
    )
