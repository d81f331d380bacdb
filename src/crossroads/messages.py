"""Marking messages for translation in code that must not import the web layer.

``N_("is empty")`` returns its argument unchanged; Babel extracts it (``-k N_``) and
``web/errors.py`` translates it when the error is rendered, in the reader's language.
"""

from __future__ import annotations

import gettext as gettext_module
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    return message


@cache
def translations_for(language: str) -> gettext_module.NullTranslations:
    """The compiled catalogue of ``language`` (English is the source text itself). Here, not
    in web/, so the command line translates what it writes without importing the web layer."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")
