"""Shared notes use cases: locking a section, the host's attributed export, group blocks.

The notes room itself writes document updates (see notes/rooms.py); these are the changes made
around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from crossroads.convenings import planning
from crossroads.convenings.joining import lobby_for
from crossroads.notes.blocks import block_name
from crossroads.notes.reading import FREE_NOTES, NotesText, read_notes, section_name
from crossroads.store import blocks as block_store
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
    # (run, group) -> the group's heading, for the blocks in ``notes.blocks``
    headings: dict[tuple[int, int], BlockHeading] = field(default_factory=dict)


async def attributed_notes(db: Database, host: HostRecord, public_id: str) -> AttributedNotes:
    """The notes with, per section, what each person wrote: only for participants who agreed
    to be quoted, and for nobody in Chatham House mode. The host's own text carries their name.
    """
    plan = await planning.get_plan_for_host(db, host, public_id)
    prompts = [p.public_id for r in plan.rounds for p in r.prompts]
    notes = await read_notes(db, public_id, prompts)
    headings = await block_headings(db, plan)
    if plan.convening.privacy_mode is PrivacyMode.CHATHAM_HOUSE:
        return AttributedNotes(plan, notes, {}, headings)
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
    return AttributedNotes(plan, notes, contributions, headings)


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


# --- group blocks (notes/blocks.py) ----------------------------------------------------------


async def writable_blocks(db: Database, public_id: str, author: str) -> frozenset[str] | None:
    """The blocks a notes socket's author may write: a participant's own groups' blocks,
    every block for a host (None). Called when the socket opens; a person whose group
    changes reconnects (the round screen does on each new group)."""
    if not (author.startswith("p") and author[1:].isdigit()):
        return None
    async with db.transaction() as tx:
        seats = await block_store.seats(tx, public_id, int(author[1:]))
    return frozenset(
        block_name(prompt, seat.run, seat.group) for seat in seats for prompt in seat.prompts
    )


@dataclass(frozen=True, slots=True)
class BlockHeading:
    run: int
    group: int
    names: tuple[str, ...]  # the members' names; empty in Chatham House mode ("Group 7")


async def block_headings(db: Database, plan: planning.Plan) -> dict[tuple[int, int], BlockHeading]:
    """Each group of each run, headed by its members' names (none in Chatham House mode).

    Call after the scoped lookup of ``plan``."""
    public_id = plan.convening.public_id
    async with db.transaction() as tx:
        seats = await block_store.seats(tx, public_id)
        people = await participant_store.list_participants(tx, plan.convening.id)
    named = plan.convening.privacy_mode is not PrivacyMode.CHATHAM_HOUSE
    names = {p.id: p.display_name for p in people}
    members: dict[tuple[int, int], list[str]] = {}
    for seat in seats:
        group = members.setdefault((seat.run, seat.group), [])
        if named and seat.participant_id in names:
            group.append(names[seat.participant_id])
    return {key: BlockHeading(key[0], key[1], tuple(group)) for key, group in members.items()}


async def blocks_of_prompts(db: Database, plan: planning.Plan) -> dict[str, list[BlockHeading]]:
    """Per prompt, the groups that have a block for it (every group of every run of the
    prompt's round), in run and group order: what the full document page shows."""
    public_id = plan.convening.public_id
    headings = await block_headings(db, plan)
    async with db.transaction() as tx:
        seats = await block_store.seats(tx, public_id)
    out: dict[str, list[BlockHeading]] = {}
    seen: set[tuple[str, int, int]] = set()
    for seat in seats:
        for prompt in seat.prompts:
            if (prompt, seat.run, seat.group) not in seen:
                seen.add((prompt, seat.run, seat.group))
                out.setdefault(prompt, []).append(headings[(seat.run, seat.group)])
    return out
