"""Participants of a convening."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import Participant
from crossroads.store.records import ParticipantRecord, ProfileFields
from crossroads.store.rows import RowMemo, json_list, raw_select, utc


def _apply(row: Participant, profile: ProfileFields) -> None:
    row.display_name = profile.display_name
    row.organisation = profile.organisation
    row.movements = list(profile.movements)
    row.region = profile.region
    row.languages = list(profile.languages)
    row.about = profile.about
    row.consent_listed = profile.consent_listed
    row.consent_quoted = profile.consent_quoted


async def insert_participant(
    tx: AsyncSession,
    *,
    convening_id: int,
    public_id: str,
    invite_id: int | None,
    email: str,
    profile: ProfileFields,
    now: datetime,
) -> ParticipantRecord:
    row = Participant(
        convening_id=convening_id,
        public_id=public_id,
        invite_id=invite_id,
        email=email,
        coc_accepted_at=now,
        joined_at=now,
    )
    _apply(row, profile)
    tx.add(row)
    await tx.flush()
    return _decode(row)


async def update_participant(
    tx: AsyncSession, participant_id: int, profile: ProfileFields
) -> ParticipantRecord:
    row = await tx.get(Participant, participant_id)
    if row is None:
        raise NotFound("participant")
    _apply(row, profile)
    await tx.flush()
    return _decode(row)


async def get_participant(tx: AsyncSession, participant_id: int) -> ParticipantRecord:
    row = await tx.get(Participant, participant_id)
    if row is None:
        raise NotFound("participant")
    return _decode(row)


async def find_participant_by_invite(tx: AsyncSession, invite_id: int) -> ParticipantRecord | None:
    row = await tx.scalar(
        select(Participant).where(Participant.invite_id == invite_id).order_by(Participant.id)
    )
    return None if row is None else _decode(row)


def _decode(raw: Any) -> ParticipantRecord:
    """A participant from a raw row (driver values) or an ORM row: the helpers take both."""
    return ParticipantRecord(
        id=raw.id,
        public_id=raw.public_id,
        convening_id=raw.convening_id,
        invite_id=raw.invite_id,
        display_name=raw.display_name,
        email=raw.email,
        organisation=raw.organisation,
        movements=json_list(raw.movements),
        region=raw.region,
        languages=json_list(raw.languages),
        about=raw.about,
        consent_listed=bool(raw.consent_listed),
        consent_quoted=bool(raw.consent_quoted),
        coc_accepted_at=utc(raw.coc_accepted_at),
        joined_at=utc(raw.joined_at),
    )


_decoded = RowMemo(_decode)


async def list_participants(tx: AsyncSession, convening_id: int) -> list[ParticipantRecord]:
    # Raw rows through a memo (see store/rows.py): live rounds read thousands per event.
    table = Participant.__table__
    rows = await tx.execute(
        raw_select(table)  # type: ignore[arg-type]
        .where(table.c.convening_id == convening_id)
        .order_by(table.c.joined_at, table.c.id)
    )
    return [_decoded(row) for row in rows]
