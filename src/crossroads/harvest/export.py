"""The reflection note as JSON, for tools and evaluations.

Per prompt: its themes with ``label``, ``summary``, ``keyphrases``, counts, ``source_lines``
(the 1-based lines of the notes file each theme holds, when the notes came from a file) or
``contribution_ids`` (from the app), and quotes; the contributions in no theme as
``other_points``; then the takeaways. Quotes carry names only in named mode, as in every other
rendering.
"""

from __future__ import annotations

import json
from typing import Any

from crossroads.harvest.model import PromptThemes, Quote, Reflection, Theme


def _sources(sources: tuple[str, ...], *, ids: bool) -> dict[str, list[Any]]:
    if not ids:
        return {"source_lines": sorted(int(s) for s in sources)}
    return {"contribution_ids": list(sources)}


def _from_the_app(reflection: Reflection) -> bool:
    """Line numbers of a notes file, or the app's ids: decided once for the whole note, so an
    empty list (no other points) has the same key as its neighbours."""
    every = [s for p in reflection.prompts for t in p.themes for s in t.sources]
    every += [s for p in reflection.prompts for s in p.other_sources]
    return not all(s.isdigit() for s in every)


def _quote(quote: Quote) -> dict[str, Any]:
    data: dict[str, Any] = {"text": quote.text}
    if quote.author_name:
        data["author"] = quote.author_name
    if quote.organisation:
        data["organisation"] = quote.organisation
    return data


def _theme(theme: Theme, *, ids: bool) -> dict[str, Any]:
    return {
        "label": theme.label,
        "summary": theme.summary,
        "keyphrases": list(theme.keyphrases),
        "contributions": theme.contribution_count,
        "people": theme.people,
        **_sources(theme.sources, ids=ids),
        "quotes": [_quote(q) for q in theme.quotes],
    }


def _prompt(prompt: PromptThemes, *, ids: bool) -> dict[str, Any]:
    return {
        "id": prompt.prompt_id,
        "prompt": prompt.prompt_text,
        "contributions": prompt.contribution_count,
        "themes": [_theme(t, ids=ids) for t in prompt.themes],
        "other_points": {
            "contributions": prompt.other_count,
            **_sources(prompt.other_sources, ids=ids),
        },
    }


def reflection_data(reflection: Reflection) -> dict[str, Any]:
    ids = _from_the_app(reflection)
    return {
        "title": reflection.title,
        "language": reflection.language,
        "privacy_mode": str(reflection.privacy_mode),
        "engine": reflection.engine,
        "fallback": reflection.fallback,
        "prompts": [_prompt(p, ids=ids) for p in reflection.prompts],
        "takeaways": [
            {
                "prompt": t.prompt_text,
                "theme": t.theme_label,
                "contributions": t.contribution_count,
                "people": t.people,
                "quote": t.quote,
            }
            for t in reflection.takeaways
        ],
        "recurring_themes": [{"label": label, "prompts": n} for label, n in reflection.recurring],
        "intersections": [
            {"movements": list(i.movements), "themes": list(i.themes)}
            for i in reflection.intersections
        ],
    }


def render_json(reflection: Reflection) -> str:
    return json.dumps(reflection_data(reflection), ensure_ascii=False, indent=2) + "\n"
