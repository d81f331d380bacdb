from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads.harvest.errors import SourceInvalid
from crossroads.harvest.model import Contribution, RosterEntry
from crossroads.harvest.sources import (
    read_feedback,
    read_notes,
    read_roster,
    written_contributions,
)

pytestmark = pytest.mark.unit

ROSTER = "name,organisation,movements,region,languages,consent_quote\n" + (
    "Ana Pérez,Vecinas Unidas,housing;climate justice,Andes,es|en,yes\n"
    "Bilal Haddad,Dockers Union,labour,North Africa,fr,no\n"
)

NOTES = """# Spring call

## Where does your work meet the climate crisis?
- Ana Pérez: Floods hit our barrio first.
- Rents doubled in two years.
  Landlords evict in winter.
- Someone: not in the roster.

A paragraph is one contribution.

## What next?
* Bilal Haddad: A joint strike fund.
"""


def test_read_roster_reads_lists_and_consent() -> None:
    people = read_roster(ROSTER, source="roster.csv")

    assert [(p.id, p.name, p.consent_quote) for p in people] == [
        ("r1", "Ana Pérez", True),
        ("r2", "Bilal Haddad", False),
    ]
    assert people[0].movements == ("housing", "climate justice")
    assert people[0].languages == ("es", "en")


def test_read_notes_splits_prompts_and_attributes_roster_names() -> None:
    people = read_roster(ROSTER, source="roster.csv")

    notes = read_notes(NOTES, source="notes.md", roster=people)

    assert notes.title == "Spring call"
    assert [p.prompt_text for p in notes.prompts] == [
        "Where does your work meet the climate crisis?",
        "What next?",
    ]
    # "Someone:" is a speaker not on the roster: the prefix goes all the same (it must never
    # reach the note), kept aside only to count that person once. Sources are 1-based lines.
    assert notes.prompts[0].contributions == (
        Contribution("p1", "Floods hit our barrio first.", "r1", source="4"),
        Contribution(
            "p1", "Rents doubled in two years. Landlords evict in winter.", None, source="5"
        ),
        Contribution("p1", "not in the roster.", None, source="7", speaker="Someone"),
        Contribution("p1", "A paragraph is one contribution.", None, source="9"),
    )
    assert notes.prompts[1].contributions == (
        Contribution("p2", "A joint strike fund.", "r2", source="12"),
    )


def test_read_notes_without_roster_attributes_nobody_but_removes_the_speaker() -> None:
    notes = read_notes(NOTES, source="notes.md")

    assert notes.prompts[0].contributions[0] == Contribution(
        "p1", "Floods hit our barrio first.", None, source="4", speaker="Ana Pérez"
    )


@pytest.mark.parametrize(
    "line",
    [
        "- Note to self: rents are up",  # lower-case last word: not a name
        "- Rents: they doubled",  # one capitalised word is taken as a name ...
    ],
)
def test_read_notes_takes_off_only_prefixes_that_look_like_names(line: str) -> None:
    notes = read_notes(f"## Q\n{line}\n", source="notes.md")

    contribution = notes.prompts[0].contributions[0]
    if "Note to self" in line:
        assert contribution.text == "Note to self: rents are up"
        assert contribution.speaker is None
    else:
        # ... a small loss ("Rents:" goes) for never leaking "Lucía: ..." prefixes.
        assert contribution.speaker == "Rents"


def test_read_notes_reads_a_byte_order_mark() -> None:
    notes = read_notes("\ufeff## Q\n- a\n", source="notes.md")

    assert [p.prompt_text for p in notes.prompts] == ["Q"]


def test_read_notes_rejects_text_before_the_first_prompt() -> None:
    with pytest.raises(SourceInvalid) as error:
        read_notes("intro line\n## Prompt\n- a", source="notes.md")

    assert str(error.value) == (
        "notes.md line 1: text before the first prompt heading (## Prompt text)"
    )


def test_read_feedback_reports_the_line_of_a_bad_rating() -> None:
    text = "rating,energising,improve,drill_into\n5,pairs,time,housing\n\n7,x,y,z\n"

    with pytest.raises(SourceInvalid) as error:
        read_feedback(text, source="feedback.csv")

    assert (error.value.line, error.value.problem) == (4, "rating must be 1 to 5, not '7'")


def test_read_feedback_reports_missing_columns_and_extra_cells() -> None:
    with pytest.raises(
        SourceInvalid, match=r"^feedback.csv line 1: improve column is missing from the header$"
    ):
        read_feedback("rating,energising,drill_into\n", source="feedback.csv")
    with pytest.raises(SourceInvalid, match=r"^f.csv line 3: row has more cells than the header$"):
        read_feedback("rating,energising,improve,drill_into\n4,a,b,c\n4,a,b,c,d\n", source="f.csv")


def test_read_feedback_links_names_to_the_roster() -> None:
    people = read_roster(ROSTER, source="roster.csv")
    text = "name,rating,energising,improve,drill_into\nana pérez,4,pairs,,\nNobody,,x,,\n"

    answers = read_feedback(text, source="feedback.csv", roster=people)

    assert [(a.author_id, a.rating) for a in answers] == [("r1", 4), (None, None)]


def test_read_roster_rejects_a_bad_consent_value() -> None:
    with pytest.raises(SourceInvalid, match=r"^roster.csv line 2: consent_quote must be yes or no"):
        read_roster("name,consent_quote\nAna,maybe\n", source="roster.csv")


# Fuzzing (#12): any text gives parsed rows or one SourceInvalid naming a line of the file.
CSV_PIECES = st.sampled_from(
    [
        ",",
        '"',
        "\n",
        "\r",
        "\r\n",
        "\x00",
        " ",
        ";",
        "|",
        "a",
        "é",
        "\ufeff",
        "1",
        "6",
        "yes",
        "maybe",
        "name",
        "rating",
        "energising",
        "improve",
        "drill_into",
        "consent_quote",
        "#",
        "## ",
        "- ",
        "Ana Pérez: ",
        "  ",
    ]
)
csv_like = st.lists(CSV_PIECES, max_size=60).map("".join)
FEEDBACK_HEADER = "rating,energising,improve,drill_into,name\n"
ROSTER_HEADER = "name,consent_quote,languages\n"


def _read(kind: str, text: str) -> object:
    if kind == "feedback":
        return read_feedback(text, source="f.csv")
    if kind == "roster":
        return read_roster(text, source="r.csv")
    return read_notes(text, source="n.md")


@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(
    st.sampled_from(["feedback", "roster", "notes"]),
    st.sampled_from(["", FEEDBACK_HEADER, ROSTER_HEADER]),
    st.text(max_size=300) | csv_like,
)
def test_readers_of_any_text_give_rows_or_an_error_with_a_line(
    kind: str, header: str, body: str
) -> None:
    text = header + body
    try:
        _read(kind, text)
    except SourceInvalid as exc:
        assert 1 <= exc.line <= len(text.splitlines()) + 1
        assert exc.source in {"f.csv", "r.csv", "n.md"}


@pytest.mark.parametrize("kind", ["feedback", "roster"])
@pytest.mark.parametrize("where", ["header", "row"])
def test_readers_refuse_a_cell_over_the_csv_field_limit(kind: str, where: str) -> None:
    header = FEEDBACK_HEADER if kind == "feedback" else ROSTER_HEADER
    big = '"' + "x" * 200_000 + '"'
    text = big + "\n" if where == "header" else header + big + ",yes,en\n"

    with pytest.raises(SourceInvalid) as refused:
        _read(kind, text)

    assert refused.value.line == (1 if where == "header" else 2)


# --- a group's block read by writer (written_contributions, #29) ------------------------------


_writers = st.sampled_from(["p1", "p2", "h9", ""])
_pieces = st.lists(
    st.tuples(_writers, st.text(alphabet="abc xyz.\n", min_size=1, max_size=20)), max_size=12
)


@given(_pieces)
def test_every_piece_of_a_block_is_its_own_writers_and_nothing_is_invented(
    runs: list[tuple[str, str]],
) -> None:
    found = written_contributions(runs, prompt_id="q", block="1.1", writers={"p1": "1", "p2": "2"})
    typed_by = {"1": "", "2": ""}
    for writer, text in runs:
        if writer in ("p1", "p2"):
            typed_by[writer[1:]] += text
    for contribution in found:
        assert contribution.prompt_id == "q"
        assert contribution.source is not None and contribution.source.startswith("q:1.1:")
        if contribution.author_id is not None:
            # A quote is only ever words the person typed themselves.
            assert contribution.text in typed_by[contribution.author_id]


def test_one_line_typed_by_two_writers_gives_each_their_part() -> None:
    runs = [("p1", "- Floods hit us first.\nRents "), ("p2", "doubled."), ("h9", "\nHost note")]
    found = written_contributions(runs, prompt_id="q", block="2.3", writers={"p1": "1", "p2": "2"})
    assert [(c.text, c.author_id, c.source) for c in found] == [
        ("Floods hit us first.", "1", "q:2.3:1"),
        ("Rents", "1", "q:2.3:2"),
        ("doubled.", "2", "q:2.3:2"),
        ("Host note", None, "q:2.3:3"),
    ]


def test_someone_elses_words_reported_by_a_writer_are_nobodys_to_quote() -> None:
    roster = [RosterEntry("1", "Ana Pérez"), RosterEntry("2", "Bilal Haddad")]
    runs = [("p1", "Bilal Haddad: we should occupy the hall")]
    [found] = written_contributions(
        runs, prompt_id="q", block="1.1", writers={"p1": "1"}, roster=roster
    )
    assert found.author_id is None and found.text == "we should occupy the hall"
