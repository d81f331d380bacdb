"""The next round's groups as the host sees them before Start, and the host's moves (#29).

The pairing of the next round is worked out ahead (``rounds.plan_round`` + ``work_out``,
driven by ``web/round_plans``). The host looks at it, may move people between its groups,
and Start writes exactly the groups the host saw: the preview carries a ``token`` (a digest
of the event number, who is paired and every group's members) that the host's Start sends
back; if anything changed in between, Start is refused with a clear reason and the host
gets the new preview, rather than silently starting other groups.

A move is kept as "this person with these people" (the target group's other members at the
time), not as a group number: when someone arrives or leaves and the pairing is worked out
again, the numbers shift, but the person is put with whoever of those companions is still
there. A move whose companions are all gone (or whose person left) cannot be kept; the
preview says so by name.

Everything here is pure: the caller (the web layer) holds the moves and the plans.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from crossroads import pairing
from crossroads.convenings import rounds
from crossroads.convenings.errors import FieldInvalid, NotAllowed
from crossroads.convenings.planning import get_plan_by_id
from crossroads.live.events import RoundStarted
from crossroads.live.publisher import Events
from crossroads.messages import N_
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.live import NewGroup

Translate = Callable[[str], str]


class PreviewChanged(NotAllowed):
    """Start named a preview that is no longer what would be written."""

    code = "preview_changed"


@dataclass(frozen=True, slots=True)
class HostMove:
    """The host put ``person`` with ``companions`` (the other members of the target group)."""

    person: int
    companions: frozenset[int]


@dataclass(frozen=True, slots=True)
class Preview:
    """A plan with the host's moves applied: what Start writes if nothing changes."""

    plan: rounds.PairingPlan
    token: str
    moved: frozenset[int]  # people placed by the host whose move holds
    lost: tuple[int, ...]  # people the host moved whose move could not be kept


def _digest(plan: rounds.PairingPlan, groups: Sequence[NewGroup]) -> str:
    people = sorted(int(p.id) for p in plan.request.people) if plan.request is not None else []
    shape = [plan.state.seq, plan.round.public_id, people, [list(g.members) for g in groups]]
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:24]


def _explained(
    plan: rounds.PairingPlan, number: int, members: tuple[int, ...], topic: str, fixed: bool
) -> NewGroup:
    """A group's explanation worked out for the people now in it (a move changes both the
    group left and the group joined: their old words described other people)."""
    assert plan.request is not None
    by_id = {p.id: p for p in plan.request.people}
    people = [by_id[str(m)] for m in members if str(m) in by_id]
    group = pairing.explain(
        people, met=plan.request.met, series=plan.request.series, topic=topic or None, fixed=fixed
    )
    return NewGroup(
        number=number,
        members=members,
        topic=topic,
        shared_languages=tuple(sorted(group.shared_languages)),
        needs_interpretation=group.needs_interpretation,
        reasons=tuple(str(r) for r in group.reasons),
        compromises=tuple(str(c) for c in group.compromises),
    )


def apply_moves(plan: rounds.PairingPlan, moves: Sequence[HostMove]) -> Preview:
    """The plan's groups with the host's moves applied in order, renumbered 1..n."""
    if plan.request is None:  # a plenary: nobody to group
        return Preview(plan=plan, token=_digest(plan, ()), moved=frozenset(), lost=())
    groups = [list(g.members) for g in plan.groups]
    topics = [g.topic for g in plan.groups]
    touched: set[int] = set()
    fixed: set[int] = set()
    moved: set[int] = set()
    lost: list[int] = []
    for move in moves:
        source = next((i for i, g in enumerate(groups) if move.person in g), None)
        companions = move.companions - {move.person}
        overlaps = [len(companions & set(g)) for g in groups]
        best = max(range(len(groups)), key=lambda i: overlaps[i], default=None)
        if source is None or best is None or overlaps[best] == 0:
            lost.append(move.person)
            moved.discard(move.person)
            continue
        moved.add(move.person)
        if best == source:
            fixed.add(best)
            continue
        groups[source].remove(move.person)
        groups[best].append(move.person)
        touched |= {source, best}
        fixed.add(best)
    kept = [i for i, g in enumerate(groups) if g]
    result: list[NewGroup] = []
    for number, i in enumerate(kept, start=1):
        members = tuple(groups[i])
        if i in touched or i in fixed:
            result.append(_explained(plan, number, members, topics[i], fixed=i in fixed))
        else:
            result.append(replace(plan.groups[i], number=number))
    adjusted = replace(plan, groups=tuple(result))
    return Preview(
        plan=adjusted,
        token=_digest(adjusted, result),
        moved=frozenset(moved),
        lost=tuple(dict.fromkeys(lost)),
    )


def add_move(
    preview: Preview, moves: Sequence[HostMove], *, person_public_id: str, group_number: int
) -> list[HostMove]:
    """The host's moves with one more: ``person`` into group ``group_number`` of ``preview``.
    Someone not in the preview (another convening's id, or not here) is not found; a group
    the preview does not have is a clear error; nothing changes on either."""
    plan = preview.plan
    if plan.request is None:
        raise NotAllowed("the next round is a plenary: there are no groups to change")
    person = next((p for p in plan.state.people.values() if p.public_id == person_public_id), None)
    if person is None or not any(person.id in g.members for g in plan.groups):
        raise NotFound("participant")
    target = next((g for g in plan.groups if g.number == group_number), None)
    if target is None:
        raise FieldInvalid("group", N_("There is no group {number}."), number=group_number)
    companions = frozenset(m for m in target.members if m != person.id)
    # A later move of the same person replaces the earlier one.
    return [*(m for m in moves if m.person != person.id), HostMove(person.id, companions)]


def host_json(
    preview: Preview | None,
    *,
    translate: Translate,
    reason_text: dict[str, str],
    compromise_text: dict[str, str],
    recomputed: bool,
) -> dict[str, object]:
    """The preview message for a host console (names shown whatever the privacy mode:
    the host always sees who is who)."""
    if preview is None:
        return {"v": 1, "type": "preview", "token": None, "groups": []}
    plan = preview.plan
    people = plan.state.people
    moved = {people[m].public_id for m in preview.moved if m in people}
    return {
        "v": 1,
        "type": "preview",
        "token": preview.token,
        "round": {
            "id": plan.round.public_id,
            "title": plan.round.title,
            "kind": str(plan.round.kind),
        },
        "plenary": plan.request is None,
        "recomputed": recomputed,
        "lost": [people[m].display_name for m in preview.lost if m in people],
        "groups": [
            {
                "number": g.number,
                "members": [
                    {
                        "id": people[m].public_id,
                        "name": people[m].display_name,
                        "organisation": people[m].organisation,
                        "moved": people[m].public_id in moved,
                    }
                    for m in g.members
                    if m in people
                ],
                "shared_languages": list(g.shared_languages),
                "reasons": [translate(reason_text[r]) for r in g.reasons if r in reason_text],
                "compromises": [
                    translate(compromise_text[c]) for c in g.compromises if c in compromise_text
                ],
            }
            for g in plan.groups
        ],
    }


async def start_previewed(
    db: Database, events: Events, preview: Preview, *, present: set[int], now: datetime
) -> RoundStarted:
    """Start exactly the previewed groups, or refuse (``PreviewChanged``) and write nothing:
    someone arrived or left since it was worked out, the call changed (event number), or the
    agenda or people's topics did (neither takes an event number)."""
    plan = preview.plan
    convening_id = plan.state.plan.convening.id
    if plan.request is not None:
        planned = {int(p.id) for p in plan.request.people}
        if planned != {p.id for p in rounds._to_pair(plan.state, present)}:
            raise PreviewChanged("someone arrived or left: look at the new groups")
    if await get_plan_by_id(db, convening_id) != plan.state.plan or (
        await rounds._topics(db, convening_id, plan.round) != plan.topics
    ):
        raise PreviewChanged("the agenda changed since: look at the new groups")
    started = await rounds._write_start(db, events, plan, now=now, expected_seq=plan.state.seq)
    if started is None:
        raise PreviewChanged("the call changed since: look at the new groups")
    return started
