"""`crossroads pair`: offline pairs from a roster CSV, run as the real console command."""

from __future__ import annotations

import csv
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.cli_runs import crossroads

pytestmark = pytest.mark.integration

ROSTER = """name,email,organisation,movements,region,languages
Ana,ana@example.org,Red Tierra,land;climate,americas,es;en
Bo,bo@example.org,Housing Now,housing,europe,en
Chi,chi@example.org,=HYPERLINK("http://x"),labour,africa,en;fr
Dee,dee@example.org,Red Tierra,migration,americas,es;en
Eli,eli@example.org,Green Wave,climate,asia,en
Fay,fay@example.org,Union 9,labour,europe,en;fr
"""


def test_pair_writes_every_round_with_everyone_once_and_no_repeat(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")

    result = crossroads(
        "pair", "roster.csv", "--rounds", "3", "--seed", "7", "--out", "rounds.csv", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "rounds.csv").open(encoding="utf-8")))
    for r in ("1", "2", "3"):
        in_round = [row for row in rows if row["round"] == r]
        assert Counter(row["email"] for row in in_round) == Counter(
            line.split(",")[1] for line in ROSTER.splitlines()[1:]
        )
    pairs = [
        frozenset(row["email"] for row in rows if (row["round"], row["group"]) == key)
        for key in {(row["round"], row["group"]) for row in rows}
    ]
    assert len(pairs) == len(set(pairs)), "nobody meets the same person twice in 3 rounds of 6"
    # A formula in user text is neutralised for spreadsheet programs.
    assert any(row["organisation"].startswith("'=HYPERLINK") for row in rows)
    assert "repeats" in result.stderr and "shared language" in result.stderr


def test_pair_is_reproducible_by_seed(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    crossroads("pair", "roster.csv", "--seed", "3", "--out", "a.csv", cwd=tmp_path)
    crossroads("pair", "roster.csv", "--seed", "3", "--out", "b.csv", cwd=tmp_path)
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_pair_zoom_format_has_zooms_exact_header_and_one_row_per_email(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")

    result = crossroads(
        "pair", "roster.csv", "--rounds", "2", "--format", "zoom", "--out", "zoom.csv", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    for name in ("zoom-r1.csv", "zoom-r2.csv"):
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        assert lines[0] == "Pre-assign Room Name,Email Address"
        emails = [line.split(",")[1] for line in lines[1:]]
        assert sorted(emails) == sorted(line.split(",")[1] for line in ROSTER.splitlines()[1:])
        rooms = Counter(line.split(",")[0] for line in lines[1:])
        assert all(2 <= n <= 3 for n in rooms.values())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,organisation\nAna,X\n", "line 1: email column is missing"),
        ("name,email\nAna,ana@example.org\n,bo@example.org\n", "line 3: name is empty"),
        (
            "name,email\nAna,ana@example.org\nBo,not-an-email\n",
            "line 3: email is not an email address",
        ),
        ("name,email\nAna,ana@example.org\nAna2,ana@example.org\n", "line 3: email repeats line 2"),
    ],
)
def test_pair_refuses_a_bad_roster_naming_the_line_and_writes_nothing(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "roster.csv").write_text(content, encoding="utf-8")

    result = crossroads("pair", "roster.csv", "--out", "out.csv", cwd=tmp_path)

    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())
    assert not (tmp_path / "out.csv").exists()


# --- the CLI as people use it (#26) ----------------------------------------------------------

EXCEL_ROWS = [
    ("Ana Pérez", "ana@example.org"),
    ("Bo", "bo@example.org"),
    ("Chi", "chi@example.org"),
    ("Dee", "dee@example.org"),
]


def said(result: subprocess.CompletedProcess[str]) -> str:
    """stderr with rich's line wrapping undone."""
    return " ".join(result.stderr.split())


def test_pair_with_a_missing_output_folder_says_so_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")

    result = crossroads("pair", "roster.csv", "--out", "missing/dir/x.csv", cwd=tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        "--out missing/dir/x.csv: the folder missing/dir does not exist. Create it, or choose "
        "another place. Nothing was written."
    ) in said(result)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("header", "delimiter", "encoding", "bom"),
    [
        ("Full name;Email Address", ";", "utf-8", True),  # Excel "CSV UTF-8", Europe
        ("Nombre;Correo electrónico", ";", "cp1252", False),  # Excel "CSV", Windows, Spain
        ("NAME\tE-mail", "\t", "utf-8", False),  # "Unicode text" / tab-separated
        ("Nom,Courriel", ",", "utf-8", True),
    ],
    ids=["semicolon-bom", "cp1252", "tab", "french-headers"],
)
def test_pair_reads_rosters_as_spreadsheets_write_them(
    tmp_path: Path, header: str, delimiter: str, encoding: str, bom: bool
) -> None:
    lines = [header, *(delimiter.join(row) for row in EXCEL_ROWS)]
    data = "\r\n".join(lines).encode(encoding) + b"\r\n"
    (tmp_path / "roster.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)

    result = crossroads("pair", "roster.csv", "--out", "out.csv", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert sorted((r["name"], r["email"]) for r in rows) == sorted(EXCEL_ROWS)
    notice = "is not UTF-8; it was read as Windows-1252"
    assert (notice in said(result)) is (encoding == "cp1252")


def test_pair_blames_an_unterminated_quote_on_the_line_where_it_opens(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        'name,email\nAna,ana@example.org\nBo,"bo@example.org\nChi,chi@example.org\n'
        "Dee,dee@example.org\n",
        encoding="utf-8",
    )

    result = crossroads("pair", "roster.csv", "--out", "out.csv", cwd=tmp_path)

    assert result.returncode == 2
    assert 'roster.csv: line 3: row has a quote (") that is never closed.' in said(result)
    assert not (tmp_path / "out.csv").exists()


def test_pair_warns_of_the_exact_number_of_unavoidable_repeats(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")

    many = crossroads("pair", "roster.csv", "--rounds", "20", "--out", "a.csv", cwd=tmp_path)
    few = crossroads("pair", "roster.csv", "--rounds", "5", "--out", "b.csv", cwd=tmp_path)

    assert many.returncode == 0, many.stderr
    assert (
        "Warning: 45 repeated meetings are unavoidable. 20 rounds of these groups bring 60 "
        "meetings of two people, but 6 people make only 15 different pairs. This plan has 45."
    ) in said(many)
    assert "unavoidable" not in said(few)  # 5 rounds of 3 pairs: 15 meetings, 15 pairs


def test_pair_warns_when_a_zoom_file_passes_zooms_breakout_limits(tmp_path: Path) -> None:
    people = "".join(f"P{i},p{i}@example.org\n" for i in range(300))
    (tmp_path / "roster.csv").write_text("name,email\n" + people, encoding="utf-8")
    (tmp_path / "small.csv").write_text(ROSTER, encoding="utf-8")

    big = crossroads("pair", "roster.csv", "--format", "zoom", "--out", "z.csv", cwd=tmp_path)
    small = crossroads("pair", "small.csv", "--format", "zoom", "--out", "s.csv", cwd=tmp_path)

    assert big.returncode == 0, big.stderr
    assert (
        "Warning: round 1 has 150 breakout rooms: a Zoom pre-assignment holds at most 100 rooms "
        "(see docs/zoom-breakouts.md)."
    ) in said(big)
    assert len((tmp_path / "z.csv").read_text(encoding="utf-8").splitlines()) == 301
    assert "Warning" not in small.stderr
