"""Roster parsing: every row checked, errors name the line and the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads.convenings.errors import RosterRowInvalid
from crossroads.convenings.roster import RosterRow, parse_roster
from crossroads.text_input import INVISIBLE

pytestmark = pytest.mark.unit
LANGS = ("en", "es")


def test_parse_roster_reads_rows_with_their_line_numbers() -> None:
    data = (
        b"\xef\xbb\xbfName,Email,Organisation,Language\n"
        b"Ana,ANA@example.org,Tierra,es\n\nBo,bo@example.org,,\n"
    )

    rows = parse_roster(data, languages=LANGS, max_rows=10)

    assert rows == [
        RosterRow(
            line=2, name="Ana", email="ana@example.org", organisation="Tierra", language="es"
        ),
        RosterRow(line=4, name="Bo", email="bo@example.org", organisation="", language=""),
    ]


def test_parse_roster_counts_lines_inside_quoted_multiline_cells() -> None:
    data = b'name,email,organisation\nAna,ana@example.org,"Line one\nline two"\nBo,not-an-email,\n'

    with pytest.raises(RosterRowInvalid) as caught:
        parse_roster(data, languages=LANGS, max_rows=10)

    assert (caught.value.line, caught.value.field) == (4, "email")


def test_parse_roster_refuses_more_rows_than_allowed() -> None:
    data = b"name,email\n" + b"".join(f"P{i},p{i}@example.org\n".encode() for i in range(4))

    with pytest.raises(RosterRowInvalid) as caught:
        parse_roster(data, languages=LANGS, max_rows=3)

    assert (caught.value.line, caught.value.field) == (5, "file")


def test_parse_roster_refuses_empty_file() -> None:
    with pytest.raises(RosterRowInvalid) as caught:
        parse_roster(b"name,email\n", languages=LANGS, max_rows=3)

    assert caught.value.field == "file"


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=INVISIBLE),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() and '"' not in s)


@given(st.lists(names, min_size=1, max_size=20), st.data())
def test_parse_roster_bad_email_row_is_reported_at_its_line(
    people: list[str], data: st.DataObject
) -> None:
    bad = data.draw(st.integers(min_value=0, max_value=len(people) - 1))
    lines = ["name,email"]
    for index, name in enumerate(people):
        email = "broken" if index == bad else f"p{index}@example.org"
        lines.append(f'"{name.strip()}",{email}')

    with pytest.raises(RosterRowInvalid) as caught:
        parse_roster("\n".join(lines).encode(), languages=LANGS, max_rows=100)

    assert (caught.value.line, caught.value.field) == (bad + 2, "email")


# Fuzzing (#12): any bytes give rows or one RosterRowInvalid naming a line of the file.
CSV_ALPHABET = st.sampled_from(
    [
        ",",
        '"',
        "\n",
        "\r",
        "\r\n",
        "\x00",
        " ",
        "\t",
        "a",
        "é",
        "@",
        ".",
        "name",
        "email",
        "language",
        "organisation",
        "ana@example.org",
        "en",
        "de",
        "\ufeff",
        "\udcff",
    ]
)
csv_like = st.lists(CSV_ALPHABET, max_size=60).map("".join)


def _bytes_of(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(
    st.binary(max_size=600)
    | csv_like.map(_bytes_of)
    | csv_like.map(lambda body: _bytes_of("name,email,language\n" + body))
)
def test_parse_roster_of_any_bytes_gives_rows_or_an_error_with_a_line(data: bytes) -> None:
    try:
        rows = parse_roster(data, languages=LANGS, max_rows=50)
    except RosterRowInvalid as exc:
        assert 1 <= exc.line <= data.count(b"\n") + data.count(b"\r") + 2
        assert exc.field
        return
    assert rows
    assert all(row.name and "@" in row.email for row in rows)


@pytest.mark.parametrize(
    "data",
    [b'"' + b"x" * 200_000 + b'",email\n', b'name,email\nAna,"' + b"x" * 200_000 + b'"\n'],
    ids=["header", "row"],
)
def test_parse_roster_cell_over_the_csv_field_limit_is_refused_with_its_line(data: bytes) -> None:
    with pytest.raises(RosterRowInvalid) as refused:
        parse_roster(data, languages=LANGS, max_rows=10)

    assert refused.value.line == data.count(b"\n")
    assert refused.value.message == "is not valid CSV ({detail})"
