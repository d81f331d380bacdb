"""The reflection note as an HTML fragment (for host pages and the PDF), all user text escaped.

Charts, when asked for, are inline ``data:image/png`` URIs: the fragment loads nothing else.
"""

from __future__ import annotations

import base64
from html import escape

from crossroads.harvest.charts import chart_png
from crossroads.harvest.model import Reflection
from crossroads.harvest.outline import (
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
    parts: list[str] = ['<article class="reflection">']
    for block in outline(reflection, translate):
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
            case Figure(kind=kind, caption=caption):
                if not charts:
                    continue
                png = chart_png(reflection, kind, title=caption)
                src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
                parts.append(
                    f'<figure class="chart"><img src="{src}" alt="{escape(caption)}">'
                    f"<figcaption>{escape(caption)}</figcaption></figure>"
                )
    parts.append("</article>")
    return "\n".join(parts)
