"""Cleaning text people type or upload: names, titles and longer texts (#26).

One place decides which characters a name or title may hold, used by every form and by
the roster CSV:

- Control characters (NUL, line breaks, tabs, escape, C1 controls) are refused with a field
  error. PostgreSQL cannot store NUL at all (SQLite can), so before this a NUL byte in a
  title was an HTTP 500 on one database and stored on the other. Longer texts
  (descriptions, notes sections) keep line breaks and tabs and refuse the rest.
- Bidirectional overrides and isolates (U+202A-202E, U+2066-2069) and zero-width characters
  (U+200B-200D, U+2060, U+FEFF) are dropped from names and titles: they are invisible, and
  in a name they only serve to make it read differently from what it is (``Ana`` followed
  by a right-to-left override shows the rest of a line reversed). Arabic and Hebrew names
  need none of them; the Unicode bidirectional algorithm orders them unaided.
  The joiners ZWNJ and ZWJ (U+200C, U+200D) are the exception where they sit between two
  visible characters: Persian and Indic names need them to be spelled right (``می‌خواهم``),
  and emoji sequences use them. Leading, trailing or doubled joiners are still dropped.

Pure: no framework, no I/O. Callers turn ``UnsafeText`` into their own field error.
"""

from __future__ import annotations

from crossroads.messages import N_

INVISIBLE = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE, RLE, PDF, LRO, RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI, RLI, FSI, PDI
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]  # zero-width
)
JOINERS = frozenset({"\u200c", "\u200d"})
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE - JOINERS))
# Line and paragraph separators break a line as a control character does.
_SEPARATORS = frozenset({"\u2028", "\u2029"})
_BLOCK_ALLOWED = frozenset({"\n", "\r", "\t"})

CONTROL_IN_LINE = N_("Remove the control characters (such as line breaks or NUL bytes).")
CONTROL_IN_BLOCK = N_("Remove the control characters (such as NUL bytes).")


class UnsafeText(ValueError):
    """The text holds a character it may not; ``message`` is a translatable template."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_control(char: str) -> bool:
    """C0 and C1 control characters and DEL (Unicode category Cc)."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0


def clean_line(text: str) -> str:
    """A name, title or other one-line text: invisible characters dropped, surrounding
    spaces stripped; a control character raises ``UnsafeText``.

    >>> clean_line("  Ana\\u202e Lopez\\u200b ")
    'Ana Lopez'
    """
    if any(is_control(c) or c in _SEPARATORS for c in text):
        raise UnsafeText(CONTROL_IN_LINE)
    return _keep_inner_joiners(text.translate(_DROP_INVISIBLE)).strip()


def _keep_inner_joiners(text: str) -> str:
    """Drop ZWNJ/ZWJ unless both neighbours are visible, non-space characters."""
    if not JOINERS.intersection(text):
        return text
    kept = []
    for index, char in enumerate(text):
        if char in JOINERS:
            before = text[index - 1] if index else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if not _visible(before) or not _visible(after):
                continue
        kept.append(char)
    return "".join(kept)


def _visible(char: str) -> bool:
    return bool(char) and not char.isspace() and char not in INVISIBLE


def clean_block(text: str) -> str:
    """A longer text (a description, a code of conduct, a section): line breaks and tabs
    stay, other control characters raise ``UnsafeText``. Surrounding spaces are stripped;
    nothing else changes, so right-to-left marks typed in a paragraph keep their place."""
    if any(is_control(c) and c not in _BLOCK_ALLOWED for c in text):
        raise UnsafeText(CONTROL_IN_BLOCK)
    return text.strip()
