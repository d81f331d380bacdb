"""The one text-cleaning function for names and titles (#26): properties over any text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.text_input import (
    INVISIBLE,
    JOINERS,
    UnsafeText,
    clean_block,
    clean_line,
    is_control,
)

pytestmark = pytest.mark.unit

CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]


@given(st.text())
def test_clean_line_output_holds_no_control_invisible_or_outer_space(text: str) -> None:
    try:
        cleaned = clean_line(text)
    except UnsafeText:
        assert any(is_control(c) or c in "\u2028\u2029" for c in text)
        return
    assert not any(is_control(c) or c in INVISIBLE - JOINERS for c in cleaned)
    for index, char in enumerate(cleaned):
        if char in JOINERS:  # a joiner stays only between two visible characters
            assert 0 < index < len(cleaned) - 1
            assert not {cleaned[index - 1], cleaned[index + 1]} & INVISIBLE
            assert not cleaned[index - 1].isspace() and not cleaned[index + 1].isspace()
    assert cleaned == cleaned.strip()


@given(st.text(), st.sampled_from(CONTROLS), st.text())
def test_clean_line_refuses_any_control_character_anywhere(
    before: str, control: str, after: str
) -> None:
    with pytest.raises(UnsafeText):
        clean_line(before + control + after)


@given(st.text().filter(lambda t: not any(is_control(c) for c in t)))
def test_clean_line_is_idempotent(text: str) -> None:
    try:
        once = clean_line(text)
    except UnsafeText:
        return
    assert clean_line(once) == once


@pytest.mark.parametrize("char", sorted(INVISIBLE - JOINERS))
def test_clean_line_drops_each_bidi_override_and_zero_width_character(char: str) -> None:
    assert clean_line(f"Ana{char} Lopez{char}") == "Ana Lopez"


@pytest.mark.parametrize("char", sorted(JOINERS))
def test_clean_line_drops_joiners_at_the_edges_or_beside_spaces(char: str) -> None:
    assert clean_line(f"{char}Ana {char}Lopez{char}") == "Ana Lopez"


def test_clean_line_keeps_joiners_inside_persian_names_and_emoji() -> None:
    for text in (
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "Ana \U0001f469\u200d\U0001f33e",
    ):
        assert clean_line(text) == text


def test_clean_line_keeps_right_to_left_and_accented_names_as_typed() -> None:
    for name in ("محمد علي", "שרה כהן", "José Ñúñez", "Ngũgĩ", "李小龍"):
        assert clean_line(name) == name


def test_clean_line_refuses_nul_line_breaks_and_separators() -> None:
    for text in ("Ana\x00", "Ana\nLopez", "Ana\tLopez", "Ana\u2028Lopez", "\x1b[31mAna"):
        with pytest.raises(UnsafeText):
            clean_line(text)


@given(st.text(alphabet=st.characters(blacklist_categories=["Cc"]) | st.sampled_from("\n\t\r")))
def test_clean_block_keeps_line_breaks_and_tabs(text: str) -> None:
    assert clean_block(text) == text.strip()


def test_clean_block_refuses_nul() -> None:
    with pytest.raises(UnsafeText):
        clean_block("first line\nsecond\x00line")


def test_roster_names_go_through_the_same_cleaning() -> None:
    from crossroads.convenings.errors import RosterRowInvalid
    from crossroads.convenings.roster import parse_roster

    rows = parse_roster(
        'name,email,organisation\n\u202eAna\u200b,ana@example.org,"Tierra\nViva"\n'.encode(),
        languages=("en",),
        max_rows=10,
    )
    assert (rows[0].name, rows[0].organisation) == ("Ana", "Tierra Viva")
    with pytest.raises(RosterRowInvalid) as caught:
        parse_roster(
            b"name,email\nAna,ana@example.org\nBo\x00,bo@example.org\n",
            languages=("en",),
            max_rows=10,
        )
    assert (caught.value.line, caught.value.field) == (3, "name")
