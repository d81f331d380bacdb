"""Planning a convening: its details and its agenda of rounds and prompts.

Every edit of a convening's details or agenda is one unit of work that records an
``AgendaChanged`` event: once it commits, the publisher tells the people already connected
(their lobby shows the new agenda, #31). That announcement is best effort (live/events.py):
the edit stands even if the bus is away.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.tokens import new_public_id
from crossroads.convenings.translations import write_convening_translations, write_round_titles
from crossroads.live.events import AgendaChanged
from crossroads.live.publisher import Events
from crossroads.messages import N_
from crossroads.store import agenda as agenda_store
from crossroads.store import convenings as convening_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import (
    ConveningFields,
    ConveningRecord,
    HostRecord,
    ParticipantRecord,
    RoundKind,
    RoundRecord,
)

# Group sizes a round may ask for; pairs are 2, small groups 3 to 6 (the pairing engine's range).
GROUP_SIZES = {RoundKind.PAIRS: (2, 2), RoundKind.SMALL_GROUPS: (3, 6)}


@dataclass(frozen=True, slots=True)
class Plan:
    """A convening with its agenda, as the host and the lobby show it."""

    convening: ConveningRecord
    rounds: tuple[RoundRecord, ...]

    @property
    def prompt_count(self) -> int:
        return sum(len(r.prompts) for r in self.rounds)


def _check_round(kind: RoundKind, group_size: int) -> int:
    if kind is RoundKind.PLENARY:
        return 0
    low, high = GROUP_SIZES.get(kind, (2, 6))
    if not low <= group_size <= high:
        raise FieldInvalid(
            "group_size", N_("Choose a group size from {low} to {high}."), low=low, high=high
        )
    return group_size


async def create_convening(
    db: Database, host: HostRecord, fields: ConveningFields, *, now: datetime
) -> ConveningRecord:
    async with db.transaction() as tx:
        return await convening_store.insert_convening(
            tx, host_id=host.id, public_id=new_public_id(), fields=fields, now=now
        )


async def update_convening(
    db: Database,
    events: Events,
    host: HostRecord,
    public_id: str,
    fields: ConveningFields,
    *,
    translations: Mapping[str, Any] | None = None,
) -> ConveningRecord:
    """The convening's details and, from the form's ``tr_<field>_<lang>`` values, their
    translations: saved together (a bad translation changes nothing), then announced."""
    async with events.unit(db.transaction()) as unit:
        convening = await convening_store.update_convening(
            unit.tx, host_id=host.id, public_id=public_id, fields=fields
        )
        if translations is not None:
            await write_convening_translations(unit.tx, convening, translations)
        unit.record(AgendaChanged(convening.id))
    return convening


async def list_convenings(db: Database, host: HostRecord) -> list[ConveningRecord]:
    async with db.transaction() as tx:
        return await convening_store.list_convenings_for_host(tx, host.id)


async def get_plan_for_host(db: Database, host: HostRecord, public_id: str) -> Plan:
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        rounds = await agenda_store.list_rounds(tx, convening.id)
    return Plan(convening=convening, rounds=tuple(rounds))


async def get_plan_by_id(db: Database, convening_id: int) -> Plan:
    async with db.transaction() as tx:
        return await read_plan(tx, convening_id)


async def read_plan(tx: AsyncSession, convening_id: int) -> Plan:
    """The convening and its agenda as this transaction sees them."""
    convening = await convening_store.get_convening_by_id(tx, convening_id)
    return Plan(convening=convening, rounds=tuple(await agenda_store.list_rounds(tx, convening_id)))


async def get_plan_for_participant(
    db: Database, participant: ParticipantRecord, public_id: str
) -> Plan:
    """The participant's own convening, as ``get_plan_for_host`` is the host's: the one scoped
    lookup behind every participant page (#28). Any other convening's id is not found, the
    same answer as an id that does not exist, so ids cannot be probed."""
    plan = await get_plan_by_id(db, participant.convening_id)
    if plan.convening.public_id != public_id:
        raise NotFound("convening")
    return plan


AgendaChange = Callable[[AsyncSession, ConveningRecord], Awaitable[None]]


async def _edit_agenda(
    db: Database, events: Events, host: HostRecord, public_id: str, change: AgendaChange
) -> Plan:
    """Apply one agenda change inside the host's scope and return the agenda after it; once
    committed, the people already connected are told (``AgendaChanged``)."""
    async with events.unit(db.transaction()) as unit:
        convening = await convening_store.get_convening_for_host(
            unit.tx, host_id=host.id, public_id=public_id
        )
        await change(unit.tx, convening)
        rounds = await agenda_store.list_rounds(unit.tx, convening.id)
        unit.record(AgendaChanged(convening.id))
    return Plan(convening=convening, rounds=tuple(rounds))


async def add_round(
    db: Database,
    events: Events,
    host: HostRecord,
    public_id: str,
    *,
    title: str,
    kind: RoundKind,
    group_size: int,
    duration_minutes: int,
) -> Plan:
    group_size = _check_round(kind, group_size)

    async def change(tx: AsyncSession, convening: ConveningRecord) -> None:
        await agenda_store.insert_round(
            tx,
            convening_id=convening.id,
            public_id=new_public_id(),
            title=title,
            kind=kind,
            group_size=group_size,
            duration_minutes=duration_minutes,
        )

    return await _edit_agenda(db, events, host, public_id, change)


async def update_round(
    db: Database,
    events: Events,
    host: HostRecord,
    public_id: str,
    *,
    round_id: str,
    title: str,
    kind: RoundKind,
    group_size: int,
    duration_minutes: int,
    title_translations: Mapping[str, Any] | None = None,
) -> Plan:
    """The round and, from the form's ``title_<lang>`` values, its title's translations:
    saved together (a bad translation changes nothing)."""
    group_size = _check_round(kind, group_size)

    async def change(tx: AsyncSession, convening: ConveningRecord) -> None:
        await agenda_store.update_round(
            tx,
            convening_id=convening.id,
            round_public_id=round_id,
            title=title,
            kind=kind,
            group_size=group_size,
            duration_minutes=duration_minutes,
        )
        if title_translations is not None:
            await write_round_titles(tx, convening, round_id, title_translations)

    return await _edit_agenda(db, events, host, public_id, change)


async def move_round(
    db: Database, events: Events, host: HostRecord, public_id: str, *, round_id: str, offset: int
) -> Plan:
    async def change(tx: AsyncSession, convening: ConveningRecord) -> None:
        await agenda_store.move_round(
            tx, convening_id=convening.id, round_public_id=round_id, offset=offset
        )

    return await _edit_agenda(db, events, host, public_id, change)


async def move_prompt(
    db: Database, events: Events, host: HostRecord, public_id: str, *, prompt_id: str, offset: int
) -> Plan:
    async def change(tx: AsyncSession, convening: ConveningRecord) -> None:
        await agenda_store.move_prompt(
            tx, convening_id=convening.id, prompt_public_id=prompt_id, offset=offset
        )

    return await _edit_agenda(db, events, host, public_id, change)


async def remove_round(
    db: Database, events: Events, host: HostRecord, public_id: str, *, round_id: str
) -> Plan:
    async def change(tx: AsyncSession, convening: ConveningRecord) -> None:
        await agenda_store.delete_round(tx, convening_id=convening.id, round_public_id=round_id)

    return await _edit_agenda(db, events, host, public_id, change)


def _check_texts(convening: ConveningRecord, texts: Mapping[str, str]) -> dict[str, str]:
    cleaned = {lang: text.strip() for lang, text in texts.items() if lang in convening.languages}
    cleaned = {lang: text for lang, text in cleaned.items() if text}
    if not cleaned:
        raise FieldInvalid(
            "texts", N_("Write the prompt in at least one of the convening's languages.")
        )
    if any(len(text) > 1000 for text in cleaned.values()):
        raise FieldInvalid("texts", N_("Keep each prompt under 1,000 characters."))
    return cleaned


async def add_prompt(
    db: Database,
    events: Events,
    host: HostRecord,
    public_id: str,
    *,
    round_id: str,
    texts: Mapping[str, str],
) -> Plan:
    async def change(tx: AsyncSession, convening: ConveningRecord) -> None:
        await agenda_store.insert_prompt(
            tx,
            convening_id=convening.id,
            round_public_id=round_id,
            public_id=new_public_id(),
            texts=_check_texts(convening, texts),
        )

    return await _edit_agenda(db, events, host, public_id, change)


async def update_prompt(
    db: Database,
    events: Events,
    host: HostRecord,
    public_id: str,
    *,
    prompt_id: str,
    texts: Mapping[str, str],
) -> Plan:
    async def change(tx: AsyncSession, convening: ConveningRecord) -> None:
        await agenda_store.update_prompt(
            tx,
            convening_id=convening.id,
            prompt_public_id=prompt_id,
            texts=_check_texts(convening, texts),
        )

    return await _edit_agenda(db, events, host, public_id, change)


async def remove_prompt(
    db: Database, events: Events, host: HostRecord, public_id: str, *, prompt_id: str
) -> Plan:
    async def change(tx: AsyncSession, convening: ConveningRecord) -> None:
        await agenda_store.delete_prompt(tx, convening_id=convening.id, prompt_public_id=prompt_id)

    return await _edit_agenda(db, events, host, public_id, change)
