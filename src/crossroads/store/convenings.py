"""Convenings, always looked up within a scope (the host who owns it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import Convening
from crossroads.store.records import (
    ConveningFields,
    ConveningRecord,
    ConveningStatus,
    PrivacyMode,
)


def _record(row: Convening) -> ConveningRecord:
    return ConveningRecord(
        id=row.id,
        public_id=row.public_id,
        host_id=row.host_id,
        title=row.title,
        description=row.description,
        starts_at=row.starts_at,
        timezone=row.timezone,
        duration_minutes=row.duration_minutes,
        languages=tuple(row.languages),
        plenary_url=row.plenary_url,
        code_of_conduct=row.code_of_conduct,
        privacy_mode=PrivacyMode(row.privacy_mode),
        status=ConveningStatus(row.status),
        created_at=row.created_at,
        call_mode=row.call_mode,
        translations=dict(row.translations or {}),
    )


def _apply(row: Convening, fields: ConveningFields) -> None:
    row.title = fields.title
    row.description = fields.description
    row.starts_at = fields.starts_at
    row.timezone = fields.timezone
    row.duration_minutes = fields.duration_minutes
    row.languages = list(fields.languages)
    row.plenary_url = fields.plenary_url
    row.code_of_conduct = fields.code_of_conduct
    row.privacy_mode = fields.privacy_mode.value
    row.call_mode = fields.call_mode


async def insert_convening(
    tx: AsyncSession, *, host_id: int, public_id: str, fields: ConveningFields, now: datetime
) -> ConveningRecord:
    row = Convening(
        host_id=host_id, public_id=public_id, status=ConveningStatus.OPEN.value, created_at=now
    )
    _apply(row, fields)
    tx.add(row)
    await tx.flush()
    return _record(row)


async def _host_row(tx: AsyncSession, host_id: int, public_id: str) -> Convening:
    row = await tx.scalar(
        select(Convening).where(Convening.public_id == public_id, Convening.host_id == host_id)
    )
    if row is None:
        raise NotFound("convening")
    return row


async def get_convening_for_host(
    tx: AsyncSession, *, host_id: int, public_id: str
) -> ConveningRecord:
    return _record(await _host_row(tx, host_id, public_id))


async def get_convening_by_id(tx: AsyncSession, convening_id: int) -> ConveningRecord:
    row = await tx.get(Convening, convening_id)
    if row is None:
        raise NotFound("convening")
    return _record(row)


async def update_convening(
    tx: AsyncSession, *, host_id: int, public_id: str, fields: ConveningFields
) -> ConveningRecord:
    row = await _host_row(tx, host_id, public_id)
    _apply(row, fields)
    await tx.flush()
    return _record(row)


async def list_convenings_for_host(tx: AsyncSession, host_id: int) -> list[ConveningRecord]:
    rows = await tx.scalars(
        select(Convening).where(Convening.host_id == host_id).order_by(Convening.starts_at.desc())
    )
    return [_record(row) for row in rows]
