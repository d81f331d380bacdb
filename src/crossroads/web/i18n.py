"""gettext for templates and code, reading the request's language from a ContextVar.

Catalogues live in ``crossroads/locale/<lang>/LC_MESSAGES/messages.po`` and are compiled
to ``.mo`` by ``make`` and the build hook; a language without a compiled catalogue falls
back to the English source strings.
"""

from __future__ import annotations

import gettext as gettext_module
from contextvars import ContextVar
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations

from crossroads.messages import DEFAULT_LANGUAGE, translations_for

LANGUAGES: dict[str, str] = {"en": "English", "es": "Español", "fr": "Français"}
LANGUAGE_COOKIE = "crossroads_lang"

_ENGLISH = NullTranslations()
_current: ContextVar[gettext_module.NullTranslations | None] = ContextVar(
    "crossroads_translations", default=None
)
_current_language: ContextVar[str] = ContextVar("crossroads_language", default=DEFAULT_LANGUAGE)


def activate(language: str) -> None:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    _current.set(translations_for(language))
    _current_language.set(language)


def current_language() -> str:
    return _current_language.get()


@cache
def text_direction(language: str) -> str:
    """``"rtl"`` for right-to-left scripts (Arabic, Hebrew, Persian, Urdu...), else ``"ltr"``.

    Used for the page's ``dir`` and for prompts written in a convening language:
    ``text_direction("ar") == "rtl"``, ``text_direction("fr") == "ltr"``.
    """
    try:
        return "rtl" if Locale.parse(language.replace("-", "_")).text_direction == "rtl" else "ltr"
    except (UnknownLocaleError, ValueError, TypeError):
        return "ltr"


def _active() -> gettext_module.NullTranslations:
    return _current.get() or _ENGLISH


def gettext(message: str) -> str:
    return _active().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _active().ngettext(singular, plural, n)


_ = gettext
# Code that is handed ``gettext`` alone (the harvest's outline) finds the plural forms here.
gettext.ngettext = ngettext  # type: ignore[attr-defined]


def negotiate(accept_language: str | None, chosen: str | None) -> str:
    """The chosen language if we have it, else the best of Accept-Language, else English.

    >>> negotiate("fr-CA,fr;q=0.9,en;q=0.5", None)
    'fr'
    """
    if chosen in LANGUAGES:
        return str(chosen)
    best: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES:
            best.append((quality, base))
    if not best:
        return DEFAULT_LANGUAGE
    return max(best, key=lambda item: item[0])[1]
