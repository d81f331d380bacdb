"""Reading a roster CSV (name, email, organisation, language) into personal invites.

Excel's CSVs are taken as they come (semicolons, a BOM, Windows-1252, "Email Address"):
``csv_reading.py`` reads the file, this module checks the rows.

The whole file is checked before anything is written: one bad row refuses the file, and
the error names its line, e.g. ``line 14: email is not an email address``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crossroads.convenings.errors import RosterRowInvalid
from crossroads.csv_reading import CsvProblem, read_csv_bytes
from crossroads.messages import N_
from crossroads.text_input import UnsafeText, clean_line

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
    """Parse and check every row; the file may come from Excel (see ``csv_reading``).

    With ``bad_addresses`` (sending invitations by e-mail), a row whose email is missing or
    not an address is left out and its error appended there, so one typo does not hold up
    the other invitations; every other problem still refuses the whole file.

    >>> parse_roster(b"name,email\\nAna,ana@example.org\\n", languages=("en",), max_rows=10)
    [RosterRow(line=2, name='Ana', email='ana@example.org', organisation='', language='')]
    """
    try:
        table = read_csv_bytes(data, required=REQUIRED)
    except CsvProblem as exc:
        raise RosterRowInvalid(exc.line, exc.column, exc.message, **exc.params) from exc
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, values in table.rows:
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
    if not rows and not bad_addresses:
        raise RosterRowInvalid(2, "file", N_("has no rows"))
    return rows


def _clean(line: int, field: str, value: str) -> str:
    """Line breaks and tabs (a spreadsheet cell may hold them) become single spaces; other
    control characters are refused, invisible ones dropped (text_input, #26)."""
    try:
        return clean_line(" ".join(value.split()))
    except UnsafeText:
        raise RosterRowInvalid(line, field, N_("contains control characters")) from None


def _check_row(
    line: int, values: dict[str, str], languages: tuple[str, ...], seen: dict[str, int]
) -> RosterRow:
    name = _clean(line, "name", values.get("name", ""))
    email = _clean(line, "email", values.get("email", "")).lower()
    organisation = _clean(line, "organisation", values.get("organisation", ""))
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
