"""The pairing engine's values: who is to be placed, under which constraints, and the result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

MIN_GROUP = 2
MAX_GROUP = 6


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    organisation: str = ""
    movements: frozenset[str] = frozenset()
    region: str = ""
    languages: frozenset[str] = frozenset()
    needs_interpretation: bool = False
    topic: str | None = None
    # Where the person is: a venue's key when they are in a room, "" when online (#32).
    place: str = ""


class Mode(StrEnum):
    """How a round meets (#32): everyone in calls, people in a room at tables (online people
    in calls), or tables of one or two in a room each joined by online people."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    MIXED = "mixed"


class Reason(StrEnum):
    """Why a group was formed (codes: the web layer turns them into words)."""

    SHARED_LANGUAGE = "shared_language"
    DIFFERENT_ORGANISATIONS = "different_organisations"
    DIFFERENT_MOVEMENTS = "different_movements"
    DIFFERENT_REGIONS = "different_regions"
    NEW_FACES = "new_faces"
    SAME_TOPIC = "same_topic"
    HOST_FIXED = "host_fixed"


class Compromise(StrEnum):
    """What a group had to give up, in the order the rules rank them."""

    REPEAT = "repeat"
    NO_SHARED_LANGUAGE = "no_shared_language"
    SAME_ORGANISATION = "same_organisation"
    SAME_MOVEMENT = "same_movement"
    MET_IN_SERIES = "met_in_series"


@dataclass(frozen=True, slots=True)
class Group:
    members: tuple[str, ...]
    shared_languages: frozenset[str] = frozenset()
    needs_interpretation: bool = False
    reasons: tuple[Reason, ...] = ()
    compromises: tuple[Compromise, ...] = ()
    topic: str | None = None
    # The venue where the group's people in the room meet at a table ("" for a group that
    # meets only in a call). A group at a venue with online members is a mixed group.
    place: str = ""


_EMPTY: Mapping[frozenset[str], float] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class PairingRequest:
    people: tuple[Person, ...]
    size: int = 2
    blocked: frozenset[frozenset[str]] = frozenset()
    met: frozenset[frozenset[str]] = frozenset()
    series: Mapping[frozenset[str], float] = field(default_factory=lambda: _EMPTY)
    fixed_groups: tuple[tuple[str, ...], ...] = ()
    by_topic: bool = False
    seed: int = 0
    mode: Mode = Mode.ONLINE

    def __post_init__(self) -> None:
        if self.mode not in tuple(Mode):
            raise ValueError(f"mode must be one of {', '.join(Mode)}, not {self.mode!r}")
        if not MIN_GROUP <= self.size <= MAX_GROUP:
            raise ValueError(f"size must be {MIN_GROUP} to {MAX_GROUP}, not {self.size}")
        ids = [p.id for p in self.people]
        if len(set(ids)) != len(ids):
            raise ValueError("every person id must be unique")


@dataclass(frozen=True, slots=True)
class Assignment:
    groups: tuple[Group, ...]

    def group_of(self, person_id: str) -> Group | None:
        for group in self.groups:
            if person_id in group.members:
                return group
        return None

    def members(self) -> list[str]:
        return [m for g in self.groups for m in g.members]
