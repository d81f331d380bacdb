"""A participant takes their data away, or has it deleted.

Deleting reaches every call of the series the participant was recognised in (by the email
they consented with, or the one on their personal link): a person who asks to be forgotten
expects to be forgotten by the series, not only by tonight's call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crossroads.convenings.planning import get_plan_for_participant
from crossroads.store import personal_data as personal_store
from crossroads.store import series as series_store
from crossroads.store.database import Database
from crossroads.store.records import ParticipantRecord

EXPORT_VERSION = 1


async def export_my_data(
    db: Database, participant: ParticipantRecord, public_id: str, *, now: datetime
) -> dict[str, Any]:
    await get_plan_for_participant(db, participant, public_id)
    async with db.transaction() as tx:
        data = await personal_store.export_participant(tx, participant.id)
    return {
        "format": "crossroads-personal-data",
        "version": EXPORT_VERSION,
        "exported_at": now.isoformat(),
        **data,
    }


async def erase_my_data(db: Database, participant: ParticipantRecord, public_id: str) -> int:
    """Erase the participant, and their recognised selves in other calls of the series;
    returns how many participant records were erased."""
    await get_plan_for_participant(db, participant, public_id)
    async with db.transaction() as tx:
        emails = {participant.email.casefold()} - {""}
        consent = await series_store.get_consent(tx, participant.id)
        if consent:
            emails.add(consent.casefold())
        targets = {participant.id}
        series = await series_store.series_of(tx, participant.convening_id)
        if series is not None and emails:
            members = await series_store.member_ids(tx, series.id)
            for cid in members:
                for pid, email in (await series_store.emails_of(tx, cid)).items():
                    if email in emails:
                        targets.add(pid)
            for c in await series_store.consents(tx, members):
                if c.email.casefold() in emails:
                    targets.add(c.participant_id)
        for pid in sorted(targets):
            await personal_store.erase_participant(tx, pid)
    return len(targets)
