"""Reading a call run elsewhere: notes as Markdown, feedback and roster as CSV.

Each reader takes the file's text and name and raises ``SourceInvalid`` naming the line of the
first problem, so the CLI can say ``feedback.csv line 14: rating must be 1 to 5`` and write
nothing. The CSV files are read by ``crossroads.csv_reading``, the reader the roster upload and
``crossroads pair`` use, so a broken row is numbered and worded the same everywhere.

Notes format::

    # Title (optional)
    ## Where does your work meet the climate crisis?
    - Ana Pérez: Floods hit our barrio first.
    - Rents doubled in two years.
      A continuation line, indented, belongs to the bullet above.

    A paragraph is one contribution too.

``Name: text`` is attributed when ``Name`` is in the roster (case-insensitive). A prefix that
looks like a name (one to four words, the first and last capitalised) but matches nobody is
taken off the text all the same and kept as the contribution's ``speaker``: the harvest counts
it as one person and scrubs it, and it never reaches the note. Each contribution's ``source``
is the 1-based line of the notes where it starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crossroads.csv_reading import CsvProblem, read_table
from crossroads.harvest.errors import SourceInvalid
from crossroads.harvest.model import Contribution, FeedbackAnswer, PromptNotes, RosterEntry

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+(.*)$")
_SPEAKER = re.compile(r"^([^:\n]{1,80}?):\s+(.+)$", re.DOTALL)
_NAME_WORD = r"[^\W\d_][\w'’.-]*"
_NAME_LIKE = re.compile(rf"^{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}$")


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        len(text) <= 48
        and _NAME_LIKE.match(text) is not None
        and words[0][0].isupper()
        and words[-1][0].isupper()
    )


def split_speaker(body: str, by_name: dict[str, str]) -> tuple[str, str | None, str | None]:
    """``"Ana: text"`` -> (text, roster id or None, unlisted speaker or None)."""
    speaker = _SPEAKER.match(body)
    if not speaker:
        return body, None, None
    name, rest = speaker.group(1).strip(), speaker.group(2).strip()
    if found := by_name.get(name.casefold()):
        return rest, found, None
    if _looks_like_name(name):
        return rest, None, name
    return body, None, None


_TRUE = {"1", "true", "yes", "y", "oui", "si", "sí", "x"}
_FALSE = {"", "0", "false", "no", "n", "non"}
_LIST_SPLIT = re.compile(r"[;|]")


@dataclass(frozen=True)
class NotesFile:
    title: str | None
    prompts: tuple[PromptNotes, ...]


def read_notes(text: str, *, source: str, roster: Sequence[RosterEntry] = ()) -> NotesFile:
    """Parse notes Markdown into prompts and contributions (see the module docstring)."""
    by_name = {entry.name.strip().casefold(): entry.id for entry in roster if entry.name.strip()}
    title: str | None = None
    prompts: list[tuple[str, list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] | None = None  # the contributions being extended
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.rstrip()
        if heading := _HEADING.match(line):
            current = None
            level, heading_text = len(heading.group(1)), heading.group(2).strip()
            if level == 1 and not prompts and title is None:
                title = heading_text
                continue
            if not heading_text:
                raise SourceInvalid(source, number, "the prompt heading is empty")
            prompts.append((heading_text, []))
            continue
        if not line.strip():
            current = None
            continue
        if not prompts:
            raise SourceInvalid(
                source, number, "text before the first prompt heading (## Prompt text)"
            )
        contributions = prompts[-1][1]
        if bullet := _BULLET.match(line):
            contributions.append((number, bullet.group(1).strip()))
            current = contributions
        elif current is not None:
            first, body = contributions[-1]
            contributions[-1] = (first, f"{body} {line.strip()}")
        else:
            contributions.append((number, line.strip()))
            current = contributions
    if not prompts:
        raise SourceInvalid(source, 1, "no prompt heading found (## Prompt text)")

    notes = []
    for index, (prompt_text, texts) in enumerate(prompts, start=1):
        prompt_id = f"p{index}"
        contributions = []
        for number, whole in texts:
            body, author_id, speaker = split_speaker(whole, by_name)
            if body:
                contributions.append(
                    Contribution(prompt_id, body, author_id, source=str(number), speaker=speaker)
                )
        notes.append(PromptNotes(prompt_id, prompt_text, tuple(contributions)))
    return NotesFile(title=title, prompts=tuple(notes))


def read_contributions(
    text: str, *, prompt_id: str, roster: Sequence[RosterEntry] = ()
) -> tuple[Contribution, ...]:
    """One prompt's section of the live shared notes: each non-empty line is a contribution.

    Bullet and heading marks are dropped; ``Name: text`` is attributed as in ``read_notes``.
    Each contribution's ``source`` is its id in the app, ``"<prompt id>:<line>"`` with the
    1-based line of the prompt's section of the shared notes where it stands: stable while
    the notes above it are unchanged, and what the JSON export lists as ``contribution_ids``.

    >>> [c] = read_contributions("- Ana: Floods.", prompt_id="p1", roster=[RosterEntry("7", "Ana")])
    >>> c.text, c.author_id, c.source
    ('Floods.', '7', 'p1:1')
    """
    by_name = {entry.name.strip().casefold(): entry.id for entry in roster if entry.name.strip()}
    contributions = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if heading := _HEADING.match(line):
            line = heading.group(2).strip()
        elif bullet := _BULLET.match(line):
            line = bullet.group(1).strip()
        line, author_id, speaker = split_speaker(line, by_name)
        if line:
            contributions.append(
                Contribution(
                    prompt_id, line, author_id, source=f"{prompt_id}:{number}", speaker=speaker
                )
            )
    return tuple(contributions)


def _rows(
    text: str, *, source: str, required: Sequence[str]
) -> tuple[tuple[int, dict[str, str]], ...]:
    """The rows of a CSV by the one shared reader (``crossroads.csv_reading``: delimiters,
    header spellings, each row numbered by the line it starts on), its problems as
    ``SourceInvalid`` in the same words: ``f.csv line 3: row has more cells than the header``."""
    try:
        return read_table(text, required=required).rows
    except CsvProblem as exc:
        raise SourceInvalid(source, exc.line, exc.problem) from exc


def read_feedback(
    text: str, *, source: str, roster: Sequence[RosterEntry] = ()
) -> tuple[FeedbackAnswer, ...]:
    """Columns: rating (1 to 5 or empty), energising, improve, drill_into; optional name."""
    by_name = {entry.name.strip().casefold(): entry.id for entry in roster if entry.name.strip()}
    answers = []
    for line, row in _rows(
        text, source=source, required=("rating", "energising", "improve", "drill_into")
    ):
        rating: int | None = None
        if row["rating"]:
            try:
                rating = int(row["rating"])
            except ValueError:
                rating = 0
            if not 1 <= rating <= 5:
                raise SourceInvalid(source, line, f"rating must be 1 to 5, not {row['rating']!r}")
        author = by_name.get(row.get("name", "").casefold()) if row.get("name") else None
        answers.append(
            FeedbackAnswer(
                author_id=author,
                rating=rating,
                energising=row["energising"],
                improve=row["improve"],
                drill_into=row["drill_into"],
            )
        )
    return tuple(answers)


def _flag(value: str, *, source: str, line: int, column: str) -> bool:
    folded = value.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise SourceInvalid(source, line, f"{column} must be yes or no, not {value!r}")


def read_roster(text: str, *, source: str) -> tuple[RosterEntry, ...]:
    """Columns: name, consent_quote; optional organisation, movements, region, languages.

    Movements and languages are separated by ``;`` or ``|``.
    """
    entries: list[RosterEntry] = []
    seen: dict[str, int] = {}
    for line, row in _rows(text, source=source, required=("name", "consent_quote")):
        name = row["name"]
        if not name:
            raise SourceInvalid(source, line, "name is empty")
        if name.casefold() in seen:
            raise SourceInvalid(
                source, line, f"name {name!r} is already on line {seen[name.casefold()]}"
            )
        seen[name.casefold()] = line
        entries.append(
            RosterEntry(
                id=f"r{len(entries) + 1}",
                name=name,
                organisation=row.get("organisation", ""),
                movements=_list(row.get("movements", "")),
                region=row.get("region", ""),
                languages=_list(row.get("languages", "")),
                consent_quote=_flag(
                    row["consent_quote"], source=source, line=line, column="consent_quote"
                ),
            )
        )
    return tuple(entries)


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _LIST_SPLIT.split(value) if part.strip())


def written_contributions(
    runs: Sequence[tuple[str, str]],
    *,
    prompt_id: str,
    block: str,
    writers: Mapping[str, str],
    roster: Sequence[RosterEntry] = (),
) -> tuple[Contribution, ...]:
    """A group's block of the live shared notes, read with who typed each piece.

    ``runs`` are the block's text in pieces, each with its writer (``"p12"``, ``"h3"``, ``""``
    when unknown), as the notes' attribution gives them; ``writers`` maps a writer to their
    roster id. Each line's text is split by writer, and each writer's part of a line is one
    contribution of theirs: so consent is applied per writer, and a line two people typed
    never quotes one under the other's name. A ``Name:`` prefix is scrubbed as in
    ``read_contributions``; when it names someone else on the roster than the writer, the
    piece is nobody's (never quoted), since it reports another person's words. Bullet and
    heading marks are dropped. ``source`` is ``"<prompt id>:<block>:<line>"``.

    >>> runs = [("p1", "Floods hit us first.\\nRents "), ("p2", "doubled.")]
    >>> [(c.text, c.author_id) for c in written_contributions(
    ...     runs, prompt_id="q", block="1.2", writers={"p1": "1", "p2": "2"})]
    [('Floods hit us first.', '1'), ('Rents', '1'), ('doubled.', '2')]
    """
    by_name = {entry.name.strip().casefold(): entry.id for entry in roster if entry.name.strip()}
    lines: list[list[tuple[str, str]]] = [[]]
    for writer, text in runs:
        for i, part in enumerate(text.split("\n")):
            if i:
                lines.append([])
            line = lines[-1]
            if line and line[-1][0] == writer:
                line[-1] = (writer, line[-1][1] + part)
            elif part:
                line.append((writer, part))
    contributions = []
    for number, line in enumerate(lines, start=1):
        for writer, part in line:
            piece = part.strip()
            if heading := _HEADING.match(piece):
                piece = heading.group(2).strip()
            elif bullet := _BULLET.match(piece):
                piece = bullet.group(1).strip()
            author = writers.get(writer)
            piece, named, speaker = split_speaker(piece, by_name)
            if named is not None and named != author:
                author = None  # someone else's words, reported: nobody's to quote
            if piece:
                contributions.append(
                    Contribution(
                        prompt_id,
                        piece,
                        author,
                        source=f"{prompt_id}:{block}:{number}",
                        speaker=speaker,
                    )
                )
    return tuple(contributions)
