"""Who may be quoted, how a quote is attributed, and scrubbing names out of Chatham House text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from crossroads.harvest.model import PrivacyMode, Quote, RosterEntry

NAME_PLACEHOLDER = "[participant]"
ORGANISATION_PLACEHOLDER = "[organisation]"

# C0/C1 control characters other than tab and newline: invalid in XML (DOCX) and never meant.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Drop control characters and trim; every piece of user text passes through here first."""
    return _CONTROL.sub("", text).strip()


# Particles inside names ("María de la Cruz", "Ludwig van Beethoven"): words of their own too
# common to scrub on their own.
_PARTICLES = frozenset(
    [
        "a",
        "al",
        "bin",
        "d",
        "da",
        "das",
        "de",
        "del",
        "della",
        "der",
        "di",
        "do",
        "dos",
        "du",
        "e",
        "el",
        "la",
        "las",
        "le",
        "les",
        "los",
        "of",
        "van",
        "von",
        "y",
    ]
)
_SHORTEST_PART = 2
_HANDLE = re.compile(r"(?<![\w.])@[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|(?<![\w.])@[A-Za-z0-9_]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HANDLE_PLACEHOLDER = "[contact]"
# A word, as names are matched: letters and digits; apostrophes and hyphens separate words.
_TOKEN = re.compile(r"\w+")


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base[0] if base else ch


# Latin, Greek and Cyrillic folded once, so folding a long note is one str.translate.
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in range(0x0530)}


def fold(text: str) -> str:
    """Accent- and case-folded, one character for one: ``"Lucía"`` -> ``"lucia"``.

    Each character keeps its position, so a match in the folded text is the same span in the
    original.
    """
    folded = text.translate(_FOLD_TABLE)
    if folded.isascii() or max(text) < "\u0530":
        return folded
    return "".join(_fold_char(ch) for ch in text)


def name_parts(name: str) -> list[str]:
    """The parts of a name worth scrubbing: the whole, hyphenated wholes, and each part."""
    name = clean_text(name)
    parts = {name} if name else set()
    for word in re.split(r"[\s,]+", name):
        word = word.strip(".'’()")
        if not word:
            continue
        parts.add(word)
        for piece in word.split("-"):
            if piece:
                parts.add(piece)
    return [p for p in parts if len(p) >= _SHORTEST_PART and fold(p) not in _PARTICLES]


def remove_contacts(text: str) -> str:
    """E-mail addresses and @handles out, whoever they are."""
    return _HANDLE.sub(HANDLE_PLACEHOLDER, _EMAIL.sub(HANDLE_PLACEHOLDER, text))


class Scrubber:
    """Replaces people's names and organisations in free text (Chatham House mode).

    Names of the roster and of speakers not on it: the full name, hyphenated first names whole
    and in parts, and each part of two letters or more ("Ana Lucía Pérez" also scrubs "Lucía",
    "Lucia" and "PEREZ"), matched accent- and case-insensitively on word boundaries, longest
    first, so "Friends of the Earth" goes before "Earth". E-mail addresses and @handles go too.

    >>> Scrubber([RosterEntry("1", "Ana Pérez", "Vecinas Unidas")]).scrub("ana and VECINAS UNIDAS")
    '[participant] and [organisation]'
    """

    def __init__(self, roster: Iterable[RosterEntry], extra_names: Iterable[str] = ()) -> None:
        # Names as runs of folded words, looked up by their first word: a roster of thousands
        # costs a dictionary, not a regular expression of thousands of alternatives.
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        seen: set[tuple[str, ...]] = set()

        def add(text: str, placeholder: str) -> None:
            words = tuple(_TOKEN.findall(fold(text)))
            if words and words not in seen:
                seen.add(words)
                self._by_first.setdefault(words[0], []).append((words, placeholder))

        for entry in roster:
            if organisation := clean_text(entry.organisation):
                add(organisation, ORGANISATION_PLACEHOLDER)
        for entry in roster:
            for part in name_parts(entry.name):
                add(part, NAME_PLACEHOLDER)
        for name in extra_names:
            for part in name_parts(name):
                add(part, NAME_PLACEHOLDER)
        for candidates in self._by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))  # longest first

    def _matches(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, placeholder) of every name in ``text``, longest first, not overlapping."""
        tokens = list(_TOKEN.finditer(fold(text)))
        found = []
        i = 0
        while i < len(tokens):
            for words, placeholder in self._by_first.get(tokens[i].group(0), ()):
                end = i + len(words)
                if end <= len(tokens) and all(
                    tokens[i + j].group(0) == w for j, w in enumerate(words)
                ):
                    found.append((tokens[i].start(), tokens[end - 1].end(), placeholder))
                    i = end - 1
                    break
            i += 1
        return found

    def scrub(self, text: str) -> str:
        text = remove_contacts(text)
        if not self._by_first:
            return text
        pieces, last = [], 0
        for start, end, placeholder in self._matches(text):
            pieces.append(text[last:start])
            pieces.append(placeholder)
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def names_in(self, text: str) -> bool:
        """Whether any name or organisation occurs in ``text``."""
        return bool(self._by_first) and bool(self._matches(text))


# Facilitators' phrases anywhere in a short line; greetings and thanks only at its start.
_CHAT = re.compile(
    r"\b(?:let'?s (?:start|begin|move on|go on)|moving on|next prompt|last prompt|prompt \d|"
    r"can (?:you|everyone|everybody) (?:hear|see)|hear me|my (?:connection|mic|audio)|"
    r"you'?re (?:muted|on mute)|out of time|minutes left|see you|who wants to go first|"
    r"empecemos|comencemos|me oyen|me escuchan|siguiente pregunta|"
    r"commen[cç]ons|passons [aà]|vous m'entendez|question suivante)\b"
    r"|^\W*(?:hi|hello|hey|welcome|good (?:morning|afternoon|evening)|thanks|thank you|"
    r"hola|bienvenid[oa]s|buen[oa]s (?:d[ií]as|tardes)|gracias|"
    r"bonjour|bonsoir|salut|bienvenue|merci)"
    r"(?:\s*[,!.]|\s+(?:back|everyone|everybody|all|folks|a todos|à tous|tout le monde)\b|\W*$)",
    re.IGNORECASE,
)
_CHAT_WORDS = 10


def is_chat_line(text: str) -> bool:
    """A greeting or a facilitator's line ("Let's start with prompt 1."), not a contribution.

    Only short lines count: "Thanks to the unions, the strike held" is a contribution.
    """
    words = re.findall(r"\w+", text)
    return len(words) <= _CHAT_WORDS and _CHAT.search(text) is not None


def quotable_authors(roster: Iterable[RosterEntry]) -> Mapping[str, RosterEntry]:
    """The roster entries, by id, of the people who consented to be quoted."""
    return {entry.id: entry for entry in roster if entry.consent_quote}


def make_quote(text: str, author: RosterEntry, mode: PrivacyMode) -> Quote:
    if mode is PrivacyMode.CHATHAM_HOUSE:
        return Quote(text=text)
    return Quote(
        text=text,
        author_name=clean_text(author.name) or None,
        organisation=clean_text(author.organisation) or None,
    )
