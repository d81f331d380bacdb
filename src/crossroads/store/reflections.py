"""The reflection note of a convening: one row, the sections as JSON, draft or published."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import ReflectionNote


class NoteStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class NoteRecord:
    convening_id: int
    language: str
    sections: tuple[dict[str, Any], ...]
    status: NoteStatus
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


def _record(row: ReflectionNote) -> NoteRecord:
    return NoteRecord(
        convening_id=row.convening_id,
        language=row.language,
        sections=tuple(row.sections),
        status=NoteStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
    )


async def find_note(tx: AsyncSession, convening_id: int) -> NoteRecord | None:
    row = await tx.get(ReflectionNote, convening_id)
    return None if row is None else _record(row)


async def _row(tx: AsyncSession, convening_id: int) -> ReflectionNote:
    row = await tx.get(ReflectionNote, convening_id, with_for_update=True)
    if row is None:
        raise NotFound("reflection")
    return row


async def save_note(
    tx: AsyncSession,
    convening_id: int,
    *,
    language: str,
    sections: Sequence[dict[str, Any]],
    now: datetime,
) -> NoteRecord:
    """Write every section (a new draft, or the whole note generated again)."""
    row = await tx.get(ReflectionNote, convening_id, with_for_update=True)
    if row is None:
        row = ReflectionNote(
            convening_id=convening_id,
            status=NoteStatus.DRAFT.value,
            created_at=now,
            published_at=None,
        )
        tx.add(row)
    row.language = language
    row.sections = list(sections)
    row.updated_at = now
    await tx.flush()
    return _record(row)


async def replace_section(
    tx: AsyncSession, convening_id: int, section: dict[str, Any], *, now: datetime
) -> NoteRecord:
    """Replace the one section with ``section["key"]``; the others stay as the host left them."""
    row = await _row(tx, convening_id)
    keys = [s["key"] for s in row.sections]
    if section["key"] not in keys:
        raise NotFound("section")
    sections = list(row.sections)
    sections[keys.index(section["key"])] = section
    row.sections = sections  # a new list: SQLAlchemy sees JSON changes only on assignment
    row.updated_at = now
    await tx.flush()
    return _record(row)


async def set_status(
    tx: AsyncSession, convening_id: int, status: NoteStatus, *, now: datetime
) -> NoteRecord:
    row = await _row(tx, convening_id)
    row.status = status.value
    row.published_at = now if status is NoteStatus.PUBLISHED else None
    row.updated_at = now
    await tx.flush()
    return _record(row)
