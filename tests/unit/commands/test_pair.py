"""Fuzzing the offline `crossroads pair` roster reader (#12): rows or a CsvProblem with a line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads.commands.pair import read_roster
from crossroads.csv_reading import CsvProblem

pytestmark = pytest.mark.unit

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
        "a",
        "é",
        "@",
        ".",
        "ana@example.org",
        "bo@example.org",
        "name",
        "email",
        "movements",
        "languages",
        "topic",
        "\ufeff",
    ]
)
csv_like = st.lists(CSV_PIECES, max_size=60).map("".join)
LINE = re.compile(r"^line (\d+): ")


@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(st.sampled_from(["", "name,email,movements\n"]), st.text(max_size=300) | csv_like)
def test_read_roster_of_any_text_gives_rows_or_an_error_with_a_line(header: str, body: str) -> None:
    text = header + body
    try:
        rows = read_roster(text)
    except CsvProblem as exc:
        line = LINE.match(str(exc))
        assert line, str(exc)
        assert 1 <= int(line[1]) <= len(text.splitlines()) + 2
        return
    assert len(rows) >= 2
    assert len({row.email for row in rows}) == len(rows)


@pytest.mark.parametrize(
    ("text", "line"),
    [('"' + "x" * 200_000 + '",email\n', 1), ('name,email\nAna,"' + "x" * 200_000 + '"\n', 2)],
    ids=["header", "row"],
)
def test_read_roster_cell_over_the_csv_field_limit_names_its_line(text: str, line: int) -> None:
    with pytest.raises(CsvProblem, match=rf"^line {line}: row is not valid CSV"):
        read_roster(text)
