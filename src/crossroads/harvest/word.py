"""The reflection note as a DOCX (python-docx): headings, quotes in the "Quote" style, charts.

python-docx writes text as XML text nodes, so user text cannot become markup; control
characters, which XML forbids, were already removed by ``privacy.clean_text``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Inches

from crossroads.harvest.charts import bar_chart
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

QUOTE_STYLE = "Quote"


def render_docx(
    reflection: Reflection, *, translate: Translate = no_translation, charts: bool = True
) -> bytes:
    return docx_from_blocks(
        outline(reflection, translate),
        title=reflection.title,
        language=reflection.language,
        charts=charts,
    )


def docx_from_blocks(
    blocks: Iterable[Block], *, title: str, language: str, charts: bool = True
) -> bytes:
    document = Document()
    document.core_properties.title = title
    document.core_properties.language = language
    for block in blocks:
        match block:
            case Heading(level=level, text=text):
                # Level 1 of the outline is the document title (DOCX heading level 0).
                document.add_heading(text, level=min(level - 1, 9))
            case Paragraph(text=text):
                document.add_paragraph(text)
            case Bullets(items=items):
                for item in items:
                    document.add_paragraph(item, style="List Bullet")
            case QuoteBlock(text=text, attribution=who):
                document.add_paragraph(text, style=QUOTE_STYLE)
                if who:
                    signed = document.add_paragraph(f"— {who}")
                    signed.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            case Figure(caption=caption, rows=rows):
                if not charts:
                    continue
                png = bar_chart(rows, title=caption)
                document.add_picture(io.BytesIO(png), width=Inches(6))
                document.add_paragraph(caption, style="Caption")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
