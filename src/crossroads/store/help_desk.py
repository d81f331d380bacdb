"""Help calls as the host's help desk reads them: one call, scoped to its convening."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.live import HelpRecord
from crossroads.store.models import HelpCall


async def get_help_call(
    tx: AsyncSession, convening_id: int, help_id: int
) -> tuple[HelpRecord, int | None] | None:
    """The help call ``help_id`` of this convening and the run it was made in (None: no
    such call here, e.g. another convening's id)."""
    row = await tx.scalar(
        select(HelpCall).where(HelpCall.id == help_id, HelpCall.convening_id == convening_id)
    )
    if row is None:
        return None
    record = HelpRecord(
        id=row.id,
        group_number=row.group_number,
        participant_id=row.participant_id,
        created_at=row.created_at,
    )
    return record, row.run_id
