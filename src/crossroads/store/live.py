"""Live round state: runs, groups, seats, broadcasts, help calls and the event sequence."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import (
    HelpCall,
    LiveBroadcast,
    LiveGroup,
    LiveMember,
    LiveState,
    Participant,
    RoundRun,
    SittingOut,
)
from crossroads.store.rows import RowMemo, json_list, raw_select


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    convening_id: int
    round_id: int
    number: int
    started_at: datetime
    ends_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    number: int
    topic: str
    shared_languages: tuple[str, ...]
    needs_interpretation: bool
    reasons: tuple[str, ...]
    compromises: tuple[str, ...]
    members: tuple[int, ...]
    away: frozenset[int]

    @property
    def present(self) -> tuple[int, ...]:
        return tuple(m for m in self.members if m not in self.away)

    @classmethod
    def seated(
        cls,
        group: NewGroup | _GroupRow,
        *,
        id: int,
        members: tuple[int, ...],
        away: frozenset[int] = frozenset(),
    ) -> GroupRecord:
        """A group's record from its explanation (a new group or a stored row) and seats."""
        return cls(
            id=id,
            number=group.number,
            topic=group.topic,
            shared_languages=group.shared_languages,
            needs_interpretation=group.needs_interpretation,
            reasons=group.reasons,
            compromises=group.compromises,
            members=members,
            away=away,
        )


@dataclass(frozen=True, slots=True)
class StateRecord:
    seq: int
    current_run: RunRecord | None
    ended_at: datetime | None
    locked: bool


@dataclass(frozen=True, slots=True)
class NewGroup:
    number: int
    members: tuple[int, ...]
    topic: str
    shared_languages: tuple[str, ...]
    needs_interpretation: bool
    reasons: tuple[str, ...]
    compromises: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BroadcastRecord:
    seq: int
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HelpRecord:
    id: int
    group_number: int | None
    participant_id: int
    created_at: datetime


def _run(row: RoundRun) -> RunRecord:
    return RunRecord(
        id=row.id,
        convening_id=row.convening_id,
        round_id=row.round_id,
        number=row.number,
        started_at=row.started_at,
        ends_at=row.ends_at,
        closed_at=row.closed_at,
    )


async def _state_row(tx: AsyncSession, convening_id: int) -> LiveState:
    row = await tx.get(LiveState, convening_id)
    if row is None:
        row = LiveState(convening_id=convening_id, seq=0, current_run_id=None, locked=False)
        tx.add(row)
        await tx.flush()
    return row


async def get_state(tx: AsyncSession, convening_id: int) -> StateRecord:
    row = await tx.get(LiveState, convening_id)
    if row is None:
        return StateRecord(seq=0, current_run=None, ended_at=None, locked=False)
    run = None
    if row.current_run_id is not None:
        run_row = await tx.get(RoundRun, row.current_run_id)
        run = None if run_row is None else _run(run_row)
    return StateRecord(seq=row.seq, current_run=run, ended_at=row.ended_at, locked=row.locked)


async def get_seq(tx: AsyncSession, convening_id: int) -> int:
    seq = await tx.scalar(select(LiveState.seq).where(LiveState.convening_id == convening_id))
    return int(seq or 0)


async def bump_seq(tx: AsyncSession, convening_id: int) -> int:
    """The next event number. Taken inside the transaction that makes the change, with one
    atomic ``seq = seq + 1``, so the sequence is monotonic across restarts and nodes (the
    row lock serialises writers; a read-then-write would let two nodes take the same number)."""
    await _state_row(tx, convening_id)
    seq = await tx.scalar(
        update(LiveState)
        .where(LiveState.convening_id == convening_id)
        .values(seq=LiveState.seq + 1)
        .returning(LiveState.seq)
    )
    assert seq is not None
    return int(seq)


async def bump_seq_from(tx: AsyncSession, convening_id: int, expected: int) -> int | None:
    """``bump_seq`` only if nothing changed since event ``expected`` (None otherwise): lets
    a change worked out ahead from that state commit without reading it again."""
    await _state_row(tx, convening_id)
    seq = await tx.scalar(
        update(LiveState)
        .where(LiveState.convening_id == convening_id, LiveState.seq == expected)
        .values(seq=LiveState.seq + 1)
        .returning(LiveState.seq)
    )
    return None if seq is None else int(seq)


async def set_ended(tx: AsyncSession, convening_id: int, now: datetime | None) -> None:
    row = await _state_row(tx, convening_id)
    row.ended_at = now


async def set_locked(tx: AsyncSession, convening_id: int, locked: bool) -> None:
    row = await _state_row(tx, convening_id)
    row.locked = locked


async def count_runs(tx: AsyncSession, convening_id: int) -> int:
    return int(
        await tx.scalar(
            select(func.count()).select_from(RoundRun).where(RoundRun.convening_id == convening_id)
        )
        or 0
    )


async def insert_run(
    tx: AsyncSession,
    *,
    convening_id: int,
    round_id: int,
    started_at: datetime,
    ends_at: datetime,
    groups: Sequence[NewGroup],
) -> RunRecord:
    state = await _state_row(tx, convening_id)
    if state.current_run_id is not None:
        await tx.execute(
            update(RoundRun)
            .where(RoundRun.id == state.current_run_id, RoundRun.closed_at.is_(None))
            .values(closed_at=started_at)
        )
    number = await count_runs(tx, convening_id) + 1
    run = RoundRun(
        convening_id=convening_id,
        round_id=round_id,
        number=number,
        started_at=started_at,
        ends_at=ends_at,
        closed_at=None,
    )
    tx.add(run)
    await tx.flush()
    await insert_groups(tx, run.id, groups)
    state.current_run_id = run.id
    await tx.flush()
    return _run(run)


_GROUP_COLUMNS = (
    "run_id",
    "number",
    "topic",
    "shared_languages",
    "needs_interpretation",
    "reasons",
    "compromises",
)
_SEAT_COLUMNS = ("run_id", "group_id", "participant_id", "away")


async def _insert_many(
    tx: AsyncSession, table_name: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """One ``executemany`` straight to the driver: SQLAlchemy's per-row parameter work is
    most of the cost of writing a round start of 1,000 groups and 2,000 seats."""
    conn = await tx.connection()
    style = conn.dialect.paramstyle
    marks = (
        [f"${i}" for i in range(1, len(columns) + 1)]
        if style == "numeric_dollar"
        else ["?"] * len(columns)
        if style == "qmark"
        else ["%s"] * len(columns)
    )
    # Names come from this module's constants, never from input.
    sql = f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({', '.join(marks)})"  # noqa: S608
    await conn.exec_driver_sql(sql, rows)


async def insert_groups(tx: AsyncSession, run_id: int, groups: Iterable[NewGroup]) -> None:
    """Bulk inserts (one executemany per table, then one read of the new groups' ids)."""
    groups = list(groups)
    if not groups:
        return
    encoded: dict[tuple[str, ...], str] = {}  # most groups share their reasons and languages

    def dumps(values: tuple[str, ...]) -> str:
        text = encoded.get(values)
        if text is None:
            text = encoded[values] = json.dumps(list(values))
        return text

    await _insert_many(
        tx,
        "live_group",
        _GROUP_COLUMNS,
        [
            (
                run_id,
                g.number,
                g.topic,
                dumps(tuple(g.shared_languages)),
                g.needs_interpretation,
                dumps(tuple(g.reasons)),
                dumps(tuple(g.compromises)),
            )
            for g in groups
        ],
    )
    numbers = {g.number for g in groups}
    rows = await tx.execute(
        select(LiveGroup.id, LiveGroup.number).where(LiveGroup.run_id == run_id)
    )
    ids = {number: group_id for group_id, number in rows if number in numbers}
    await _insert_many(
        tx,
        "live_member",
        _SEAT_COLUMNS,
        [(run_id, ids[g.number], pid, False) for g in groups for pid in g.members],
    )


async def set_ends_at(tx: AsyncSession, run_id: int, ends_at: datetime) -> RunRecord:
    row = await tx.get(RoundRun, run_id)
    if row is None:
        raise NotFound("round")
    row.ends_at = ends_at
    await tx.flush()
    return _run(row)


async def close_run(tx: AsyncSession, run_id: int, now: datetime) -> None:
    await tx.execute(
        update(RoundRun)
        .where(RoundRun.id == run_id, RoundRun.closed_at.is_(None))
        .values(closed_at=now)
    )


@dataclass(frozen=True, slots=True)
class _GroupRow:
    id: int
    number: int
    topic: str
    shared_languages: tuple[str, ...]
    needs_interpretation: bool
    reasons: tuple[str, ...]
    compromises: tuple[str, ...]


def _decode_group(raw: Any) -> _GroupRow:
    return _GroupRow(
        id=raw.id,
        number=raw.number,
        topic=raw.topic,
        shared_languages=json_list(raw.shared_languages),
        needs_interpretation=bool(raw.needs_interpretation),
        reasons=json_list(raw.reasons),
        compromises=json_list(raw.compromises),
    )


_decoded_group = RowMemo(_decode_group)


async def list_groups(tx: AsyncSession, run_id: int) -> list[GroupRecord]:
    """All groups of a run with their seats, in two queries whatever the run's size."""
    table = LiveGroup.__table__
    groups = [
        _decoded_group(raw)
        for raw in await tx.execute(
            raw_select(table)  # type: ignore[arg-type]
            .where(table.c.run_id == run_id)
            .order_by(table.c.number)
        )
    ]
    seats = await tx.execute(
        select(LiveMember.group_id, LiveMember.participant_id, LiveMember.away)
        .where(LiveMember.run_id == run_id)
        .order_by(LiveMember.id)
    )
    members: dict[int, list[int]] = {}
    away: dict[int, set[int]] = {}
    for group_id, participant_id, is_away in seats:
        members.setdefault(group_id, []).append(participant_id)
        if is_away:
            away.setdefault(group_id, set()).add(participant_id)
    return [
        GroupRecord.seated(
            g, id=g.id, members=tuple(members.get(g.id, ())), away=frozenset(away.get(g.id, ()))
        )
        for g in groups
        if members.get(g.id)
    ]


async def update_group(tx: AsyncSession, run_id: int, group: NewGroup) -> None:
    """Replace one group's members and explanation (late join, drop, host move)."""
    row = await tx.scalar(
        select(LiveGroup).where(LiveGroup.run_id == run_id, LiveGroup.number == group.number)
    )
    if row is None:
        await tx.execute(
            delete(LiveMember).where(
                LiveMember.run_id == run_id, LiveMember.participant_id.in_(group.members)
            )
        )
        await insert_groups(tx, run_id, [group])
        return
    row.shared_languages = list(group.shared_languages)
    row.needs_interpretation = group.needs_interpretation
    row.reasons = list(group.reasons)
    row.compromises = list(group.compromises)
    await tx.execute(
        delete(LiveMember).where(
            LiveMember.group_id == row.id, LiveMember.participant_id.not_in(group.members)
        )
    )
    have = set(
        await tx.scalars(select(LiveMember.participant_id).where(LiveMember.group_id == row.id))
    )
    # A person sits in one group per run: moving them removes their old seat.
    moving = [pid for pid in group.members if pid not in have]
    if moving:
        await tx.execute(
            delete(LiveMember).where(
                LiveMember.run_id == run_id, LiveMember.participant_id.in_(moving)
            )
        )
        tx.add_all(
            LiveMember(run_id=run_id, group_id=row.id, participant_id=pid, away=False)
            for pid in moving
        )
    await tx.flush()


async def set_away(tx: AsyncSession, run_id: int, participant_id: int, away: bool) -> None:
    await tx.execute(
        update(LiveMember)
        .where(LiveMember.run_id == run_id, LiveMember.participant_id == participant_id)
        .values(away=away)
    )


async def remove_seat(tx: AsyncSession, run_id: int, participant_id: int) -> None:
    await tx.execute(
        delete(LiveMember).where(
            LiveMember.run_id == run_id, LiveMember.participant_id == participant_id
        )
    )


async def earlier_partners(
    tx: AsyncSession, convening_id: int, before_run_id: int | None
) -> set[frozenset[int]]:
    """Every pair of people who shared a group in this convening's earlier runs."""
    query = (
        select(LiveMember.group_id, LiveMember.participant_id)
        .join(RoundRun, RoundRun.id == LiveMember.run_id)
        .where(RoundRun.convening_id == convening_id)
    )
    if before_run_id is not None:
        query = query.where(RoundRun.id != before_run_id)
    by_group: dict[int, list[int]] = {}
    for group_id, participant_id in await tx.execute(query):
        by_group.setdefault(group_id, []).append(participant_id)
    met: set[frozenset[int]] = set()
    for members in by_group.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                met.add(frozenset((a, b)))
    return met


async def add_broadcast(
    tx: AsyncSession, convening_id: int, seq: int, text: str, now: datetime
) -> None:
    tx.add(LiveBroadcast(convening_id=convening_id, seq=seq, text=text, created_at=now))
    await tx.flush()


async def recent_broadcasts(
    tx: AsyncSession, convening_id: int, limit: int = 5
) -> list[BroadcastRecord]:
    rows = await tx.scalars(
        select(LiveBroadcast)
        .where(LiveBroadcast.convening_id == convening_id)
        .order_by(LiveBroadcast.seq.desc())
        .limit(limit)
    )
    return [BroadcastRecord(seq=r.seq, text=r.text, created_at=r.created_at) for r in rows][::-1]


async def add_help_call(
    tx: AsyncSession,
    *,
    convening_id: int,
    run_id: int | None,
    group_number: int | None,
    participant_id: int,
    now: datetime,
) -> None:
    tx.add(
        HelpCall(
            convening_id=convening_id,
            run_id=run_id,
            group_number=group_number,
            participant_id=participant_id,
            created_at=now,
            resolved_at=None,
        )
    )
    await tx.flush()


async def open_help_calls(tx: AsyncSession, convening_id: int) -> list[HelpRecord]:
    rows = await tx.scalars(
        select(HelpCall)
        .where(HelpCall.convening_id == convening_id, HelpCall.resolved_at.is_(None))
        .order_by(HelpCall.id)
    )
    return [
        HelpRecord(
            id=r.id,
            group_number=r.group_number,
            participant_id=r.participant_id,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def resolve_help_call(
    tx: AsyncSession, convening_id: int, help_id: int, now: datetime
) -> None:
    result = await tx.execute(
        update(HelpCall)
        .where(HelpCall.id == help_id, HelpCall.convening_id == convening_id)
        .values(resolved_at=now)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
        raise NotFound("help call")


async def set_sitting_out(
    tx: AsyncSession, participant_id: int, sitting_out: bool, now: datetime
) -> None:
    row = await tx.get(SittingOut, participant_id)
    if sitting_out and row is None:
        tx.add(SittingOut(participant_id=participant_id, since=now))
    elif not sitting_out and row is not None:
        await tx.delete(row)
    await tx.flush()


async def sitting_out_ids(tx: AsyncSession, convening_id: int) -> set[int]:
    rows = await tx.scalars(
        select(SittingOut.participant_id)
        .join(Participant, Participant.id == SittingOut.participant_id)
        .where(Participant.convening_id == convening_id)
    )
    return set(rows)


@dataclass(frozen=True, slots=True)
class ConversationFigures:
    rounds: int
    groups: int
    minutes: int


async def conversation_figures(tx: AsyncSession, convening_id: int) -> ConversationFigures:
    """Rounds run, groups formed in them, and minutes of conversation (each round from its
    start to when it closed, or to its planned end if it has not closed)."""
    runs = (
        (await tx.execute(select(RoundRun).where(RoundRun.convening_id == convening_id)))
        .scalars()
        .all()
    )
    groups = 0
    if runs:
        groups = int(
            await tx.scalar(
                select(func.count())
                .select_from(LiveGroup)
                .where(LiveGroup.run_id.in_([run.id for run in runs]))
            )
            or 0
        )
    seconds = sum(
        max(0.0, ((run.closed_at or run.ends_at) - run.started_at).total_seconds()) for run in runs
    )
    return ConversationFigures(rounds=len(runs), groups=groups, minutes=round(seconds / 60))
