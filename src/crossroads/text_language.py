"""Which language to show a text in, when it is written in several (#28).

A prompt is written in some of the convening's languages (``{"en": "...", "es": "..."}``).
Every reader of a prompt (the live views, the lobby's agenda, the shared notes' section labels,
the reflection note) shows it by one rule:

1. the reader's own language, if the prompt has text in it;
2. else the convening's languages in order (the first is the original's);
3. else any language the prompt has text in, so a prompt is never shown blank while it has
   text (its language may have been dropped from the convening since).

A leaf: no import of ours, so every layer uses the same rule.

>>> texts = {"en": "Where do we meet?", "es": "¿Dónde nos encontramos?"}
>>> language_of(texts, "es", ("en", "es")), language_of(texts, "fr", ("en", "es"))
('es', 'en')
>>> text_in(texts, "fr", ("es", "en"))
'¿Dónde nos encontramos?'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def language_of(texts: Mapping[str, str], wanted: str, fallbacks: Iterable[str] = ()) -> str:
    """The language to show ``texts`` in (the rule above); ``wanted`` when none has text, so
    the caller's ``lang`` attribute still names the reader's language."""
    for language in (wanted, *fallbacks):
        if texts.get(language):
            return language
    return next((str(language) for language, text in texts.items() if text), wanted)


def text_in(texts: Mapping[str, str], wanted: str, fallbacks: Iterable[str] = ()) -> str:
    """The text in ``language_of(texts, wanted, fallbacks)``; ``""`` when none has text."""
    return str(texts.get(language_of(texts, wanted, fallbacks)) or "")


def original_language(languages: Sequence[str], default: str) -> str:
    """The language a convening's texts were written in: the first of its languages (the host
    translates into the others), ``default`` for a convening that names none."""
    return languages[0] if languages else default
