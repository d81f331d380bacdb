"""Charts of the reflection note as PNG bytes: participation by movement and region, themes per
prompt. matplotlib's object API (no pyplot, no global state, no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from crossroads.harvest.model import Reflection
from crossroads.harvest.outline import ChartKind, chart_rows

_MAX_BARS = 12
_LABEL_LIMIT = 40
_COLOUR = "#2f6f8f"


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= _LABEL_LIMIT else label[: _LABEL_LIMIT - 1] + "…"


def bar_chart(rows: Sequence[tuple[str, int]], *, title: str) -> bytes:
    """A horizontal bar chart, largest first; user labels are drawn as plain text.

    ``text.parse_math`` is off so a label like ``$x$`` is not read as mathtext.
    """
    # Imported here: matplotlib is most of a second to import, and every server start (and
    # each of the test suite's) would pay it for charts only the reflection exports draw.
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    rows = list(rows)[:_MAX_BARS]
    with rc_context({"text.parse_math": False, "svg.hashsalt": "crossroads"}):
        figure = Figure(figsize=(6.4, 0.45 * max(len(rows), 2) + 1.0), dpi=110)
        axes = figure.subplots()
        labels = [_short(name) for name, _ in rows][::-1]
        values = [value for _, value in rows][::-1]
        axes.barh(range(len(rows)), values, color=_COLOUR)
        axes.set_yticks(range(len(rows)), labels=labels)
        axes.set_title(_short(title))
        axes.spines[["top", "right"]].set_visible(False)
        axes.xaxis.get_major_locator().set_params(integer=True)
        for position, value in enumerate(values):
            axes.text(value, position, f" {value}", va="center")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def chart_png(reflection: Reflection, kind: ChartKind, *, title: str) -> bytes:
    return bar_chart(chart_rows(reflection, kind), title=title)
