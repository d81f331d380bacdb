"""The threat model's table names the tests that check each mitigation: they must exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "docs" / "threat-model.md"
# `tests/x.py::test_name`, `tests/x.py` alone, or `::test_name` (the file named before it).
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?(?:::(\w+))?(?:\[[^\]`]*\])?`")
# A requirement (V1.2.1), or a section or chapter where the doc says so (V16.5, V17).
ASVS = re.compile(r"\bV\d+(?:\.\d+)*\b")


def _rows() -> list[list[str]]:
    rows = []
    for line in MODEL.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0].isdigit():
            rows.append(cells)
    return rows


def _references(cell: str) -> list[tuple[str, str | None]]:
    found, current = [], None
    for path, name in REFERENCE.findall(cell):
        current = path or current
        if current is None:
            raise AssertionError(f"a test named without its file: {cell[:80]}")
        found.append((current, name or None))
    return found


def test_every_threat_row_has_an_asvs_requirement_and_a_test() -> None:
    rows = _rows()

    assert len(rows) >= 20
    assert [r[0] for r in rows if not ASVS.search(" ".join(r))] == []
    assert [r[0] for r in rows if not _references(r[-1])] == []


def test_every_test_the_threat_model_names_exists() -> None:
    missing = []
    for row in _rows():
        for path, name in _references(row[-1]):
            source = ROOT / path
            if not source.is_file():
                missing.append(f"row {row[0]}: {path}")
            elif name and not re.search(rf"^(async )?def {name}\(", source.read_text(), re.M):
                missing.append(f"row {row[0]}: {path}::{name}")

    assert missing == []
