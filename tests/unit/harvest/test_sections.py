"""Sections of the reflection note: the host's text format, and Chatham House at rendering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.harvest.markdown import markdown_from_blocks, render_markdown
from crossroads.harvest.model import (
    Participation,
    PrivacyMode,
    PromptThemes,
    Quote,
    Reflection,
    RosterEntry,
    Theme,
)
from crossroads.harvest.outline import (
    Block,
    Bullets,
    ChartKind,
    Figure,
    Heading,
    Paragraph,
    QuoteBlock,
    outline,
)
from crossroads.harvest.sections import Section, body_text, note_blocks, parse_body, sections_of
from crossroads.harvest.sources import read_contributions

pytestmark = pytest.mark.unit

ANA = RosterEntry("1", "Ana Pérez", "Vecinas Unidas", consent_quote=True)


def reflection(mode: PrivacyMode = PrivacyMode.NAMED) -> Reflection:
    quote = (
        Quote("Rents doubled in two years.")
        if mode is PrivacyMode.CHATHAM_HOUSE
        else Quote("Rents doubled in two years.", "Ana Pérez", "Vecinas Unidas")
    )
    return Reflection(
        title="Coalition call",
        privacy_mode=mode,
        language="en",
        participation=Participation(
            people=2, organisations=2, rounds=1, groups=1, minutes=12, by_movement=(("housing", 2),)
        ),
        prompts=(
            PromptThemes(
                prompt_id="p1",
                prompt_text="Where does your work meet?",
                contribution_count=3,
                themes=(Theme("Rent", ("rent", "evictions"), 3, (quote,)),),
            ),
        ),
    )


def test_sections_of_a_reflection_render_exactly_like_the_reflection() -> None:
    note = reflection()

    sections = sections_of(note)
    blocks = note_blocks(note.title, sections, mode=note.privacy_mode)

    assert [s.key for s in sections] == ["participation", "themes", "prompt:p1", "method"]
    assert blocks == outline(note)
    assert markdown_from_blocks(blocks) == render_markdown(note)
    assert sections[0].charts[0].rows == (("housing", 2),)
    assert Section.from_json(sections[2].to_json()) == sections[2]


def test_parse_body_reads_each_kind_of_line() -> None:
    text = (
        "#### Rent (3 contributions)\nKeyphrases: rent,\nevictions\n\n"
        "> Rents doubled.\n> — Ana, Vecinas\n> Floods came.\n\n- one\n* two\n\n\\- not a bullet"
    )

    blocks = parse_body(text)

    assert blocks == [
        Heading(4, "Rent (3 contributions)"),
        Paragraph("Keyphrases: rent, evictions"),
        QuoteBlock("Rents doubled.", "Ana, Vecinas"),
        QuoteBlock("Floods came.", None),
        Bullets(("one", "two")),
        Paragraph("- not a bullet"),
    ]


_WORDS = st.text(alphabet="abcXYZ é#->*—\\:,.!0123456789", min_size=1, max_size=30).map(
    lambda t: " ".join(t.split())
)
_TEXT = _WORDS.filter(bool)
_BLOCK = st.one_of(
    st.builds(Heading, st.integers(1, 6), _TEXT.filter(lambda t: t.strip("#") == t)),
    st.builds(Paragraph, _TEXT),
    st.builds(Bullets, st.lists(_TEXT, min_size=1, max_size=4).map(tuple)),
    st.builds(QuoteBlock, _TEXT.filter(lambda t: not t.startswith(("—", "--"))), st.none() | _TEXT),
)


@given(st.lists(_BLOCK, max_size=8))
def test_body_text_and_parse_body_round_trip(blocks: list[Block]) -> None:
    assert parse_body(body_text(blocks)) == blocks


def test_chatham_house_note_drops_attributions_and_scrubs_what_the_host_typed() -> None:
    note = reflection(PrivacyMode.CHATHAM_HOUSE)
    sections = sections_of(note)
    typed = Section(
        "takeaways",
        "Thanks to Ana",
        2,
        "> Floods came first.\n> — Ana Pérez, Vecinas Unidas\n\n- PÉREZ spoke for vecinas unidas",
    )

    blocks = note_blocks(
        note.title, [*sections, typed], mode=PrivacyMode.CHATHAM_HOUSE, roster=[ANA]
    )
    text = markdown_from_blocks(blocks)

    assert QuoteBlock("Floods came first.", None) in blocks
    assert Heading(2, "Thanks to [participant]") in blocks
    assert Bullets(("[participant] spoke for [organisation]",)) in blocks
    for identifying in ("ana", "pérez", "vecinas"):
        assert identifying not in text.casefold()
    assert "Chatham House" in text


def test_named_note_keeps_what_the_host_typed() -> None:
    typed = Section("takeaways", "Thanks to Ana", 2, "> Floods came first.\n> — Ana Pérez")

    blocks = note_blocks("Call", [typed], mode=PrivacyMode.NAMED, roster=[ANA])

    assert blocks == [
        Heading(1, "Call"),
        Heading(2, "Thanks to Ana"),
        QuoteBlock("Floods came first.", "Ana Pérez"),
    ]


def test_note_blocks_draws_charts_from_stored_rows() -> None:
    sections = sections_of(reflection())

    figures = [
        b for b in note_blocks("Call", sections, mode=PrivacyMode.NAMED) if isinstance(b, Figure)
    ]

    assert [(f.kind, f.rows) for f in figures] == [
        (ChartKind.BY_MOVEMENT, (("housing", 2),)),
        (ChartKind.THEMES_PER_PROMPT, (("Where does your work meet?", 1),)),
    ]


def test_read_contributions_attributes_only_roster_names() -> None:
    text = "## heading line\n- Ana Pérez: Floods first.\nNobody: not in the roster\n\n  * plain"

    contributions = read_contributions(text, prompt_id="p1", roster=[ANA])

    assert [(c.text, c.author_id) for c in contributions] == [
        ("heading line", None),
        ("Floods first.", "1"),
        # A name-like prefix goes even when nobody on the roster has it.
        ("not in the roster", None),
        ("plain", None),
    ]


def test_read_contributions_ids_are_prompt_and_line_of_the_shared_notes() -> None:
    """The app's contribution ids in the JSON export (#27): blank lines count, so an id names
    the line a host sees in the notes."""
    text = "- first\n\n  * second\nAna Pérez: third"

    contributions = read_contributions(text, prompt_id="p1", roster=[ANA])

    assert [c.source for c in contributions] == ["p1:1", "p1:3", "p1:4"]
