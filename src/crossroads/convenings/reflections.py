"""The reflection note of a convening: generate a draft, edit and regenerate sections, publish.

The host's edited sections are the note: every page and export renders them (never a fresh
harvest), and Chatham House mode is applied at rendering, so it holds whatever a host typed.
See #8.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from crossroads.convenings import feedback
from crossroads.convenings.calls import consented_chat
from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.planning import (
    Plan,
    get_plan_for_host,
    get_plan_for_participant,
)
from crossroads.harvest.model import (
    Contribution,
    HarvestInput,
    PromptNotes,
    Reflection,
    RosterEntry,
)
from crossroads.harvest.model import PrivacyMode as HarvestPrivacy
from crossroads.harvest.outline import Block, Translate, no_translation
from crossroads.harvest.sections import Section, note_blocks, sections_of
from crossroads.harvest.sources import read_contributions, written_contributions
from crossroads.messages import N_
from crossroads.notes.reading import BlockText, read_notes
from crossroads.store import live as live_store
from crossroads.store import participants as participant_store
from crossroads.store import reflections as note_store
from crossroads.store import safety as safety_store
from crossroads.store import venues as venue_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import HostRecord, ParticipantRecord, PrivacyMode
from crossroads.store.reflections import NoteRecord, NoteStatus
from crossroads.text_language import original_language, text_in

MAX_HEADING = 300
MAX_BODY = 20_000


@dataclass(frozen=True, slots=True)
class NoteView:
    """A convening's note as its host sees it; ``status`` is None before the first draft."""

    plan: Plan
    status: NoteStatus | None
    language: str = "en"  # of the note's wording: the host's language when it was generated
    sections: tuple[Section, ...] = ()
    updated_at: datetime | None = None
    published_at: datetime | None = None

    @property
    def chatham_house(self) -> bool:
        return self.plan.convening.privacy_mode is PrivacyMode.CHATHAM_HOUSE

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise NotFound("section")


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a harvest of the live convening is made of, and the roster for Chatham House."""

    data: HarvestInput
    roster: tuple[RosterEntry, ...]


class ExportFormat(StrEnum):
    MARKDOWN = "md"
    DOCX = "docx"
    PDF = "pdf"


MEDIA_TYPES = {
    ExportFormat.MARKDOWN: "text/markdown; charset=utf-8",
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.PDF: "application/pdf",
}


@dataclass(frozen=True, slots=True)
class Export:
    content: bytes
    media_type: str
    filename: str


def _view(plan: Plan, record: NoteRecord | None) -> NoteView:
    if record is None:
        return NoteView(plan=plan, status=None)
    return NoteView(
        plan=plan,
        status=record.status,
        language=record.language,
        sections=tuple(Section.from_json(s) for s in record.sections),
        updated_at=record.updated_at,
        published_at=record.published_at,
    )


async def gather_inputs(db: Database, plan: Plan, *, language: str) -> Inputs:
    """Notes per prompt, the roster with consents, and the rounds' figures, from the store.

    Removed participants stay out of the roster, so nothing of theirs is ever quoted.
    """
    convening = plan.convening
    async with db.transaction() as tx:
        people = await participant_store.list_participants(tx, convening.id)
        removed = await safety_store.removed_ids(tx, convening.id)
        figures = await live_store.conversation_figures(tx, convening.id)
        hybrid = await venue_store.hybrid_state(tx, convening.id)
    roster = tuple(
        RosterEntry(
            id=str(p.id),
            name=p.display_name,
            organisation=p.organisation,
            movements=p.movements,
            region=p.region,
            languages=p.languages,
            consent_quote=p.consent_quoted,
        )
        for p in people
        if p.id not in removed
    )
    kept = {entry.id for entry in roster}
    prompts = [p for r in plan.rounds for p in r.prompts]
    notes = await read_notes(db, convening.public_id, [p.public_id for p in prompts])
    # Chat lines their authors marked as shareable (#7); a removed person's never.
    chat = tuple(
        c for c in await consented_chat(db, convening.id) if int(c.author_id or 0) not in removed
    )
    data = HarvestInput(
        title=convening.title,
        privacy_mode=HarvestPrivacy(convening.privacy_mode.value),
        language=original_language(convening.languages, language),
        prompts=tuple(
            PromptNotes(
                prompt_id=p.public_id,
                prompt_text=text_in(p.texts, language, convening.languages),
                contributions=read_contributions(
                    notes.sections.get(p.public_id, ""), prompt_id=p.public_id, roster=roster
                )
                + _block_contributions(notes.blocks.get(p.public_id, ()), p.public_id, roster),
            )
            for p in prompts
        ),
        feedback=tuple(
            a for a in await feedback.feedback_for_harvest(db, convening.id) if a.author_id in kept
        ),
        roster=roster,
        chat=chat,
        rounds=figures.rounds,
        groups=figures.groups,
        minutes=figures.minutes,
        in_room=frozenset(str(p) for p in hybrid.place_of) if hybrid.venues else None,
    )
    return Inputs(data=data, roster=roster)


def _block_contributions(
    blocks: Iterable[BlockText], prompt_id: str, roster: tuple[RosterEntry, ...]
) -> tuple[Contribution, ...]:
    """The groups' blocks of a prompt, each piece its writer's (so consent is per writer).
    A host's or an unknown writer's text is counted in themes but nobody's to quote, as is a
    removed person's (they are off the roster)."""
    writers = {f"p{entry.id}": entry.id for entry in roster}
    out: list[Contribution] = []
    for block in blocks:
        out += written_contributions(
            block.runs,
            prompt_id=prompt_id,
            block=f"{block.block.run}.{block.block.group}",
            writers=writers,
            roster=roster,
        )
    return tuple(out)


async def _harvest_sections(
    db: Database, plan: Plan, *, language: str, translate: Translate
) -> list[Section]:
    from crossroads.harvest.reflection import harvest  # scikit-learn loads on first use only

    inputs = await gather_inputs(db, plan, language=language)
    # The engine is CPU-bound for a second or more: off the event loop.
    reflection = await asyncio.to_thread(_harvest_unnamed_feedback, harvest, inputs.data)
    return sections_of(reflection, translate)


def _harvest_unnamed_feedback(
    harvest: Callable[[HarvestInput], Reflection], data: HarvestInput
) -> Reflection:
    """The reflection with its feedback part harvested as under the Chatham House rule (#26).

    The feedback form promises the hosts see the answers without names, and consent to be
    quoted (the join form) is about words from the notes: so feedback is quoted only from
    people who agreed to be quoted, and never with a name or organisation, in either mode
    (names typed into an answer are scrubbed too). The notes keep the convening's own mode.
    """
    notes = harvest(replace(data, feedback=()))
    if not data.feedback:
        return notes
    unnamed = harvest(
        HarvestInput(
            title=data.title,
            privacy_mode=HarvestPrivacy.CHATHAM_HOUSE,
            language=data.language,
            feedback=data.feedback,
            roster=data.roster,
        )
    )
    return replace(notes, feedback=unnamed.feedback)


async def note_for_host(db: Database, host: HostRecord, public_id: str) -> NoteView:
    plan = await get_plan_for_host(db, host, public_id)
    async with db.transaction() as tx:
        record = await note_store.find_note(tx, plan.convening.id)
    return _view(plan, record)


async def generate_note(
    db: Database,
    host: HostRecord,
    public_id: str,
    *,
    language: str,
    translate: Translate = no_translation,
    now: datetime,
) -> NoteView:
    """Harvest the notes into a new draft of every section (replacing any earlier edits)."""
    plan = await get_plan_for_host(db, host, public_id)
    sections = await _harvest_sections(db, plan, language=language, translate=translate)
    async with db.transaction() as tx:
        record = await note_store.save_note(
            tx,
            plan.convening.id,
            language=language,
            sections=[s.to_json() for s in sections],
            now=now,
        )
    return _view(plan, record)


async def save_section(
    db: Database,
    host: HostRecord,
    public_id: str,
    *,
    key: str,
    heading: str,
    body: str,
    now: datetime,
) -> NoteView:
    """Keep the host's edit of one section; its charts stay as they were."""
    heading = " ".join(heading.split())
    body = body.replace("\r\n", "\n").strip()
    if not heading:
        raise FieldInvalid("heading", N_("Please give this section a heading."))
    if len(heading) > MAX_HEADING:
        raise FieldInvalid(
            "heading", N_("The heading is longer than {limit} characters."), limit=MAX_HEADING
        )
    if len(body) > MAX_BODY:
        raise FieldInvalid(
            "body", N_("The text is longer than {limit} characters."), limit=MAX_BODY
        )
    view = await note_for_host(db, host, public_id)
    current = view.section(key)
    edited = Section(current.key, heading, current.level, body, current.charts)
    async with db.transaction() as tx:
        record = await note_store.replace_section(
            tx, view.plan.convening.id, edited.to_json(), now=now
        )
    return _view(view.plan, record)


async def regenerate_section(
    db: Database,
    host: HostRecord,
    public_id: str,
    *,
    key: str,
    language: str,
    translate: Translate = no_translation,
    now: datetime,
) -> NoteView:
    """Harvest again and take only this section from it; the host's other edits stay."""
    view = await note_for_host(db, host, public_id)
    view.section(key)  # an unknown key is not found before any harvesting
    fresh = await _harvest_sections(db, view.plan, language=language, translate=translate)
    section = next((s for s in fresh if s.key == key), None)
    if section is None:
        raise FieldInvalid(
            "section", N_("The notes have nothing for this section any more; edit it instead.")
        )
    async with db.transaction() as tx:
        record = await note_store.replace_section(
            tx, view.plan.convening.id, section.to_json(), now=now
        )
    return _view(view.plan, record)


async def set_published(
    db: Database, host: HostRecord, public_id: str, *, published: bool, now: datetime
) -> NoteView:
    plan = await get_plan_for_host(db, host, public_id)
    status = NoteStatus.PUBLISHED if published else NoteStatus.DRAFT
    async with db.transaction() as tx:
        record = await note_store.set_status(tx, plan.convening.id, status, now=now)
    return _view(plan, record)


async def _roster(db: Database, convening_id: int) -> tuple[RosterEntry, ...]:
    async with db.transaction() as tx:
        people = await participant_store.list_participants(tx, convening_id)
    return tuple(
        RosterEntry(id=str(p.id), name=p.display_name, organisation=p.organisation) for p in people
    )


async def _blocks(db: Database, view: NoteView, translate: Translate) -> list[Block]:
    convening = view.plan.convening
    roster = await _roster(db, convening.id) if view.chatham_house else ()
    return note_blocks(
        convening.title,
        view.sections,
        mode=HarvestPrivacy(convening.privacy_mode.value),
        roster=roster,
        translate=translate,
    )


@dataclass(frozen=True, slots=True)
class PublishedNote:
    plan: Plan
    blocks: tuple[Block, ...]
    language: str
    published_at: datetime | None


async def published_note(
    db: Database,
    participant: ParticipantRecord,
    public_id: str,
    *,
    translate: Translate = no_translation,
) -> PublishedNote:
    """The published note of the participant's own convening; not found before publishing."""
    plan = await get_plan_for_participant(db, participant, public_id)
    async with db.transaction() as tx:
        record = await note_store.find_note(tx, plan.convening.id)
    if record is None or record.status is not NoteStatus.PUBLISHED:
        raise NotFound("reflection")
    view = _view(plan, record)
    blocks = await _blocks(db, view, translate)
    return PublishedNote(
        plan=plan, blocks=tuple(blocks), language=view.language, published_at=record.published_at
    )


async def preview_blocks(
    db: Database, host: HostRecord, public_id: str, *, translate: Translate = no_translation
) -> tuple[NoteView, list[Block]]:
    """The note exactly as participants and exports will show it."""
    view = await note_for_host(db, host, public_id)
    if view.status is None:
        raise NotFound("reflection")
    return view, await _blocks(db, view, translate)


async def export_note(
    db: Database,
    host: HostRecord,
    public_id: str,
    fmt: ExportFormat,
    *,
    translate: Translate = no_translation,
) -> Export:
    """The host's edited note as Markdown, DOCX or PDF (charts in DOCX and PDF)."""
    view, blocks = await preview_blocks(db, host, public_id, translate=translate)
    title, language = view.plan.convening.title, view.language
    if fmt is ExportFormat.MARKDOWN:
        from crossroads.harvest.markdown import markdown_from_blocks

        content = markdown_from_blocks(blocks).encode("utf-8")
    elif fmt is ExportFormat.DOCX:
        from crossroads.harvest.word import docx_from_blocks

        content = await asyncio.to_thread(docx_from_blocks, blocks, title=title, language=language)
    else:
        from crossroads.harvest.pdf import pdf_from_document, print_document_from_blocks

        document = print_document_from_blocks(blocks, title=title, language=language)
        content = await asyncio.to_thread(pdf_from_document, document)
    return Export(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        filename=f"reflection-{public_id}.{fmt.value}",
    )


async def export_json(db: Database, host: HostRecord, public_id: str, *, language: str) -> Export:
    """The harvest of the live notes as the CLI's JSON (``harvest/export.py``), for tools.

    Themes list ``contribution_ids`` (``"<prompt id>:<line>"``, see ``read_contributions``)
    instead of a notes file's ``source_lines``. It is a fresh harvest, not the host's edited
    sections, and holds the privacy rules of every other rendering (quotes only from people
    who consented, no names under Chatham House).
    """
    import json

    from crossroads.harvest.export import reflection_data
    from crossroads.harvest.reflection import harvest  # the engine loads on first use only

    plan = await get_plan_for_host(db, host, public_id)
    inputs = await gather_inputs(db, plan, language=language)
    reflection = await asyncio.to_thread(_harvest_unnamed_feedback, harvest, inputs.data)
    text = json.dumps(reflection_data(reflection), ensure_ascii=False, indent=2) + "\n"
    return Export(
        content=text.encode("utf-8"),
        media_type="application/json",
        filename=f"reflection-{public_id}.json",
    )


async def is_published(db: Database, convening_id: int) -> bool:
    async with db.transaction() as tx:
        record = await note_store.find_note(tx, convening_id)
    return record is not None and record.status is NoteStatus.PUBLISHED
