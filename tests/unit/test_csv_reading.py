"""The one roster CSV reader (#26): Excel's delimiters, encodings and header names, and the
line each row starts on."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.csv_reading import (
    CsvProblem,
    canonical,
    decode,
    read_csv_bytes,
    read_table,
)

pytestmark = pytest.mark.unit

cells = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85\u2028\u2029"
    )
    | st.sampled_from(["\n", ",", ";", "\t", '"', " "]),
    max_size=12,
)


@given(
    st.sampled_from([",", ";", "\t"]),
    st.lists(st.tuples(cells, cells).filter(lambda r: r[0].strip() or r[1].strip()), max_size=8),
)
def test_any_table_a_spreadsheet_writes_reads_back_with_the_line_each_row_starts_on(
    delimiter: str, records: list[tuple[str, str]]
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["Full Name", "E-mail Address"])
    writer.writerows(records)
    text = out.getvalue()
    starts, line = [], 2
    for name, email in records:
        starts.append(line)
        line += (name + email).count("\n") + 1

    table = read_table(text, required=("name", "email"))

    assert table.delimiter == delimiter
    assert table.rows == tuple(
        (start, {"name": name.strip(), "email": email.strip()})
        for start, (name, email) in zip(starts, records, strict=True)
    )


@pytest.mark.parametrize(
    ("spelling", "column"),
    [
        ("Email Address", "email"),
        ("E-mail", "email"),
        (" EMAIL ", "email"),
        ("Correo electrónico", "email"),
        ("Courriel", "email"),
        ("Full name", "name"),
        ("Nombre", "name"),
        ("Nom", "name"),
        ("Organization", "organisation"),
        ("Idiomas", "languages"),
        ("Región", "region"),
        ("Shoe size", "shoe size"),
    ],
)
def test_common_header_names_are_taken_whatever_their_case_spaces_or_accents(
    spelling: str, column: str
) -> None:
    assert canonical(spelling) == column


def test_utf8_with_a_bom_and_windows_1252_are_read_and_say_which() -> None:
    assert decode("\ufeffname\nZoë".encode()) == ("name\nZoë", "utf-8")
    assert decode("name\nZoë Müller".encode("cp1252")) == ("name\nZoë Müller", "cp1252")
    table = read_csv_bytes("Nombre;Correo\r\nZoë;z@x.org\r\n".encode("cp1252"), required=())
    assert (table.encoding, table.rows) == ("cp1252", ((2, {"name": "Zoë", "email": "z@x.org"}),))


def test_bytes_neither_utf8_nor_windows_1252_are_refused_with_their_line() -> None:
    with pytest.raises(CsvProblem) as refused:
        decode(b"name,email\nAna,a@x.org\nB\x81o,b@x.org\n")

    assert (refused.value.line, refused.value.message) == (3, "is not UTF-8 or Windows-1252 text")


def test_an_unterminated_quote_is_blamed_on_the_line_where_it_opens() -> None:
    text = 'name,email\nAna,a@x.org\n\nBo,"b@x.org\nCy,c@x.org\nDi,d@x.org\n'

    with pytest.raises(CsvProblem) as refused:
        read_table(text, required=("name", "email"))

    assert (refused.value.line, refused.value.column) == (4, "row")
    assert refused.value.message == 'has a quote (") that is never closed'


def test_a_column_named_twice_and_a_missing_one_are_refused_on_the_header_line() -> None:
    with pytest.raises(CsvProblem) as twice:
        read_table("\n\nName;Full name;Email\n", required=("name", "email"))
    with pytest.raises(CsvProblem) as missing:
        read_table("Name;Phone\nAna;1\n", required=("name", "email"))

    assert (twice.value.line, twice.value.column) == (3, "name")
    assert (missing.value.line, missing.value.column) == (1, "email")


def test_empty_trailing_cells_excel_adds_are_ignored_but_extra_text_is_not() -> None:
    table = read_table("name;email;;\nAna;a@x.org;;\n", required=("name", "email"))
    assert table.rows == ((2, {"name": "Ana", "email": "a@x.org", "": ""}),)
    with pytest.raises(CsvProblem) as refused:
        read_table("name;email\nAna;a@x.org;oops\n", required=("name", "email"))
    assert (refused.value.line, refused.value.message) == (2, "has more cells than the header")


def test_excels_unicode_text_utf16_with_tabs_is_read() -> None:
    data = "Name\tE-mail\r\nZoë\tz@x.org\r\n".encode("utf-16")

    table = read_csv_bytes(data, required=("name", "email"))

    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.rows == ((2, {"name": "Zoë", "email": "z@x.org"}),)


# One reader (#28): the roster upload, `crossroads pair` and the harvest's files blame a broken
# row on the same line in the same words.
BROKEN = [
    (
        "name,email\nAna,a@example.org\nBo,b@example.org,extra\n",
        3,
        "row has more cells than the header",
    ),
    (
        'name,email\nAna,a@example.org\n"Bo,b@example.org\nCy,c@example.org\n',
        3,
        'row has a quote (") that is never closed',
    ),
    ("email\na@example.org\n", 1, "name column is missing from the header"),
    ("name;Name;email\n", 1, "name column appears twice in the header"),
]


@pytest.mark.parametrize(("text", "line", "problem"), BROKEN)
def test_every_roster_reader_words_a_broken_row_alike(text: str, line: int, problem: str) -> None:
    from crossroads.commands.pair import read_roster as pair_roster
    from crossroads.convenings.errors import RosterRowInvalid
    from crossroads.convenings.roster import parse_roster
    from crossroads.harvest.errors import SourceInvalid
    from crossroads.harvest.sources import read_roster as harvest_roster

    with pytest.raises(CsvProblem) as by_pair:
        pair_roster(text)
    with pytest.raises(RosterRowInvalid) as by_upload:
        parse_roster(text.encode(), languages=("en",), max_rows=10)
    with pytest.raises(SourceInvalid) as by_harvest:
        harvest_roster(text.replace("email", "consent_quote"), source="roster.csv")

    assert str(by_pair.value) == str(by_upload.value) == f"line {line}: {problem}"
    assert str(by_harvest.value) == f"roster.csv line {line}: {problem}"
