"""Reading the shared notes back: text per prompt, for the host's export and the harvest."""

from __future__ import annotations

from dataclasses import dataclass

from pycrdt import Doc, Text

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


async def read_notes(db: Database, room: str, prompt_ids: list[str]) -> NotesText:
    async with db.transaction() as tx:
        stored = await notes_store.load_room(tx, room)
        authors = await notes_store.authors(tx, room)
    doc = Doc()
    if stored.snapshot:
        doc.apply_update(stored.snapshot)
    for update in stored.updates:
        doc.apply_update(update)
    sections = {
        pid: str(doc.get(section_name(pid), type=Text)) for pid in [*prompt_ids, FREE_NOTES]
    }
    return NotesText(sections=sections, authors=frozenset(authors))
