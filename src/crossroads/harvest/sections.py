"""The reflection note as sections a host edits one at a time, and back to blocks for renderers.

A ``Section`` is one part of the outline (participation, key takeaways, one per prompt, ...; see
``outline.outline_parts``): a heading, a body of plain text the host edits in a text box, and
the charts that stay with it (drawn below the text, from stored numbers, never re-harvested).

The body's line format, one block per paragraph (blank lines between blocks)::

    #### Rent and evictions (4 contributions)
    Keyphrases: rent, evictions
    > Rents doubled in two years.
    > — Bilal, Tenants Together
    - a bullet
    - another bullet

``#`` to ``######`` start a heading, ``- `` a bullet, ``> `` a quote and ``> — `` its
attribution; any other line is a paragraph. A paragraph that would start with one of these
marks is written with a leading backslash, so ``body_text`` and ``parse_body`` round-trip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from crossroads.harvest.model import PrivacyMode, Reflection, RosterEntry
from crossroads.harvest.outline import (
    Block,
    Bullets,
    ChartKind,
    Figure,
    Heading,
    Paragraph,
    QuoteBlock,
    Translate,
    no_translation,
    outline_parts,
    preamble,
)
from crossroads.harvest.privacy import Scrubber, clean_text

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_ATTRIBUTION = re.compile(r"^>\s*(?:—|--)\s*(.*)$")
_QUOTE = re.compile(r"^>\s?(.*)$")
_MARK = re.compile(r"^(?:#|[-*]\s|>|\\)")


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    caption: str
    rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    level: int
    body: str
    charts: tuple[Chart, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "heading": self.heading,
            "level": self.level,
            "body": self.body,
            "charts": [
                {"kind": c.kind.value, "caption": c.caption, "rows": [list(r) for r in c.rows]}
                for c in self.charts
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Section:
        return cls(
            key=str(data["key"]),
            heading=str(data["heading"]),
            level=int(data["level"]),
            body=str(data["body"]),
            charts=tuple(
                Chart(
                    kind=ChartKind(c["kind"]),
                    caption=str(c["caption"]),
                    rows=tuple((str(label), int(value)) for label, value in c["rows"]),
                )
                for c in data.get("charts", ())
            ),
        )


def sections_of(reflection: Reflection, translate: Translate = no_translation) -> list[Section]:
    """Every part of the outline but the preamble, as editable sections."""
    sections = []
    for key, blocks in outline_parts(reflection, translate):
        if key == "preamble":
            continue
        heading, *rest = blocks
        if not isinstance(heading, Heading):  # outline_parts starts each part with one
            raise TypeError(f"part {key!r} does not start with a heading")
        sections.append(
            Section(
                key=key,
                heading=heading.text,
                level=heading.level,
                body=body_text(b for b in rest if not isinstance(b, Figure)),
                charts=tuple(
                    Chart(b.kind, b.caption, b.rows) for b in rest if isinstance(b, Figure)
                ),
            )
        )
    return sections


def _line(text: str) -> str:
    text = " ".join(text.split())
    return "\\" + text if _MARK.match(text) else text


def body_text(blocks: Iterable[Block]) -> str:
    """Blocks to the editable line format (see the module docstring)."""
    chunks = []
    for block in blocks:
        match block:
            case Heading(level=level, text=text):
                chunks.append("#" * level + " " + " ".join(text.split()))
            case Paragraph(text=text):
                chunks.append(_line(text))
            case Bullets(items=items):
                chunks.append("\n".join("- " + " ".join(item.split()) for item in items))
            case QuoteBlock(text=text, attribution=who):
                lines = ["> " + " ".join(text.split())]
                if who:
                    lines.append("> — " + " ".join(who.split()))
                chunks.append("\n".join(lines))
            case Figure():
                continue
    return "\n\n".join(chunks)


def parse_body(text: str) -> list[Block]:
    """The editable line format back to blocks.

    >>> parse_body("#### Rent\\n> Rents doubled.\\n> — Bilal\\n\\n- one\\n- two")
    [Heading(level=4, text='Rent'), QuoteBlock(text='Rents doubled.', attribution='Bilal'), \
Bullets(items=('one', 'two'))]
    """
    blocks: list[Block] = []
    kind: str | None = None  # what the lines being gathered become: paragraph, bullets, quote
    lines: list[str] = []
    who: str | None = None

    def flush() -> None:
        nonlocal kind, lines, who
        if kind == "paragraph":
            blocks.append(Paragraph(" ".join(lines)))
        elif kind == "bullets":
            blocks.append(Bullets(tuple(lines)))
        elif kind == "quote":
            blocks.append(QuoteBlock(" ".join(lines), who or None))
        kind, lines, who = None, [], None

    for raw in clean_text(text).splitlines():
        line = clean_text(raw)
        if not line:
            flush()
            continue
        if heading := _HEADING.match(line):
            flush()
            if heading.group(2).strip():
                blocks.append(Heading(len(heading.group(1)), heading.group(2).strip()))
            continue
        if bullet := _BULLET.match(line):
            if kind != "bullets":
                flush()
                kind = "bullets"
            if bullet.group(1).strip():
                lines.append(bullet.group(1).strip())
            continue
        if kind == "quote" and (attribution := _ATTRIBUTION.match(line)):
            who = attribution.group(1).strip()
            continue
        if quote := _QUOTE.match(line):
            if kind != "quote" or who is not None:
                flush()
                kind = "quote"
            if quote.group(1).strip():
                lines.append(quote.group(1).strip())
            continue
        if kind != "paragraph":
            flush()
            kind = "paragraph"
        lines.append(line.removeprefix("\\"))
    flush()
    return [b for b in blocks if not (isinstance(b, QuoteBlock | Paragraph) and not b.text)]


def note_blocks(
    title: str,
    sections: Sequence[Section],
    *,
    mode: PrivacyMode,
    roster: Sequence[RosterEntry] = (),
    translate: Translate = no_translation,
) -> list[Block]:
    """The whole note from the host's sections, ready for any renderer.

    Chatham House mode holds whatever the host typed: quotes lose their attribution, and
    every roster name and organisation in the sections' text is replaced (``Scrubber``).
    The title is the host's own and is kept as it is.
    """
    blocks = preamble(title, mode, translate)
    kept = len(blocks)
    for section in sections:
        blocks.append(Heading(section.level, section.heading))
        blocks += parse_body(section.body)
        blocks += [Figure(c.kind, c.caption, c.rows) for c in section.charts]
    if mode is not PrivacyMode.CHATHAM_HOUSE:
        return blocks
    scrub = Scrubber(roster).scrub
    return blocks[:kept] + [_scrubbed(block, scrub) for block in blocks[kept:]]


def _scrubbed(block: Block, scrub: Callable[[str], str]) -> Block:
    match block:
        case Heading(text=text) | Paragraph(text=text):
            return replace(block, text=scrub(text))
        case Bullets(items=items):
            return Bullets(tuple(scrub(item) for item in items))
        case QuoteBlock(text=text):
            return QuoteBlock(scrub(text), None)
        case Figure(rows=rows, caption=caption):
            return replace(
                block, caption=scrub(caption), rows=tuple((scrub(n), v) for n, v in rows)
            )
    return block
