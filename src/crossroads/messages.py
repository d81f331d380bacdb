"""Marking messages for translation in code that must not import the web layer.

``N_("is empty")`` returns its argument unchanged; Babel extracts it (``-k N_``) and
``web/errors.py`` translates it when the error is rendered, in the reader's language.
"""

from __future__ import annotations


def N_(message: str) -> str:
    return message
