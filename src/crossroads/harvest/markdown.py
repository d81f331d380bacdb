"""The reflection note as Markdown (CommonMark), with every piece of user text escaped.

Escaping: line breaks become spaces (no text can open a heading or list of its own), and
CommonMark's punctuation that could start markup or raw HTML is backslash-escaped, so
``<script>`` stays text in any Markdown viewer, including ones that allow raw HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crossroads.harvest.model import Reflection
from crossroads.harvest.outline import (
    Block,
    Bullets,
    Figure,
    Heading,
    Paragraph,
    QuoteBlock,
    Translate,
    no_translation,
    outline,
)

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&])")
# Control characters that are not whitespace (str.split turns those into spaces): a NUL, a
# bell or an escape sequence typed into the notes would reach the host's file as typed, and
# ESC sequences act on a terminal that shows it (#26).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_LIST_START = re.compile(r"^(\d+)([.)])|^([-+=])")


def escape(text: str) -> str:
    """``"# <b>1. a*b</b>"`` -> ``"\\# \\<b\\>1. a\\*b\\</b\\>"``."""
    text = " ".join(_CONTROL.sub("", text).split())
    text = _SPECIAL.sub(r"\\\1", text)
    return _LIST_START.sub(lambda m: (m.group(1) or "") + "\\" + (m.group(2) or m.group(3)), text)


def escape_lines(text: str) -> str:
    """Text that has lines of its own (shared notes): each line escaped as ``escape`` does,
    a line break kept as a hard break, a blank line as a new paragraph.

    ``"- <b>a</b>\\nb\\n\\nc"`` -> ``"\\- \\<b\\>a\\</b\\>\\\\\\nb\\n\\nc"``.
    """
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    escaped = (
        "\\\n".join(escape(line) for line in paragraph.split("\n") if line.strip())
        for paragraph in paragraphs
    )
    return "\n\n".join(p for p in escaped if p)


def render_markdown(reflection: Reflection, *, translate: Translate = no_translation) -> str:
    return markdown_from_blocks(outline(reflection, translate))


def markdown_from_blocks(blocks: Iterable[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        match block:
            case Heading(level=level, text=text):
                lines += ["#" * min(level, 6) + " " + escape(text), ""]
            case Paragraph(text=text):
                lines += [escape(text), ""]
            case Bullets(items=items):
                lines += [f"- {escape(item)}" for item in items] + [""]
            case QuoteBlock(text=text, attribution=who):
                lines.append(f"> {escape(text)}")
                if who:
                    lines += [">", f"> — {escape(who)}"]
                lines.append("")
            case Figure():
                continue  # charts go in DOCX, HTML and PDF; Markdown stays text only
    return "\n".join(lines).rstrip() + "\n"
