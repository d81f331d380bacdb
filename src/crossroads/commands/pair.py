"""`crossroads pair`: plan pairs or small groups offline from a roster CSV.

For hosts who run the call in another tool: the output is a CSV of rounds and groups, or
Zoom's breakout pre-assignment CSV (one file per round, as Zoom takes one per session).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crossroads import pairing
from crossroads.commands.plan_checks import unavoidable_repeats, zoom_warnings
from crossroads.convenings.spreadsheet import write_csv
from crossroads.csv_reading import CsvProblem, CsvTable, read_csv_bytes, read_table
from crossroads.live.calls import ZOOM_HEADER, zoom_room_name
from crossroads.messages import N_

REQUIRED = ("name", "email")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_LIST = re.compile(r"[;|]")


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    name: str
    email: str
    organisation: str
    person: pairing.Person


def _split(value: str) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in _LIST.split(value) if v.strip())


def read_roster(text: str) -> list[Row]:
    """Rows of a roster already decoded (see ``read_roster_file`` for bytes)."""
    return _rows_of(read_table(text, required=REQUIRED))


def read_roster_file(data: bytes) -> tuple[list[Row], str]:
    """Rows of a roster file as Excel or any spreadsheet writes it, and its encoding
    ("utf-8", or "cp1252" when it was not UTF-8: the caller says so)."""
    table = read_csv_bytes(data, required=REQUIRED)
    return _rows_of(table), table.encoding


def _rows_of(table: CsvTable) -> list[Row]:
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for line, values in table.rows:
        name, email = values.get("name", ""), values.get("email", "").lower()
        if not name:
            raise CsvProblem(line, "name", N_("is empty"))
        if not _EMAIL.match(email):
            raise CsvProblem(line, "email", N_("is not an email address"))
        if email in seen:
            raise CsvProblem(line, "email", N_("repeats line {first}"), first=seen[email])
        seen[email] = line
        languages = _split(values.get("languages", "") or values.get("language", ""))
        person = pairing.Person(
            id=email,
            organisation=values.get("organisation", "").casefold(),
            movements=_split(values.get("movements", "")),
            region=values.get("region", "").casefold(),
            languages=languages,
            topic=values.get("topic") or None,
        )
        rows.append(Row(line, name, email, values.get("organisation", ""), person))
    if len(rows) < 2:
        raise CsvProblem(2, "file", N_("needs at least two people"))
    return rows


def _room(round_number: int, group_number: int) -> str:
    return zoom_room_name(round_number, group_number)


def register(cli: typer.Typer) -> None:
    @cli.command("pair")
    def pair_command(
        roster: Annotated[
            Path,
            typer.Argument(
                help="CSV with name, email, and optionally organisation, movements, region, "
                "languages, topic (lists separated by ';')."
            ),
        ],
        out: Annotated[Path, typer.Option("--out", help="Where to write the CSV.")],
        rounds: Annotated[int, typer.Option(min=1, max=50, help="How many rounds to plan.")] = 1,
        size: Annotated[
            int, typer.Option(min=2, max=6, help="2 for pairs, 3 to 6 for small groups.")
        ] = 2,
        seed: Annotated[int, typer.Option(help="The same seed gives the same plan.")] = 0,
        by_topic: Annotated[
            bool, typer.Option("--by-topic", help="Group people within the topic they chose.")
        ] = False,
        output_format: Annotated[
            str,
            typer.Option(
                "--format",
                help="'rounds' (round, group, name, email, ...) or 'zoom' (Zoom's breakout "
                "pre-assignment CSV; with several rounds, one file per round: NAME-r1.csv, ...).",
            ),
        ] = "rounds",
    ) -> None:
        """Plan pairs or small groups for a call run in another tool."""
        console = Console(stderr=True)
        if output_format not in ("rounds", "zoom"):
            console.print(f"[red]--format must be 'rounds' or 'zoom', not {output_format!r}[/red]")
            raise typer.Exit(2)
        # Before any work: a missing folder is the commonest typo, and a traceback after
        # the pairing says nothing a host can act on (#26).
        folder = out.parent
        if not folder.is_dir():
            console.print(
                f"[red]--out {out}: the folder {folder} does not exist. Create it, or choose "
                "another place. Nothing was written.[/red]"
            )
            raise typer.Exit(2)
        try:
            rows, encoding = read_roster_file(roster.read_bytes())
        except OSError as exc:
            console.print(f"[red]{roster}: cannot read the file ({exc.strerror or exc})[/red]")
            raise typer.Exit(2) from exc
        except CsvProblem as exc:
            console.print(f"[red]{roster}: {exc}. Nothing was written.[/red]")
            raise typer.Exit(2) from exc
        if encoding == "cp1252":
            console.print(
                f"[yellow]Note: {roster} is not UTF-8; it was read as Windows-1252 (what Excel "
                "writes on Windows). If names look wrong in the output, save the roster as "
                '"CSV UTF-8" and run again.[/yellow]'
            )
        request = pairing.PairingRequest(
            people=tuple(r.person for r in rows), size=size, seed=seed, by_topic=by_topic
        )
        plan = pairing.plan_rounds(request, rounds)
        by_email = {r.email: r for r in rows}
        try:
            if output_format == "zoom":
                written = _write_zoom(out, plan, rounds)
            else:
                out.write_text(_rounds_csv(plan, by_email), encoding="utf-8")
                written = [out]
        except OSError as exc:
            console.print(f"[red]--out {out}: cannot write ({exc.strerror or exc}).[/red]")
            raise typer.Exit(2) from exc
        _summary(console, request, plan)
        _warn(console, plan, output_format)
        for path in written:
            console.print(f"Wrote {path}")


def _warn(console: Console, plan: tuple[pairing.Assignment, ...], output_format: str) -> None:
    """What the host should know before the call: repeats no plan avoids, and a Zoom file
    Zoom will not take (limits cited in docs/zoom-breakouts.md)."""
    sizes = [[len(g.members) for g in assignment.groups] for assignment in plan]
    people = sum(sizes[0]) if sizes else 0
    forced = unavoidable_repeats(people, sizes)
    planned = forced.meetings - len(pairing.pairs_met(plan))
    if forced.repeats:
        console.print(
            f"[yellow]Warning: {forced.repeats} repeated meetings are unavoidable. "
            f"{len(plan)} rounds of these groups bring {forced.meetings} meetings of two "
            f"people, but {people} people make only {forced.pairs} different pairs. "
            f"This plan has {planned}. Fewer rounds mean fewer repeats.[/yellow]"
        )
    if output_format == "zoom":
        for warning in zoom_warnings(sizes):
            console.print(f"[yellow]Warning: {warning}[/yellow]")


def _rounds_csv(plan: tuple[pairing.Assignment, ...], by_email: dict[str, Row]) -> str:
    header = ("round", "group", "name", "email", "organisation", "shared_languages", "compromises")
    lines = []
    for r, assignment in enumerate(plan, start=1):
        for g, group in enumerate(assignment.groups, start=1):
            for member in group.members:
                row = by_email[member]
                lines.append(
                    (
                        str(r),
                        str(g),
                        row.name,
                        row.email,
                        row.organisation,
                        ";".join(sorted(group.shared_languages)),
                        ";".join(str(c) for c in group.compromises),
                    )
                )
    return write_csv(header, lines)


def _write_zoom(out: Path, plan: tuple[pairing.Assignment, ...], rounds: int) -> list[Path]:
    paths = []
    for r, assignment in enumerate(plan, start=1):
        path = out if rounds == 1 else out.with_name(f"{out.stem}-r{r}{out.suffix or '.csv'}")
        rows = [
            (_room(r, g), member)
            for g, group in enumerate(assignment.groups, start=1)
            for member in group.members
        ]
        path.write_text(write_csv(ZOOM_HEADER, rows), encoding="utf-8")
        paths.append(path)
    return paths


def _summary(
    console: Console, request: pairing.PairingRequest, plan: tuple[pairing.Assignment, ...]
) -> None:
    """Exact counts per round ("2 of 5,000 pairs share no language"): a rounded rate would
    show 100 % while two pairs cannot talk without an interpreter (#26)."""
    table = Table(title="Plan")
    for column in (
        "round",
        "groups",
        "repeats",
        "no shared language",
        "cross-org pairs",
        "cross-movement",
    ):
        table.add_column(column, justify="right")
    met: frozenset[frozenset[str]] = frozenset()
    unit = "pairs" if request.size == 2 else "groups"
    notes = []
    for r, assignment in enumerate(plan, start=1):
        summary = pairing.summarise(assignment, replace(request, met=met))
        table.add_row(
            str(r),
            f"{summary.groups:,}",
            f"{summary.repeats:,}",
            f"{summary.no_shared_language:,} of {summary.groups:,}",
            f"{summary.cross_organisation:,}/{summary.pairs:,}",
            f"{summary.cross_movement:,}/{summary.pairs:,}",
        )
        if summary.no_shared_language:
            notes.append(
                f"Round {r}: {summary.no_shared_language:,} of {summary.groups:,} {unit} "
                "share no language (no plan avoids it): interpretation may help."
            )
        met = met | pairing.pairs_met([assignment])
    console.print(table)
    for note in notes:
        console.print(note, soft_wrap=True)
    if not notes:
        one = "pair" if unit == "pairs" else "group"
        console.print(f"Every {one} has a shared language in every round.", soft_wrap=True)
