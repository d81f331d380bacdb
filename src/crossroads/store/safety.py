"""Blocks, reports, mutes and removals, each scoped to one convening."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crossroads.store.models import (
    LiveMember,
    Participant,
    ParticipantBlock,
    ParticipantMute,
    ParticipantRemoval,
    ParticipantReport,
    PersonMark,
    RejoinAttempt,
    RoundRun,
    WebSession,
)


@dataclass(frozen=True, slots=True)
class ReportRecord:
    id: int
    reporter_id: int
    reported_id: int
    reason: str
    details: str
    run_number: int | None
    created_at: datetime
    dismissed_at: datetime | None = None


async def add_block(
    tx: AsyncSession, convening_id: int, blocker_id: int, blocked_id: int, now: datetime
) -> None:
    exists = await tx.scalar(
        select(ParticipantBlock.id).where(
            ParticipantBlock.blocker_id == blocker_id, ParticipantBlock.blocked_id == blocked_id
        )
    )
    if exists is None:
        tx.add(
            ParticipantBlock(
                convening_id=convening_id,
                blocker_id=blocker_id,
                blocked_id=blocked_id,
                created_at=now,
            )
        )
        await tx.flush()


async def blocked_pairs(tx: AsyncSession, convening_id: int) -> set[frozenset[int]]:
    """Every pair of participant rows that may not meet. A block follows the person (#26):
    it holds for each row tied to either side by a person mark (the same browser or e-mail),
    so someone who comes back under a new row after losing their cookie is still kept apart."""
    rows = await tx.execute(
        select(ParticipantBlock.blocker_id, ParticipantBlock.blocked_id).where(
            ParticipantBlock.convening_id == convening_id
        )
    )
    blocks = [(int(a), int(b)) for a, b in rows]
    if not blocks:
        return set()
    same = await same_person(tx, convening_id)
    return {
        frozenset((x, y))
        for a, b in blocks
        for x in same.get(a, {a})
        for y in same.get(b, {b})
        if x != y
    }


async def same_person(tx: AsyncSession, convening_id: int) -> dict[int, set[int]]:
    """Participant ids tied by a shared mark, each mapped to all the rows of its person
    (rows without a shared mark are left out: a person of one row)."""
    rows = await tx.execute(
        select(PersonMark.participant_id, PersonMark.digest).where(
            PersonMark.convening_id == convening_id
        )
    )
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_of: dict[str, int] = {}
    for pid, digest in rows:
        pid = int(pid)
        first = first_of.setdefault(digest, pid)
        parent[root(pid)] = root(first)
    groups: dict[int, set[int]] = {}
    for pid in list(parent):
        groups.setdefault(root(pid), set()).add(pid)
    return {pid: group for group in groups.values() if len(group) > 1 for pid in group}


async def add_marks(
    tx: AsyncSession,
    convening_id: int,
    participant_id: int,
    marks: dict[str, str],
    now: datetime,
) -> None:
    """Tie a participant row to its person: ``marks`` maps a digest to its kind."""
    if not marks:
        return
    known = set(
        await tx.scalars(
            select(PersonMark.digest).where(
                PersonMark.participant_id == participant_id, PersonMark.digest.in_(list(marks))
            )
        )
    )
    tx.add_all(
        PersonMark(
            convening_id=convening_id,
            participant_id=participant_id,
            kind=kind,
            digest=digest,
            created_at=now,
        )
        for digest, kind in marks.items()
        if digest not in known
    )
    await tx.flush()


async def removed_person_marked(
    tx: AsyncSession, convening_id: int, digests: list[str]
) -> tuple[int, str] | None:
    """A removed participant of this convening carrying one of these marks, and the kind of
    mark that matched (a browser before an e-mail), or None."""
    if not digests:
        return None
    rows = await tx.execute(
        select(PersonMark.participant_id, PersonMark.kind)
        .join(ParticipantRemoval, ParticipantRemoval.participant_id == PersonMark.participant_id)
        .where(PersonMark.convening_id == convening_id, PersonMark.digest.in_(digests))
        .order_by(PersonMark.kind, PersonMark.id)
    )
    found = rows.first()
    return None if found is None else (int(found[0]), str(found[1]))


async def removed_with_email(tx: AsyncSession, convening_id: int, email: str) -> int | None:
    """A removed participant of this convening whose personal link was for ``email``
    (normalised by the caller): rows from before person marks existed have no e-mail mark."""
    found = await tx.scalar(
        select(Participant.id)
        .join(ParticipantRemoval, ParticipantRemoval.participant_id == Participant.id)
        .where(
            Participant.convening_id == convening_id,
            func.lower(func.trim(Participant.email)) == email,
        )
        .order_by(Participant.id)
        .limit(1)
    )
    return None if found is None else int(found)


@dataclass(frozen=True, slots=True)
class RejoinRecord:
    participant_id: int
    matched: str
    invite_kind: str
    tries: int
    first_at: datetime
    last_at: datetime


async def record_rejoin_attempt(
    tx: AsyncSession,
    convening_id: int,
    participant_id: int,
    *,
    matched: str,
    invite_kind: str,
    now: datetime,
) -> None:
    """Count one refused try; reloading the refusal page counts again, into the same row."""
    row = await tx.scalar(
        select(RejoinAttempt).where(
            RejoinAttempt.participant_id == participant_id,
            RejoinAttempt.matched == matched,
            RejoinAttempt.invite_kind == invite_kind,
        )
    )
    if row is None:
        tx.add(
            RejoinAttempt(
                convening_id=convening_id,
                participant_id=participant_id,
                matched=matched,
                invite_kind=invite_kind,
                tries=1,
                first_at=now,
                last_at=now,
            )
        )
    else:
        row.tries += 1
        row.last_at = now
    await tx.flush()


async def list_rejoin_attempts(tx: AsyncSession, convening_id: int) -> list[RejoinRecord]:
    """Latest first."""
    rows = await tx.scalars(
        select(RejoinAttempt)
        .where(RejoinAttempt.convening_id == convening_id)
        .order_by(RejoinAttempt.last_at.desc(), RejoinAttempt.id.desc())
    )
    return [
        RejoinRecord(r.participant_id, r.matched, r.invite_kind, r.tries, r.first_at, r.last_at)
        for r in rows
    ]


async def remove_participant(
    tx: AsyncSession, convening_id: int, participant_id: int, now: datetime
) -> None:
    if await tx.get(ParticipantRemoval, participant_id) is None:
        tx.add(
            ParticipantRemoval(
                participant_id=participant_id, convening_id=convening_id, removed_at=now
            )
        )
    # Their sessions end now: the cookie they hold opens nothing any more.
    await tx.execute(delete(WebSession).where(WebSession.participant_id == participant_id))
    await tx.flush()


async def removed_ids(tx: AsyncSession, convening_id: int) -> set[int]:
    rows = await tx.scalars(
        select(ParticipantRemoval.participant_id).where(
            ParticipantRemoval.convening_id == convening_id
        )
    )
    return set(rows)


async def is_removed(tx: AsyncSession, participant_id: int) -> bool:
    return await tx.get(ParticipantRemoval, participant_id) is not None


async def met_partners(tx: AsyncSession, convening_id: int, participant_id: int) -> dict[int, int]:
    """Everyone who shared a group with this participant in this convening, with the number
    of the last round they were together in (what a report names as its context)."""
    mine = aliased(LiveMember)
    theirs = aliased(LiveMember)
    rows = await tx.execute(
        select(theirs.participant_id, func.max(RoundRun.number))
        .select_from(mine)
        .join(theirs, theirs.group_id == mine.group_id)
        .join(RoundRun, RoundRun.id == mine.run_id)
        .where(
            RoundRun.convening_id == convening_id,
            mine.participant_id == participant_id,
            theirs.participant_id != participant_id,
        )
        .group_by(theirs.participant_id)
    )
    return {int(pid): int(number) for pid, number in rows}


async def add_report(
    tx: AsyncSession,
    *,
    convening_id: int,
    reporter_id: int,
    reported_id: int,
    reason: str,
    details: str,
    run_number: int | None,
    now: datetime,
) -> int:
    row = ParticipantReport(
        convening_id=convening_id,
        reporter_id=reporter_id,
        reported_id=reported_id,
        reason=reason,
        details=details,
        run_number=run_number,
        created_at=now,
    )
    tx.add(row)
    await tx.flush()
    return row.id


async def list_reports(tx: AsyncSession, convening_id: int) -> list[ReportRecord]:
    """Newest first."""
    rows = await tx.scalars(
        select(ParticipantReport)
        .where(ParticipantReport.convening_id == convening_id)
        .order_by(ParticipantReport.id.desc())
    )
    return [
        ReportRecord(
            id=r.id,
            reporter_id=r.reporter_id,
            reported_id=r.reported_id,
            reason=r.reason,
            details=r.details,
            run_number=r.run_number,
            created_at=r.created_at,
            dismissed_at=r.dismissed_at,
        )
        for r in rows
    ]


async def dismiss_report(
    tx: AsyncSession, convening_id: int, report_id: int, now: datetime
) -> bool:
    """Mark a report of this convening dismissed; False when it has no such report."""
    row = await tx.scalar(
        select(ParticipantReport).where(
            ParticipantReport.id == report_id, ParticipantReport.convening_id == convening_id
        )
    )
    if row is None:
        return False
    if row.dismissed_at is None:
        row.dismissed_at = now
        await tx.flush()
    return True


async def set_muted(
    tx: AsyncSession, convening_id: int, participant_id: int, muted: bool, now: datetime
) -> None:
    row = await tx.get(ParticipantMute, participant_id)
    if muted and row is None:
        tx.add(
            ParticipantMute(participant_id=participant_id, convening_id=convening_id, muted_at=now)
        )
    elif not muted and row is not None:
        await tx.delete(row)
    await tx.flush()


async def muted_ids(tx: AsyncSession, convening_id: int) -> set[int]:
    rows = await tx.scalars(
        select(ParticipantMute.participant_id).where(ParticipantMute.convening_id == convening_id)
    )
    return set(rows)


async def is_muted(tx: AsyncSession, participant_id: int) -> bool:
    return await tx.get(ParticipantMute, participant_id) is not None
