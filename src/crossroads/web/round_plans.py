"""Working out the next round's pairing ahead, while a host's console is open.

"Start round" for 2,000 people should reach everyone in well under a second; pairing them
takes a good part of that. So after each fan-out (a change, or arrivals and departures, which
the hub batches) this node reads what the pairing needs and runs the engine in a worker
thread, keeping the result. ``start_round`` then checks in its own transaction that nothing
changed since (the event number) and writes the plan, bringing it up to date for people who
came or went meanwhile; a stale plan falls back to pairing afresh. Plans are node-local and
disposable: losing one costs time, never correctness.

With several nodes, plans are made where the host's console is connected (that is where
"start round" arrives) from everyone present on any node; the event number's compare-and-set
is one conditional UPDATE in the shared database, so a plan made on one node is never
written after another node changed the call (tests/integration/test_nodes.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from crossroads.convenings import rounds
from crossroads.convenings.errors import ConveningError
from crossroads.convenings.live_state import LiveSnapshot
from crossroads.convenings.live_views import Translate, ViewCache
from crossroads.live.errors import ClusterUnavailable
from crossroads.live.hub import LiveHub
from crossroads.store.database import Database
from crossroads.store.errors import StoreError
from crossroads.web import i18n

log = structlog.get_logger(__name__)

# Arrivals come in bursts when a call opens: let one settle before pairing everyone.
SETTLE_SECONDS = 0.3


@dataclass(frozen=True, slots=True)
class _Basis:
    seq: int
    present: frozenset[int]


def _gettext(language: str) -> Translate:
    return i18n.translations_for(language).gettext


class RoundPlans:
    def __init__(
        self,
        db: Database,
        hub: LiveHub,
        *,
        views: ViewCache | None = None,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self._db = db
        self._hub = hub
        self._views = views
        self._settle = settle
        self._plans: dict[int, tuple[_Basis, rounds.PairingPlan]] = {}
        self._latest: dict[int, LiveSnapshot] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        # Told each plan worked out (None: nothing to plan), for the host's preview (#29).
        self.on_plan: Callable[[int, rounds.PairingPlan | None], None] | None = None

    def take(self, convening_id: int) -> rounds.PairingPlan | None:
        """The plan for the next round, if one was worked out (used once)."""
        entry = self._plans.pop(convening_id, None)
        return None if entry is None else entry[1]

    def notice(self, convening_id: int, state: LiveSnapshot | None) -> None:
        """Called by the hub after each fan-out with the state it showed (None: it read
        nothing, no host here). A plan kept while nobody watches could go stale unseen."""
        if state is None or state.ended_at is not None or not self._hub.has_host(convening_id):
            self._plans.pop(convening_id, None)
            if state is not None and state.ended_at is not None and self.on_plan is not None:
                self.on_plan(convening_id, None)
            return
        self._latest[convening_id] = state
        worker = self._workers.get(convening_id)
        if worker is None or worker.done():
            self._workers[convening_id] = asyncio.create_task(self._work(convening_id))

    async def _work(self, convening_id: int) -> None:
        await asyncio.sleep(self._settle)
        while (state := self._latest.pop(convening_id, None)) is not None:
            try:
                present = frozenset(await self._hub.present_everywhere(convening_id))
            except ClusterUnavailable:  # Redis is away: plan once it is back
                continue
            basis = _Basis(state.seq, present)
            held = self._plans.get(convening_id)
            if held is not None and held[0] == basis:
                continue
            try:
                plan = await rounds.plan_round(self._db, convening_id, present=present, state=state)
                plan = await asyncio.to_thread(rounds.work_out, plan)
                if self._views is not None:
                    # Encode the planned groups now, so "start" only joins texts.
                    await asyncio.to_thread(
                        self._views.warm,
                        plan.state,
                        rounds.started_groups(plan),
                        self._hub.languages(convening_id),
                        _gettext,
                    )
            except (ConveningError, StoreError):  # e.g. no further round: nothing to plan
                self._plans.pop(convening_id, None)
                if self.on_plan is not None:
                    self.on_plan(convening_id, None)
                continue
            except Exception:
                log.exception("round_plan_failed", convening_id=convening_id)
                continue
            self._plans[convening_id] = (basis, plan)
            if self.on_plan is not None:
                try:
                    self.on_plan(convening_id, plan)
                except Exception:  # the preview must never stop the plans
                    log.exception("round_preview_failed", convening_id=convening_id)

    async def close(self) -> None:
        for worker in self._workers.values():
            worker.cancel()
