"""Shared notes use cases: locking a section, and the host's attributed export.

The notes room itself writes document updates (see notes/rooms.py); these are the changes made
around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crossroads.convenings import planning
from crossroads.convenings.joining import lobby_for
from crossroads.notes.reading import FREE_NOTES, NotesText, read_notes, section_name
from crossroads.store import notes as notes_store
from crossroads.store import participants as participant_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import HostRecord, ParticipantRecord, PrivacyMode


class SectionLocks(Protocol):
    """The live rooms (``RoomServer``), told after a lock is stored."""

    async def set_locked(self, room_name: str, section: str, *, locked: bool) -> None: ...


async def set_section_lock(
    db: Database,
    host: HostRecord,
    public_id: str,
    *,
    prompt_id: str,
    locked: bool,
    now: datetime,
    rooms: SectionLocks,
) -> None:
    """Lock (or unlock) one prompt's section: stored first, then the live room refuses edits.

    Another host's convening, or a prompt not on this agenda, is not found.
    """
    plan = await planning.get_plan_for_host(db, host, public_id)
    if prompt_id not in {p.public_id for r in plan.rounds for p in r.prompts}:
        raise NotFound("prompt")
    section = section_name(prompt_id)
    async with db.transaction() as tx:
        await notes_store.set_lock(tx, public_id, section, locked=locked, now=now)
    await rooms.set_locked(public_id, section, locked=locked)


@dataclass(frozen=True, slots=True)
class Contribution:
    name: str
    text: str  # what they wrote in this section, pieces joined by " … "


@dataclass(frozen=True, slots=True)
class AttributedNotes:
    plan: planning.Plan
    notes: NotesText
    contributions: dict[str, list[Contribution]]  # prompt public id (or "free") -> list


async def attributed_notes(db: Database, host: HostRecord, public_id: str) -> AttributedNotes:
    """The notes with, per section, what each person wrote: only for participants who agreed
    to be quoted, and for nobody in Chatham House mode. The host's own text carries their name.
    """
    plan = await planning.get_plan_for_host(db, host, public_id)
    prompts = [p.public_id for r in plan.rounds for p in r.prompts]
    notes = await read_notes(db, public_id, prompts)
    if plan.convening.privacy_mode is PrivacyMode.CHATHAM_HOUSE:
        return AttributedNotes(plan, notes, {})
    async with db.transaction() as tx:
        people = await participant_store.list_participants(tx, plan.convening.id)
    names = {f"p{p.id}": p.display_name for p in people if p.consent_quoted}
    names[f"h{host.id}"] = host.display_name
    contributions: dict[str, list[Contribution]] = {}
    for pid in [*prompts, FREE_NOTES]:
        pieces: dict[str, list[str]] = {}
        for author, text in notes.runs.get(pid, []):
            if author in names and text.strip():
                pieces.setdefault(author, []).append(text.strip())
        contributions[pid] = [
            Contribution(names[a], " … ".join(texts)) for a, texts in pieces.items()
        ]
    return AttributedNotes(plan, notes, contributions)


async def notes_for_reading(
    db: Database, participant: ParticipantRecord, public_id: str
) -> tuple[planning.Plan, NotesText]:
    """The participant's own convening's notes as text, for the read-only view (no names)."""
    lobby = await lobby_for(db, participant, public_id)
    prompts = [p.public_id for r in lobby.plan.rounds for p in r.prompts]
    return lobby.plan, await read_notes(db, public_id, prompts)


async def locked_prompts(db: Database, public_id: str) -> frozenset[str]:
    """Prompt sections of a convening the host has locked (call after the scoped lookup)."""
    async with db.transaction() as tx:
        locked = await notes_store.locked_sections(tx, public_id)
    return frozenset(s.removeprefix("prompt:") for s in locked)
