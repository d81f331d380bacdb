"""Reading the shared notes back: text per prompt, who wrote what, and which are locked."""

from __future__ import annotations

from dataclasses import dataclass

from pycrdt import Text

from crossroads.notes.attribution import replay, runs_with_text
from crossroads.notes.crdt_guard import guarded
from crossroads.store import notes as notes_store
from crossroads.store.database import Database

FREE_NOTES = "free"


def section_name(prompt_public_id: str) -> str:
    """The root Y.Text a prompt's answers live in (the browser binds its editor to it)."""
    return f"prompt:{prompt_public_id}"


@dataclass(frozen=True, slots=True)
class NotesText:
    sections: dict[str, str]  # prompt public id (or "free") -> text
    authors: frozenset[str]  # "p<id>"/"h<id>" of everyone who wrote in this room
    # prompt public id -> the text in runs, each with who wrote it ("" when unknown); the
    # caller decides whose names may be shown (consent, privacy mode).
    runs: dict[str, list[tuple[str, str]]]
    locked: frozenset[str]  # prompt public ids whose sections are locked


async def read_notes(db: Database, room: str, prompt_ids: list[str]) -> NotesText:
    async with db.transaction() as tx:
        stored = await notes_store.load_log(tx, room)
        authors = await notes_store.authors(tx, room)
        locked = await notes_store.locked_sections(tx, room)
    ids = [*prompt_ids, FREE_NOTES]
    doc, runs = replay(
        stored.snapshot, stored.attribution, stored.updates, [section_name(p) for p in ids]
    )
    with guarded("read notes"):
        sections = {pid: str(doc.get(section_name(pid), type=Text)) for pid in ids}
    return NotesText(
        sections=sections,
        authors=frozenset(authors),
        runs={pid: runs_with_text(sections[pid], runs[section_name(pid)]) for pid in ids},
        locked=frozenset(p for p in prompt_ids if section_name(p) in locked),
    )
