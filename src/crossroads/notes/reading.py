"""Reading the shared notes back: text per prompt, who wrote what, and which are locked."""

from __future__ import annotations

from dataclasses import dataclass, field

from pycrdt import Text

from crossroads.notes.attribution import replay, runs_with_text
from crossroads.notes.blocks import BlockId, parse_block
from crossroads.notes.crdt_guard import guarded
from crossroads.store import notes as notes_store
from crossroads.store.database import Database

FREE_NOTES = "free"


def section_name(prompt_public_id: str) -> str:
    """The root Y.Text a prompt's answers live in (the browser binds its editor to it)."""
    return f"prompt:{prompt_public_id}"


@dataclass(frozen=True, slots=True)
class BlockText:
    """One group's block of a prompt (notes/blocks.py): its text, and who wrote each piece."""

    block: BlockId
    text: str
    runs: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class NotesText:
    # prompt public id (or "free") -> the text of the prompt's own section: what everyone
    # may write, and all there was before groups had blocks ("notes for everyone")
    sections: dict[str, str]
    authors: frozenset[str]  # "p<id>"/"h<id>" of everyone who wrote in this room
    # prompt public id -> all text written for the prompt (its section, then its blocks) in
    # runs, each with who wrote it ("" when unknown); the caller decides whose names may be
    # shown (consent, privacy mode).
    runs: dict[str, list[tuple[str, str]]]
    locked: frozenset[str]  # prompt public ids whose sections are locked
    # prompt public id -> its groups' blocks, in run and group order (empty ones left out)
    blocks: dict[str, list[BlockText]] = field(default_factory=dict)


async def read_notes(db: Database, room: str, prompt_ids: list[str]) -> NotesText:
    async with db.transaction() as tx:
        stored = await notes_store.load_log(tx, room)
        authors = await notes_store.authors(tx, room)
        locked = await notes_store.locked_sections(tx, room)
    ids = [*prompt_ids, FREE_NOTES]
    # Every root, blocks included: which blocks exist is only known from the document.
    doc, runs = replay(stored.snapshot, stored.attribution, stored.updates)
    with guarded("read notes"):
        sections = {pid: str(doc.get(section_name(pid), type=Text)) for pid in ids}
        wanted = set(prompt_ids)
        blocks: dict[str, list[BlockText]] = {}
        for root in sorted(runs, key=lambda r: parse_block(r) or BlockId("", 0, 0)):
            block = parse_block(root)
            if block is None or block.prompt not in wanted:
                continue
            text = str(doc.get(root, type=Text))
            if text.strip():
                blocks.setdefault(block.prompt, []).append(
                    BlockText(block, text, runs_with_text(text, runs[root]))
                )
    by_prompt = {}
    for pid in ids:
        pieces = runs_with_text(sections[pid], runs.get(section_name(pid), []))
        for block in blocks.get(pid, []):
            pieces += [("", "\n"), *block.runs]  # a block never runs on into the next
        by_prompt[pid] = pieces
    return NotesText(
        sections=sections,
        authors=frozenset(authors),
        runs=by_prompt,
        locked=frozenset(p for p in prompt_ids if section_name(p) in locked),
        blocks=blocks,
    )
