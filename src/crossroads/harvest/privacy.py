"""Who may be quoted, how a quote is attributed, and scrubbing names out of Chatham House text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from crossroads.harvest.model import PrivacyMode, Quote, RosterEntry

NAME_PLACEHOLDER = "[participant]"
ORGANISATION_PLACEHOLDER = "[organisation]"

# C0/C1 control characters other than tab and newline: invalid in XML (DOCX) and never meant.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SHORTEST_NAME_PART = 3


def clean_text(text: str) -> str:
    """Drop control characters and trim; every piece of user text passes through here first."""
    return _CONTROL.sub("", text).strip()


class Scrubber:
    """Replaces roster names and organisations in free text (Chatham House mode).

    Full names, each part of a name of at least three letters ("Ana Lucía Pérez" also scrubs
    "Lucía" and "Pérez") and organisations are matched case-insensitively on word boundaries,
    longest first, so "Friends of the Earth" goes before "Earth".

    >>> Scrubber([RosterEntry("1", "Ana Pérez", "Vecinas Unidas")]).scrub("ana and VECINAS UNIDAS")
    '[participant] and [organisation]'
    """

    def __init__(self, roster: Iterable[RosterEntry]) -> None:
        replacements: dict[str, str] = {}
        for entry in roster:
            organisation = clean_text(entry.organisation)
            if organisation:
                replacements[organisation.casefold()] = ORGANISATION_PLACEHOLDER
            name = clean_text(entry.name)
            if name:
                replacements.setdefault(name.casefold(), NAME_PLACEHOLDER)
                for part in re.split(r"[\s,]+", name):
                    if len(part) >= _SHORTEST_NAME_PART:
                        replacements.setdefault(part.casefold(), NAME_PLACEHOLDER)
        self._replacements = replacements
        if replacements:
            alternatives = sorted(replacements, key=lambda s: (-len(s), s))
            self._pattern: re.Pattern[str] | None = re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)",
                re.IGNORECASE,
            )
        else:
            self._pattern = None

    def scrub(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(
            lambda m: self._replacements.get(m.group(0).casefold(), NAME_PLACEHOLDER), text
        )


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
