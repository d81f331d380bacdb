"""The reflection note as an HTML fragment (for host pages and the PDF), all user text escaped.

Charts, when asked for, are inline ``data:image/png`` URIs: the fragment loads nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from html import escape

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


def render_html(
    reflection: Reflection, *, translate: Translate = no_translation, charts: bool = False
) -> str:
    return html_from_blocks(outline(reflection, translate), charts=charts)


def html_from_blocks(blocks: Iterable[Block], *, charts: bool = False) -> str:
    parts: list[str] = ['<article class="reflection">']
    for block in blocks:
        match block:
            case Heading(level=level, text=text):
                tag = f"h{min(level, 6)}"
                parts.append(f"<{tag}>{escape(text)}</{tag}>")
            case Paragraph(text=text):
                parts.append(f"<p>{escape(text)}</p>")
            case Bullets(items=items):
                parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
            case QuoteBlock(text=text, attribution=who):
                footer = f"<footer>— {escape(who)}</footer>" if who else ""
                parts.append(
                    f'<blockquote class="quote"><p>{escape(text)}</p>{footer}</blockquote>'
                )
            case Figure(caption=caption, rows=rows):
                if not charts:
                    continue
                png = bar_chart(rows, title=caption)
                src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
                parts.append(
                    f'<figure class="chart"><img src="{src}" alt="{escape(caption)}">'
                    f"<figcaption>{escape(caption)}</figcaption></figure>"
                )
    parts.append("</article>")
    return "\n".join(parts)
