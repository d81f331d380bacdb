"""Reading a CSV as people's spreadsheets write it (#26, #28): the one reader for the roster
upload (``convenings/roster.py``), the offline ``crossroads pair`` (``commands/pair.py``) and
the harvest's roster and feedback files (``harvest/sources.py``).

What it takes, and why:

- **Encodings.** UTF-8 (with or without the byte-order mark Excel puts first), UTF-16 with
  its byte-order mark (Excel's "Unicode Text"), else Windows-1252, which Excel on Windows
  writes when "CSV (comma delimited)" is chosen. The caller is told which (``encoding``), so
  it can say so: a wrong guess shows as odd accents.
- **Delimiters.** ``,``, ``;`` (Excel where the decimal mark is a comma: most of Europe and
  Latin America) or a tab, chosen from the header line.
- **Header names.** Case, spaces, hyphens, underscores and accents do not matter, and common
  names in English, Spanish and French are taken: ``Email Address``, ``E-mail``, ``Correo
  electrónico``, ``Courriel`` are all ``email``; ``Full name``, ``Nombre``, ``Nom`` are ``name``.
- **Line numbers.** Each row is numbered by the physical line it starts on (a quoted cell may
  span lines), and a quote that is never closed is blamed on the line where it opens.

Every problem is a ``CsvProblem`` naming the line, the column (or ``row``/``file``) and a
template marked for translation, so each caller words it the same way: ``line 3: row has more
cells than the header``.

A leaf module: the standard library and ``messages`` only, no I/O, so the pure ``harvest``
package may use it as well as the use cases and the command line.

>>> table = read_table("Full Name;E-mail\\nAna;ana@example.org\\n", required=("name", "email"))
>>> table.delimiter, table.header, table.rows
(';', ('name', 'email'), ((2, {'name': 'Ana', 'email': 'ana@example.org'}),))
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from crossroads.messages import N_

DELIMITERS = (",", ";", "\t")

# Spelling -> column, keys as ``_fold`` leaves them.
ALIASES: dict[str, str] = {
    **dict.fromkeys(
        (
            "name",
            "fullname",
            "displayname",
            "participant",
            "participantname",
            "nombre",
            "nombrecompleto",
            "nombreyapellido",
            "nombreyapellidos",
            "nom",
            "nomcomplet",
            "nometprenom",
            "prenometnom",
        ),
        "name",
    ),
    **dict.fromkeys(
        (
            "email",
            "emailaddress",
            "mail",
            "mailaddress",
            "correo",
            "correoelectronico",
            "direcciondecorreo",
            "direcciondecorreoelectronico",
            "courriel",
            "adressecourriel",
            "adresseemail",
            "adressemail",
            "adresseelectronique",
        ),
        "email",
    ),
    **dict.fromkeys(
        ("organisation", "organization", "org", "organizacion", "organisme"), "organisation"
    ),
    **dict.fromkeys(("language", "idioma", "langue", "preferredlanguage"), "language"),
    **dict.fromkeys(("languages", "idiomas", "langues", "spokenlanguages"), "languages"),
    **dict.fromkeys(
        ("movements", "movement", "movimientos", "movimiento", "mouvements", "mouvement"),
        "movements",
    ),
    **dict.fromkeys(("region", "regiones", "regions"), "region"),
    **dict.fromkeys(("topic", "tema", "sujet", "theme"), "topic"),
}


class CsvProblem(ValueError):
    """A file that cannot be read as a roster; ``message`` is a translatable template
    (marked ``N_``) filled from ``params``, ``line`` the physical line it is about."""

    def __init__(self, line: int, column: str, message: str, **params: object) -> None:
        super().__init__(f"line {line}: {column} {message.format(**params)}")
        self.line = line
        self.column = column
        self.message = message
        self.params = params

    @property
    def problem(self) -> str:
        """The problem in English without the line: ``row has more cells than the header``."""
        return f"{self.column} {self.message.format(**self.params)}"


@dataclass(frozen=True, slots=True)
class CsvTable:
    encoding: str  # "utf-8", "utf-16" or "cp1252"
    delimiter: str
    header: tuple[str, ...]  # column names, known spellings made canonical
    rows: tuple[tuple[int, dict[str, str]], ...]  # (line the row starts on, cells), none blank


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (a BOM dropped), else Windows-1252.

    >>> decode("Zoë".encode("cp1252"))
    ('Zoë', 'cp1252')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text": UTF-16 with its byte-order mark (and tabs).
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        # Five byte values mean nothing in Windows-1252: this is neither.
        line = data[: exc.start].count(b"\n") + 1
        raise CsvProblem(line, "file", N_("is not UTF-8 or Windows-1252 text")) from exc


def _fold(name: str) -> str:
    """``" Correo Electrónico "`` -> ``"correoelectronico"``."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[\s_\-.]+", "", plain)


def canonical(name: str) -> str:
    """The column a header cell names: a known spelling's column, else the cell folded."""
    folded = _fold(name)
    return ALIASES.get(folded, name.strip().casefold())


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most (outside quotes); ``,`` when it has none."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep the order above
    return best if counts[best] else ","


def read_table(text: str, *, required: Sequence[str]) -> CsvTable:
    """Rows of ``text`` (already decoded) under canonical column names, each with the line it
    starts on; blank rows skipped, empty cells past the header's end ignored."""
    text = text.removeprefix("\ufeff")
    lines = io.StringIO(text, newline="").readlines()
    delimiter = sniff_delimiter(lines[0] if lines else "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: tuple[str, ...] | None = None
    header_line = 1
    rows: list[tuple[int, dict[str, str]]] = []
    finished = 0  # lines the reader has consumed
    while True:
        start = finished + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvProblem(
                start, "row", N_("is not valid CSV ({detail})"), detail=str(exc)
            ) from exc
        finished = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        _check_quotes(lines, start, finished)
        if header is None:
            header, header_line = _header(record, start, required), start
            continue
        extra = record[len(header) :]
        if any(cell.strip() for cell in extra):
            raise CsvProblem(start, "row", N_("has more cells than the header"))
        cells = [cell.strip() for cell in record[: len(header)]]
        cells += [""] * (len(header) - len(cells))
        rows.append((start, dict(zip(header, cells, strict=True))))
    if header is None:
        raise CsvProblem(header_line, "file", N_("has no header row"))
    return CsvTable("utf-8", delimiter, header, tuple(rows))


def _header(record: list[str], line: int, required: Sequence[str]) -> tuple[str, ...]:
    names = tuple(canonical(cell) for cell in record)
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise CsvProblem(line, name, N_("column appears twice in the header"))
        seen.add(name)
    for column in required:
        if column not in names:
            raise CsvProblem(line, column, N_("column is missing from the header"))
    return names


def _check_quotes(lines: list[str], start: int, end: int) -> None:
    """A row that runs to the end of the file across lines with an odd count of quotes opened
    a quote it never closed: blame the line it opened on, not the end of the file."""
    if end < len(lines) or end == start:
        return
    if "".join(lines[start - 1 :]).count('"') % 2:
        raise CsvProblem(start, "row", N_('has a quote (") that is never closed'))


def read_csv_bytes(data: bytes, *, required: Sequence[str]) -> CsvTable:
    """``decode`` then ``read_table``, remembering the encoding."""
    text, encoding = decode(data)
    table = read_table(text, required=required)
    return CsvTable(encoding, table.delimiter, table.header, table.rows)
