"""Plain values the store hands out and takes in: frozen dataclasses, never ORM rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PrivacyMode(StrEnum):
    NAMED = "named"
    CHATHAM_HOUSE = "chatham_house"


class ConveningStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    LIVE = "live"
    ENDED = "ended"


class RoundKind(StrEnum):
    PAIRS = "pairs"
    SMALL_GROUPS = "small_groups"
    TOPIC_GROUPS = "topic_groups"
    PLENARY = "plenary"


class InviteKind(StrEnum):
    SHARED = "shared"
    PERSONAL = "personal"


@dataclass(frozen=True, slots=True)
class HostRecord:
    id: int
    email: str
    display_name: str


@dataclass(frozen=True, slots=True)
class ConveningRecord:
    id: int
    public_id: str
    host_id: int
    title: str
    description: str
    starts_at: datetime
    timezone: str
    duration_minutes: int
    languages: tuple[str, ...]
    plenary_url: str
    code_of_conduct: str
    privacy_mode: PrivacyMode
    status: ConveningStatus
    created_at: datetime
    call_mode: str = ""  # "" follows the server's CROSSROADS_CALL_MODE
    # language -> {"title" | "description" | "code_of_conduct": text} (#31)
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PromptRecord:
    id: int
    public_id: str
    round_id: int
    position: int
    texts: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RoundRecord:
    id: int
    public_id: str
    convening_id: int
    position: int
    title: str
    kind: RoundKind
    group_size: int
    duration_minutes: int
    prompts: tuple[PromptRecord, ...] = field(default=())
    title_translations: Mapping[str, str] = field(default_factory=dict)  # (#31)


@dataclass(frozen=True, slots=True)
class InviteRecord:
    id: int
    convening_id: int
    kind: InviteKind
    salt: str
    name: str
    email: str
    organisation: str
    language: str
    created_at: datetime
    expires_at: datetime
    revoked: bool


@dataclass(frozen=True, slots=True)
class ParticipantRecord:
    id: int
    public_id: str
    convening_id: int
    invite_id: int | None
    display_name: str
    email: str
    organisation: str
    movements: tuple[str, ...]
    region: str
    languages: tuple[str, ...]
    about: str
    consent_listed: bool
    consent_quoted: bool
    coc_accepted_at: datetime
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRecord:
    host_id: int | None
    participant_id: int | None
    expires_at: datetime


# What a form hands the store to write (#28: here with the other plain values, so the web
# layer builds them without importing the store's query modules).


@dataclass(frozen=True, slots=True)
class ConveningFields:
    """The fields a host edits; the store fills in ids, status and timestamps."""

    title: str
    description: str
    starts_at: datetime
    timezone: str
    duration_minutes: int
    languages: tuple[str, ...]
    plenary_url: str
    code_of_conduct: str
    privacy_mode: PrivacyMode
    # Where groups talk (#7): "builtin", "jitsi", "external"; "" follows the server setting.
    call_mode: str = ""


@dataclass(frozen=True, slots=True)
class ProfileFields:
    display_name: str
    organisation: str
    movements: tuple[str, ...]
    region: str
    languages: tuple[str, ...]
    about: str
    consent_listed: bool
    consent_quoted: bool
