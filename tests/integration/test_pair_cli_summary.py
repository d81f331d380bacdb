"""`crossroads pair`'s summary gives exact counts, never a rate rounded to 100 % (#26)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli_runs import crossroads

pytestmark = pytest.mark.integration


def _roster(languages: list[str]) -> str:
    lines = ["name,email,languages"]
    lines += [f"P{i},p{i}@example.org,{lang}" for i, lang in enumerate(languages)]
    return "\n".join(lines) + "\n"


def test_the_summary_counts_pairs_without_a_shared_language_exactly(tmp_path: Path) -> None:
    # 199 pairs can share English; the Swahili and the Hindi speaker cannot share anything.
    (tmp_path / "roster.csv").write_text(_roster(["en"] * 398 + ["sw", "hi"]), encoding="utf-8")

    result = crossroads("pair", "roster.csv", "--out", "out.csv", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Round 1: 1 of 200 pairs share no language" in result.stderr
    assert "100%" not in result.stderr and "99%" not in result.stderr


def test_the_summary_says_so_when_every_group_shares_a_language(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(_roster(["es"] * 6 + ["fr"] * 6), encoding="utf-8")

    result = crossroads(
        "pair", "roster.csv", "--size", "3", "--rounds", "2", "--out", "o.csv", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert "Every group has a shared language in every round." in result.stderr
    assert "0 of 4" in result.stderr
