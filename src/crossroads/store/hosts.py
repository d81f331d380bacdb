"""Host accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import HostAccount
from crossroads.store.records import HostRecord


def _record(row: HostAccount) -> HostRecord:
    return HostRecord(id=row.id, email=row.email, display_name=row.display_name)


async def count_hosts(tx: AsyncSession) -> int:
    return int(await tx.scalar(select(func.count()).select_from(HostAccount)) or 0)


async def insert_host(
    tx: AsyncSession, *, email: str, display_name: str, password_hash: str, now: datetime
) -> HostRecord:
    row = HostAccount(
        email=email, display_name=display_name, password_hash=password_hash, created_at=now
    )
    tx.add(row)
    await tx.flush()
    return _record(row)


async def find_host_credentials(tx: AsyncSession, email: str) -> tuple[HostRecord, str] | None:
    row = await tx.scalar(select(HostAccount).where(HostAccount.email == email))
    if row is None:
        return None
    return _record(row), row.password_hash


async def update_password_hash(tx: AsyncSession, host_id: int, password_hash: str) -> None:
    row = await tx.get(HostAccount, host_id)
    if row is None:
        raise NotFound("host")
    row.password_hash = password_hash


async def get_host(tx: AsyncSession, host_id: int) -> HostRecord:
    row = await tx.get(HostAccount, host_id)
    if row is None:
        raise NotFound("host")
    return _record(row)
