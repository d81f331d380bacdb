"""The harvest's plain values: notes, feedback and roster in; the Reflection out.

Everything here is a frozen dataclass of strings, numbers and tuples, so a Reflection can be
stored, compared in tests and rendered by any of the renderers without the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PrivacyMode(StrEnum):
    """How quotes are shown: by name, or (Chatham House) never attributed nor identifying."""

    NAMED = "named"
    CHATHAM_HOUSE = "chatham_house"


# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """One bullet or paragraph typed under a prompt; ``author_id`` is None when nobody is known."""

    prompt_id: str
    text: str
    author_id: str | None = None
    # Where it came from, for exports: the 1-based line in a notes file, or an id in the app.
    source: str | None = None
    # A "Name: ..." prefix that matched nobody on the roster: never shown, only counted (two
    # contributions with the same speaker are one person) and scrubbed.
    speaker: str | None = None


@dataclass(frozen=True)
class PromptNotes:
    prompt_id: str
    prompt_text: str
    contributions: tuple[Contribution, ...] = ()


@dataclass(frozen=True)
class FeedbackAnswer:
    """One answer to the feedback form; ``rating`` is 1 to 5 when given."""

    author_id: str | None
    rating: int | None
    energising: str = ""
    improve: str = ""
    drill_into: str = ""


@dataclass(frozen=True)
class RosterEntry:
    """A participant as far as the harvest needs: who they are and whether they may be quoted."""

    id: str
    name: str
    organisation: str = ""
    movements: tuple[str, ...] = ()
    region: str = ""
    languages: tuple[str, ...] = ()
    consent_quote: bool = False


@dataclass(frozen=True)
class HarvestInput:
    """All a reflection is made from.

    ``chat`` holds only messages whose authors consented to the chat being harvested; a message
    whose ``prompt_id`` names a prompt joins that prompt's contributions, the others are ignored.
    """

    title: str
    privacy_mode: PrivacyMode = PrivacyMode.NAMED
    language: str = "en"
    prompts: tuple[PromptNotes, ...] = ()
    feedback: tuple[FeedbackAnswer, ...] = ()
    roster: tuple[RosterEntry, ...] = ()
    chat: tuple[Contribution, ...] = ()
    rounds: int = 0
    groups: int = 0
    minutes: int = 0
    # Roster ids of the people who were in a room (#32); None when the call had no venue.
    in_room: frozenset[str] | None = None


# --- output --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """A participant's own words; no ``author_name``/``organisation`` in Chatham House mode."""

    text: str
    author_name: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class Theme:
    label: str
    keyphrases: tuple[str, ...]
    contribution_count: int
    quotes: tuple[Quote, ...] = ()
    summary: str | None = None
    people: int = 0
    # The ``Contribution.source`` of each member, in input order (for the JSON export).
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PromptThemes:
    prompt_id: str
    prompt_text: str
    contribution_count: int
    themes: tuple[Theme, ...]
    # Contributions in no theme (too few, or from one person): counted, never named.
    other_count: int = 0
    other_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Participation:
    """Headline figures; the ``by_*`` tuples are (name, people) sorted by people, then name."""

    people: int
    organisations: int
    rounds: int
    groups: int
    minutes: int
    by_movement: tuple[tuple[str, int], ...] = ()
    by_region: tuple[tuple[str, int], ...] = ()
    by_language: tuple[tuple[str, int], ...] = ()
    # People in a room and people online (#32); None for a call held only online.
    in_room: int | None = None
    online: int | None = None

    @property
    def movements(self) -> int:
        return len(self.by_movement)

    @property
    def regions(self) -> int:
        return len(self.by_region)

    @property
    def languages(self) -> int:
        return len(self.by_language)


@dataclass(frozen=True)
class Takeaway:
    """One of a prompt's main themes; renderers turn it into a translated sentence.

    ``quote`` is the consenting contribution nearest the theme's centre, when there is one.
    """

    prompt_text: str
    theme_label: str
    contribution_count: int
    prompt_contribution_count: int
    people: int = 0
    quote: str | None = None

    @property
    def share_percent(self) -> int:
        if self.prompt_contribution_count == 0:
            return 0
        return round(100 * self.contribution_count / self.prompt_contribution_count)


@dataclass(frozen=True)
class FeedbackSummary:
    responses: int = 0
    rating_average: float | None = None
    rating_distribution: tuple[tuple[int, int], ...] = ()
    energising: tuple[Theme, ...] = ()
    improve: tuple[Theme, ...] = ()
    drill_into: tuple[Theme, ...] = ()


@dataclass(frozen=True)
class Intersection:
    """Two movements whose people spoke to the same themes, and in how many themes they met."""

    movements: tuple[str, str]
    theme_count: int
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reflection:
    title: str
    privacy_mode: PrivacyMode
    language: str
    participation: Participation
    prompts: tuple[PromptThemes, ...]
    takeaways: tuple[Takeaway, ...] = ()
    feedback: FeedbackSummary = field(default_factory=FeedbackSummary)
    intersections: tuple[Intersection, ...] = ()
    # Which engine found the themes; ``fallback`` says why the embeddings were not used.
    engine: str = "tfidf"
    fallback: str | None = None
    # Labels of themes that came up in two or more prompts (cross-prompt takeaways).
    recurring: tuple[tuple[str, int], ...] = ()
