"""Reading a roster CSV (name, email, organisation, language) into personal invites.

The whole file is checked before anything is written: one bad row refuses the file, and
the error names its line, e.g. ``line 14: email is not an email address``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from crossroads.convenings.errors import RosterRowInvalid
from crossroads.messages import N_

REQUIRED = ("name", "email")
OPTIONAL = ("organisation", "language")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    name: str
    email: str
    organisation: str
    language: str


def parse_roster(
    data: bytes,
    *,
    languages: tuple[str, ...],
    max_rows: int,
    bad_addresses: list[RosterRowInvalid] | None = None,
) -> list[RosterRow]:
    """Parse and check every row.

    With ``bad_addresses`` (sending invitations by e-mail), a row whose email is missing or
    not an address is left out and its error appended there, so one typo does not hold up
    the other invitations; every other problem still refuses the whole file.

    >>> parse_roster(b"name,email\\nAna,ana@example.org\\n", languages=("en",), max_rows=10)
    [RosterRow(line=2, name='Ana', email='ana@example.org', organisation='', language='')]
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterRowInvalid(line, "file", N_("is not UTF-8 text")) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as exc:  # e.g. a header cell over the csv module's field limit (#12)
        raise RosterRowInvalid(
            reader.line_num + 1, "row", N_("is not valid CSV ({detail})"), detail=str(exc)
        ) from exc
    for column in REQUIRED:
        if column not in header:
            raise RosterRowInvalid(1, column, N_("column is missing from the header"))
    reader.fieldnames = header
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            # line_num is the row's last physical line; quoted cells may span several,
            # and blank lines are skipped, so count back from the end of the row.
            cells = [v for v in record.values() if isinstance(v, str)]
            line = reader.line_num - sum(cell.count("\n") for cell in cells)
            if None in record:
                raise RosterRowInvalid(line, "row", N_("has more cells than the header"))
            values = {key: (value or "").strip() for key, value in record.items()}
            if not any(values.values()):
                continue
            try:
                rows.append(_check_row(line, values, languages, seen))
            except RosterRowInvalid as exc:
                if bad_addresses is None or exc.field != "email" or "repeats" in exc.message:
                    raise
                bad_addresses.append(exc)
                continue
            if len(rows) > max_rows:
                raise RosterRowInvalid(
                    line, "file", N_("has more than {max_rows} rows"), max_rows=max_rows
                )
    except csv.Error as exc:
        # The reader counts the lines it has finished; the broken row is the next one.
        raise RosterRowInvalid(
            reader.line_num + 1, "row", N_("is not valid CSV ({detail})"), detail=str(exc)
        ) from exc
    if not rows and not bad_addresses:
        raise RosterRowInvalid(2, "file", N_("has no rows"))
    return rows


def _check_row(
    line: int, values: dict[str, str], languages: tuple[str, ...], seen: dict[str, int]
) -> RosterRow:
    name = values.get("name", "")
    email = values.get("email", "").lower()
    organisation = values.get("organisation", "")
    language = values.get("language", "").lower()
    if not name:
        raise RosterRowInvalid(line, "name", N_("is empty"))
    if len(name) > 80:
        raise RosterRowInvalid(line, "name", N_("is longer than {n} characters"), n=80)
    if not email:
        raise RosterRowInvalid(line, "email", N_("is empty"))
    if not _EMAIL.match(email) or len(email) > 320:
        raise RosterRowInvalid(line, "email", N_("is not an email address"))
    if email in seen:
        raise RosterRowInvalid(line, "email", N_("repeats line {first}"), first=seen[email])
    if len(organisation) > 120:
        raise RosterRowInvalid(line, "organisation", N_("is longer than {n} characters"), n=120)
    if language and language not in languages:
        raise RosterRowInvalid(
            line,
            "language",
            N_("is not one of the convening's languages ({languages})"),
            languages=", ".join(languages),
        )
    seen[email] = line
    return RosterRow(line, name, email, organisation, language)
