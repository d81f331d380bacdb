"""Server-side sessions, looked up by the hash of the cookie's token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import WebSession
from crossroads.store.records import SessionRecord


async def insert_session(
    tx: AsyncSession,
    *,
    token_hash: str,
    host_id: int | None,
    participant_id: int | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    tx.add(
        WebSession(
            token_hash=token_hash,
            host_id=host_id,
            participant_id=participant_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await tx.flush()


async def find_session(tx: AsyncSession, token_hash: str, now: datetime) -> SessionRecord | None:
    row = await tx.scalar(select(WebSession).where(WebSession.token_hash == token_hash))
    if row is None or row.expires_at <= now:
        return None
    return SessionRecord(
        host_id=row.host_id, participant_id=row.participant_id, expires_at=row.expires_at
    )


async def delete_session(tx: AsyncSession, token_hash: str) -> None:
    await tx.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


async def delete_expired_sessions(tx: AsyncSession, now: datetime) -> None:
    await tx.execute(delete(WebSession).where(WebSession.expires_at <= now))
