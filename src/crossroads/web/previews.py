"""The host's look at the next round's groups before Start, and their moves (#29).

``RoundPlans`` works the next round's pairing out ahead on the node where the host's console
is connected; each time it has a plan it hands it here. We keep it stable (an event that
changes nobody's pairing, such as a message to everyone, keeps the same groups; an arrival
or a departure updates the groups in place instead of shuffling everyone), apply the host's
moves (``convenings.preview``) and send the result to the host consoles on this node.

Node-local and in memory like the plans: a restarted node loses the host's moves (the
console shows the fresh groups, so the host sees what Start would write either way).
"""

from __future__ import annotations

from dataclasses import replace

from crossroads.convenings import preview as preview_use_case
from crossroads.convenings import rounds
from crossroads.convenings.errors import NotAllowed
from crossroads.convenings.live_views import COMPROMISE_TEXT, REASON_TEXT
from crossroads.convenings.preview import HostMove, Preview
from crossroads.live.hub import Connection, LiveHub
from crossroads.web import i18n


def _people(plan: rounds.PairingPlan) -> frozenset[int]:
    if plan.request is None:
        return frozenset()
    return frozenset(int(p.id) for p in plan.request.people)


def _same_rules(old: rounds.PairingPlan, new: rounds.PairingPlan) -> bool:
    """Whether ``old``'s groups may stand for ``new``: the same round and the same pairing
    rules (blocks, earlier partners, sizes), whatever the event number."""
    if old.round.id != new.round.id or old.request is None or new.request is None:
        return False
    return replace(old.request, people=(), seed=0) == replace(new.request, people=(), seed=0)


def _kept_stable(old: rounds.PairingPlan | None, new: rounds.PairingPlan) -> rounds.PairingPlan:
    """``new`` with ``old``'s groups where they still fit (same people: as they were;
    people came or went: updated in place), so the preview does not reshuffle under the
    host's eyes at every event."""
    if old is None or old.assignment is None or not _same_rules(old, new):
        return new
    assert old.request is not None and new.request is not None
    before = {p.id: p for p in old.request.people}
    after = {p.id: p for p in new.request.people}
    if any(before[pid] != after[pid] for pid in before.keys() & after.keys()):
        return new  # someone's profile changed: pair afresh
    if before.keys() == after.keys():
        return replace(old, state=new.state, request=new.request)
    updated = rounds._brought_up_to_date(replace(old, state=new.state), _people(new))
    return new if updated is None else updated


class HostPreviews:
    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub
        self._base: dict[int, rounds.PairingPlan] = {}
        self._moves: dict[int, list[HostMove]] = {}
        self._shown: dict[int, Preview] = {}
        self._news: dict[int, dict[str, list[str]]] = {}
        self._sent: dict[int, tuple[str | None, str]] = {}

    def on_plan(self, convening_id: int, plan: rounds.PairingPlan | None) -> None:
        """A new plan from ``RoundPlans`` (None: there is no next round to plan)."""
        if plan is None:
            self.forget(convening_id)
            self._send(convening_id)
            return
        old = self._base.get(convening_id)
        if old is not None and old.round.id != plan.round.id:
            self._moves.pop(convening_id, None)  # the moves were for another round
        base = _kept_stable(old, plan)
        self._base[convening_id] = base
        news: dict[str, list[str]] = {"arrived": [], "left": []}
        if old is not None and old.round.id == base.round.id:
            people = base.state.people
            before, after = _people(old), _people(base)
            news["arrived"] = sorted(people[p].display_name for p in after - before if p in people)
            news["left"] = sorted(
                old.state.people[p].display_name for p in before - after if p in old.state.people
            )
        self._news[convening_id] = news
        self._show(convening_id)

    def has_moves(self, convening_id: int) -> bool:
        return bool(self._moves.get(convening_id))

    def current(self, convening_id: int) -> Preview | None:
        return self._shown.get(convening_id)

    def move(self, convening_id: int, *, person_public_id: str, group_number: int) -> None:
        shown = self._shown.get(convening_id)
        if shown is None:
            raise NotAllowed("the next round's groups are still being worked out")
        self._moves[convening_id] = preview_use_case.add_move(
            shown,
            self._moves.get(convening_id, []),
            person_public_id=person_public_id,
            group_number=group_number,
        )
        self._news[convening_id] = {"arrived": [], "left": []}
        self._show(convening_id)

    def forget(self, convening_id: int) -> None:
        """After a start (the moves were for that round) or when there is nothing to plan."""
        for held in (self._base, self._moves, self._shown, self._news, self._sent):
            held.pop(convening_id, None)

    def send_to(self, conn: Connection) -> None:
        conn.send(self._json(conn.convening_id, conn.language))

    def _show(self, convening_id: int) -> None:
        base = self._base.get(convening_id)
        if base is not None:
            self._shown[convening_id] = preview_use_case.apply_moves(
                base, self._moves.get(convening_id, [])
            )
        self._send(convening_id)

    def _send(self, convening_id: int) -> None:
        shown = self._shown.get(convening_id)
        # Unchanged groups and news are not sent again: a redraw would disturb a host who
        # is choosing from the move form's lists.
        sent = (shown.token if shown else None, repr(self._news.get(convening_id)))
        if self._sent.get(convening_id) == sent:
            return
        self._sent[convening_id] = sent
        for conn in self._hub.local_hosts(convening_id):
            self.send_to(conn)

    def _json(self, convening_id: int, language: str) -> dict[str, object]:
        news = self._news.get(convening_id, {"arrived": [], "left": []})
        message = preview_use_case.host_json(
            self._shown.get(convening_id),
            translate=i18n.translations_for(language).gettext,
            reason_text=REASON_TEXT,
            compromise_text=COMPROMISE_TEXT,
            recomputed=bool(news["arrived"] or news["left"]),
        )
        message["arrived"] = news["arrived"]
        message["left"] = news["left"]
        message["moves"] = len(self._moves.get(convening_id, []))
        return message
