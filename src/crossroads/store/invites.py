"""Invites: shared links and personal links from a roster, found by token hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import Invite
from crossroads.store.records import InviteKind, InviteRecord


@dataclass(frozen=True, slots=True)
class NewInvite:
    kind: InviteKind
    token_hash: str
    salt: str
    expires_at: datetime
    name: str = ""
    email: str = ""
    organisation: str = ""
    language: str = ""


def _record(row: Invite) -> InviteRecord:
    return InviteRecord(
        id=row.id,
        convening_id=row.convening_id,
        kind=InviteKind(row.kind),
        salt=row.salt,
        name=row.name,
        email=row.email,
        organisation=row.organisation,
        language=row.language,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked=row.revoked,
    )


async def insert_invites(
    tx: AsyncSession, *, convening_id: int, invites: list[NewInvite], now: datetime
) -> list[InviteRecord]:
    rows = [
        Invite(
            convening_id=convening_id,
            kind=new.kind.value,
            token_hash=new.token_hash,
            salt=new.salt,
            name=new.name,
            email=new.email,
            organisation=new.organisation,
            language=new.language,
            created_at=now,
            expires_at=new.expires_at,
        )
        for new in invites
    ]
    tx.add_all(rows)
    await tx.flush()
    return [_record(row) for row in rows]


async def find_invite(tx: AsyncSession, token_hash: str) -> InviteRecord | None:
    row = await tx.scalar(select(Invite).where(Invite.token_hash == token_hash))
    return None if row is None else _record(row)


async def current_shared_invite(tx: AsyncSession, convening_id: int) -> InviteRecord | None:
    row = await tx.scalar(
        select(Invite)
        .where(
            Invite.convening_id == convening_id,
            Invite.kind == InviteKind.SHARED.value,
            Invite.revoked.is_(False),
        )
        .order_by(Invite.id.desc())
        .limit(1)
    )
    return None if row is None else _record(row)


async def list_personal_invites(tx: AsyncSession, convening_id: int) -> list[InviteRecord]:
    rows = await tx.scalars(
        select(Invite)
        .where(Invite.convening_id == convening_id, Invite.kind == InviteKind.PERSONAL.value)
        .order_by(Invite.id)
    )
    return [_record(row) for row in rows]


async def revoke_shared_invites(tx: AsyncSession, convening_id: int) -> None:
    rows = await tx.scalars(
        select(Invite).where(
            Invite.convening_id == convening_id, Invite.kind == InviteKind.SHARED.value
        )
    )
    for row in rows:
        row.revoked = True
