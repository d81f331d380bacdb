"""The live state model: everything a live view is built from, read in one go.

A ``LiveSnapshot`` is what the database says at one event number (``seq``): the agenda, the
current run and its groups, who is here, sitting out, blocked, removed or muted. Phases follow
from the clock, not from a timer task: a round is *running* until ``ends_at``, then *wrapping
up* for a grace period (nobody is cut off mid-sentence), then *over* until the host starts the
next one. (Not to be confused with store/models.py's ``LiveState``, the table row holding a
convening's event number and current run.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.convenings.planning import Plan
from crossroads.store import agenda as agenda_store
from crossroads.store import convenings as convening_store
from crossroads.store import live as live_store
from crossroads.store import participants as participant_store
from crossroads.store import safety as safety_store
from crossroads.store import venues as venue_store
from crossroads.store.database import Database
from crossroads.store.live import GroupRecord, RunRecord
from crossroads.store.records import ParticipantRecord, RoundKind, RoundRecord
from crossroads.store.venues import NO_VENUES, HybridRecord


class Phase(StrEnum):
    LOBBY = "lobby"
    RUNNING = "running"
    WRAP_UP = "wrap_up"
    OVER = "over"
    PLENARY = "plenary"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class LiveSnapshot:
    """Everything a participant's or host's live view is built from, read in one go."""

    plan: Plan
    seq: int
    run: RunRecord | None
    round: RoundRecord | None
    groups: tuple[GroupRecord, ...]
    people: dict[int, ParticipantRecord]
    broadcasts: tuple[live_store.BroadcastRecord, ...]
    help_calls: tuple[live_store.HelpRecord, ...]
    sitting_out: frozenset[int]
    ended_at: datetime | None
    locked: bool
    blocked: frozenset[frozenset[int]] = frozenset()
    removed: frozenset[int] = frozenset()
    muted: frozenset[int] = frozenset()
    hybrid: HybridRecord = NO_VENUES  # venues and who is in which room (#32)

    def phase(self, now: datetime, grace: timedelta) -> Phase:
        if self.ended_at is not None:
            return Phase.ENDED
        if self.run is None or self.round is None:
            return Phase.LOBBY
        if self.round.kind is RoundKind.PLENARY:
            return Phase.PLENARY
        if self.run.closed_at is not None:
            return Phase.OVER
        if now < self.run.ends_at:
            return Phase.RUNNING
        if now < self.run.ends_at + grace:
            return Phase.WRAP_UP
        return Phase.OVER

    def group_of(self, participant_id: int) -> GroupRecord | None:
        for group in self.groups:
            if participant_id in group.members:
                return group
        return None

    def person(self, public_id: str) -> ParticipantRecord | None:
        return next((p for p in self.people.values() if p.public_id == public_id), None)

    def next_round(self) -> RoundRecord | None:
        rounds = self.plan.rounds
        if self.round is None:
            return rounds[0] if rounds else None
        later = [r for r in rounds if r.position > self.round.position]
        return later[0] if later else None


async def read_snapshot(tx: AsyncSession, convening_id: int) -> LiveSnapshot:
    """The snapshot as this transaction sees it (its own writes included): a command reads,
    decides and writes in one unit of work."""
    convening = await convening_store.get_convening_by_id(tx, convening_id)
    plan = Plan(convening=convening, rounds=tuple(await agenda_store.list_rounds(tx, convening_id)))
    state = await live_store.get_state(tx, convening_id)
    groups: list[GroupRecord] = []
    if state.current_run is not None:
        groups = await live_store.list_groups(tx, state.current_run.id)
    everyone = await participant_store.list_participants(tx, convening_id)
    round_ = None
    if state.current_run is not None:
        round_ = next((r for r in plan.rounds if r.id == state.current_run.round_id), None)
    return LiveSnapshot(
        plan=plan,
        seq=state.seq,
        run=state.current_run,
        round=round_,
        groups=tuple(groups),
        people={p.id: p for p in everyone},
        broadcasts=tuple(await live_store.recent_broadcasts(tx, convening_id)),
        help_calls=tuple(await live_store.open_help_calls(tx, convening_id)),
        sitting_out=frozenset(await live_store.sitting_out_ids(tx, convening_id)),
        ended_at=state.ended_at,
        locked=state.locked,
        blocked=frozenset(await safety_store.blocked_pairs(tx, convening_id)),
        removed=frozenset(await safety_store.removed_ids(tx, convening_id)),
        muted=frozenset(await safety_store.muted_ids(tx, convening_id)),
        hybrid=await venue_store.hybrid_state(tx, convening_id),
    )


async def load_snapshot(db: Database, convening_id: int) -> LiveSnapshot:
    async with db.transaction() as tx:
        return await read_snapshot(tx, convening_id)


async def current_seq(db: Database, convening_id: int) -> int:
    """The latest event number: a snapshot read at this number is still what everyone sees."""
    async with db.transaction() as tx:
        return await live_store.get_seq(tx, convening_id)
