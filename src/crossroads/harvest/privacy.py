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


def fold(text: str) -> str:
    """Accent- and case-folded, one character for one: ``"Lucía"`` -> ``"lucia"``.

    Each character keeps its position, so a match in the folded text is the same span in the
    original.
    """
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0].lower()
        out.append(base[0] if base else ch)
    return "".join(out)


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
        replacements: dict[str, str] = {}
        for entry in roster:
            organisation = clean_text(entry.organisation)
            if organisation:
                replacements[fold(organisation)] = ORGANISATION_PLACEHOLDER
            for part in name_parts(entry.name):
                replacements.setdefault(fold(part), NAME_PLACEHOLDER)
        for name in extra_names:
            for part in name_parts(name):
                replacements.setdefault(fold(part), NAME_PLACEHOLDER)
        self._replacements = replacements
        self.folded_names = frozenset(replacements)
        if replacements:
            alternatives = sorted(replacements, key=lambda s: (-len(s), s))
            self._pattern: re.Pattern[str] | None = re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)"
            )
        else:
            self._pattern = None

    def scrub(self, text: str) -> str:
        text = remove_contacts(text)
        if self._pattern is None:
            return text
        folded = fold(text)
        pieces, last = [], 0
        for match in self._pattern.finditer(folded):
            pieces.append(text[last : match.start()])
            pieces.append(self._replacements.get(match.group(0), NAME_PLACEHOLDER))
            last = match.end()
        pieces.append(text[last:])
        return "".join(pieces)

    def names_in(self, text: str) -> bool:
        """Whether any name or organisation occurs in ``text``."""
        return self._pattern is not None and self._pattern.search(fold(text)) is not None


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
