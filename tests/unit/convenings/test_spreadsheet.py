"""CSV cells are neutralised against formula injection."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.convenings.spreadsheet import safe_cell, write_csv

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("Ana", "Ana"),
        ("", ""),
    ],
)
def test_safe_cell_prefixes_formula_starts(value: str, expected: str) -> None:
    assert safe_cell(value) == expected


@given(st.lists(st.lists(st.text(max_size=30), min_size=2, max_size=2), max_size=10))
def test_write_csv_never_emits_a_formula_cell_and_keeps_the_text(rows: list[list[str]]) -> None:
    text = write_csv(("a", "b"), rows)

    parsed = list(csv.reader(io.StringIO(text, newline="")))[1:]

    assert len(parsed) == len(rows)
    for written, original in zip(parsed, rows, strict=True):
        for cell, source in zip(written, original, strict=True):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
            assert cell.removeprefix("'") == source or cell == source


def test_every_csv_writer_goes_through_write_csv() -> None:
    # One helper neutralises cells (#12); a csv.writer elsewhere would bypass it.
    src = Path(__file__).resolve().parents[3] / "src" / "crossroads"
    writers = re.compile(r"csv\.(writer|DictWriter)\(")

    found = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if writers.search(path.read_text(encoding="utf-8"))
    ]

    assert found == ["convenings/spreadsheet.py"]
