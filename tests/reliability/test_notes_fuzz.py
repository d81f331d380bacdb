"""The structure-aware fuzzer of the notes update path (tests/notes_fuzz.py), bounded for CI.

1,500 seeded cases (several pycrdt clients, random ids of every varint length, inserts,
deletes, concurrent edits, replays, truncations, bit flips, splices, and updates written
byte by byte: every content kind, multi-byte text, origins, parents and deletes anywhere)
go through the server's pre-check and guarded apply in worker subprocesses: none may panic,
kill or hang the engine.
Longer: ``python -m tests.notes_fuzz 100000``.
"""

from __future__ import annotations

import pytest

from tests.notes_fuzz import fuzz

pytestmark = pytest.mark.reliability

CASES = 1500


def test_no_generated_update_that_passes_the_check_panics_kills_or_hangs_the_engine() -> None:
    report, findings = fuzz(0, CASES)
    assert findings == []
    assert report.cases == CASES
    # The cases reached the engine: most updates applied, many refused by the check.
    assert report.applied > CASES and report.refused > CASES


def test_without_the_check_the_same_cases_break_the_engine() -> None:
    """The fuzzer finds what the check is for (seeds known to panic or hang pycrdt 0.14.13
    without it; with another engine version the finding may move, not vanish)."""
    _report, findings = fuzz(800, 100, no_check=True)
    assert findings, "the fuzzer found nothing without the pre-check"
