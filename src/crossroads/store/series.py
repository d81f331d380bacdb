"""Series of convenings: membership, consents to be recognised, topics, shared history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import (
    Convening,
    LiveMember,
    Participant,
    RoundRun,
    RoundTopic,
    Series,
    SeriesConsent,
    SeriesMember,
)


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    id: int
    public_id: str
    host_id: int
    title: str
    retention_days: int


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    participant_id: int
    convening_id: int
    email: str


def _record(row: Series) -> SeriesRecord:
    return SeriesRecord(row.id, row.public_id, row.host_id, row.title, row.retention_days)


async def insert_series(
    tx: AsyncSession, *, host_id: int, public_id: str, title: str, now: datetime
) -> SeriesRecord:
    row = Series(
        host_id=host_id, public_id=public_id, title=title, retention_days=0, created_at=now
    )
    tx.add(row)
    await tx.flush()
    return _record(row)


async def add_member(tx: AsyncSession, series_id: int, convening_id: int) -> None:
    last = await tx.scalar(
        select(func.max(SeriesMember.position)).where(SeriesMember.series_id == series_id)
    )
    tx.add(SeriesMember(series_id=series_id, convening_id=convening_id, position=(last or 0) + 1))
    await tx.flush()


async def series_of(tx: AsyncSession, convening_id: int) -> SeriesRecord | None:
    row = await tx.scalar(
        select(Series)
        .join(SeriesMember, SeriesMember.series_id == Series.id)
        .where(SeriesMember.convening_id == convening_id)
    )
    return None if row is None else _record(row)


async def get_series_for_host(tx: AsyncSession, *, host_id: int, public_id: str) -> SeriesRecord:
    row = await tx.scalar(
        select(Series).where(Series.public_id == public_id, Series.host_id == host_id)
    )
    if row is None:
        raise NotFound("series")
    return _record(row)


async def set_retention(tx: AsyncSession, series_id: int, days: int) -> None:
    row = await tx.get(Series, series_id)
    if row is None:
        raise NotFound("series")
    row.retention_days = days
    await tx.flush()


async def member_ids(tx: AsyncSession, series_id: int) -> list[int]:
    """The series' convening ids, first call first."""
    rows = await tx.scalars(
        select(SeriesMember.convening_id)
        .where(SeriesMember.series_id == series_id)
        .order_by(SeriesMember.position)
    )
    return list(rows)


async def set_consent(
    tx: AsyncSession, participant_id: int, email: str | None, now: datetime
) -> None:
    """Record (email given) or withdraw (None) the consent to be recognised in the series."""
    row = await tx.get(SeriesConsent, participant_id)
    if email is None:
        if row is not None:
            await tx.delete(row)
    elif row is None:
        tx.add(SeriesConsent(participant_id=participant_id, email=email, created_at=now))
    else:
        row.email = email
    await tx.flush()


async def get_consent(tx: AsyncSession, participant_id: int) -> str | None:
    row = await tx.get(SeriesConsent, participant_id)
    return None if row is None else row.email


async def consents(tx: AsyncSession, convening_ids: Sequence[int]) -> list[ConsentRecord]:
    rows = await tx.execute(
        select(SeriesConsent.participant_id, Participant.convening_id, SeriesConsent.email)
        .join(Participant, Participant.id == SeriesConsent.participant_id)
        .where(Participant.convening_id.in_(convening_ids))
        .order_by(Participant.convening_id, SeriesConsent.participant_id)
    )
    return [ConsentRecord(pid, cid, email) for pid, cid, email in rows]


async def emails_of(tx: AsyncSession, convening_id: int) -> dict[int, str]:
    """Participant id to email, for participants of this convening who have one."""
    rows = await tx.execute(
        select(Participant.id, Participant.email).where(
            Participant.convening_id == convening_id, Participant.email != ""
        )
    )
    return {pid: email.casefold() for pid, email in rows}


async def groups_in(tx: AsyncSession, convening_ids: Sequence[int]) -> dict[int, list[list[int]]]:
    """Every group ever formed in these convenings, as member ids, by convening."""
    rows = await tx.execute(
        select(RoundRun.convening_id, LiveMember.group_id, LiveMember.participant_id)
        .join(RoundRun, RoundRun.id == LiveMember.run_id)
        .where(RoundRun.convening_id.in_(convening_ids))
        .order_by(LiveMember.group_id, LiveMember.id)
    )
    by_group: dict[tuple[int, int], list[int]] = {}
    for convening_id, group_id, participant_id in rows:
        by_group.setdefault((convening_id, group_id), []).append(participant_id)
    result: dict[int, list[list[int]]] = {}
    for (convening_id, _group), members in by_group.items():
        result.setdefault(convening_id, []).append(members)
    return result


async def set_round_topics(tx: AsyncSession, round_id: int, labels: Sequence[str]) -> None:
    await tx.execute(delete(RoundTopic).where(RoundTopic.round_id == round_id))
    tx.add_all(
        RoundTopic(round_id=round_id, position=i, label=label)
        for i, label in enumerate(labels, start=1)
    )
    await tx.flush()


async def round_topics(tx: AsyncSession, round_ids: Sequence[int]) -> dict[int, list[str]]:
    rows = await tx.execute(
        select(RoundTopic.round_id, RoundTopic.label)
        .where(RoundTopic.round_id.in_(round_ids))
        .order_by(RoundTopic.round_id, RoundTopic.position)
    )
    topics: dict[int, list[str]] = {}
    for round_id, label in rows:
        topics.setdefault(round_id, []).append(label)
    return topics


@dataclass(frozen=True, slots=True)
class RetentionDue:
    convening_id: int
    participant_ids: tuple[int, ...]


async def retention_due(tx: AsyncSession, now: datetime) -> list[RetentionDue]:
    """Convenings of series with a retention period whose end plus that period has passed
    and which still hold participants. The end is ``starts_at + duration``; compared here in
    Python so SQLite and PostgreSQL agree on the date arithmetic."""
    rows = await tx.execute(
        select(Convening.id, Convening.starts_at, Convening.duration_minutes, Series.retention_days)
        .join(SeriesMember, SeriesMember.convening_id == Convening.id)
        .join(Series, Series.id == SeriesMember.series_id)
        .where(Series.retention_days > 0)
    )
    due_ids = [
        cid
        for cid, starts_at, minutes, days in rows
        if starts_at + timedelta(minutes=minutes) + timedelta(days=days) <= now
    ]
    result = []
    for cid in due_ids:
        people = tuple(
            await tx.scalars(select(Participant.id).where(Participant.convening_id == cid))
        )
        if people:
            result.append(RetentionDue(cid, people))
    return result
