"""What changed in a live call: one frozen dataclass per kind of change.

Use cases (convenings/) record these inside the transaction that makes the change; the
publisher (live/publisher.py) announces them once that transaction has committed. An event
says which event number the change took and whose view it touches; the views themselves are
rebuilt from the database (or from the state a ``RoundStarted`` carries) by the hub.

``bus_message`` is the one place an event becomes the plain dict the bus carries between
nodes. Its ``kind`` strings are the wire format other nodes read (live/hub.py's ``_Pending``),
unchanged from the string kinds these classes replace, so nodes of two versions interoperate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

# ``concerns()`` of an event that touches nobody's participant view: host consoles refresh,
# participants get nothing (a report, a help call, a lock).
NOBODY: frozenset[int] = frozenset()


@dataclass(frozen=True)
class LiveEvent:
    """A change to a convening's live state, numbered ``seq`` (the database's event number)."""

    kind: ClassVar[str]
    # Announced on a best-effort basis: if it cannot be (the bus is away), the change stands
    # and the publisher logs it; otherwise an announcement's failure reaches the caller.
    best_effort: ClassVar[bool] = False
    convening_id: int
    seq: int

    def concerns(self) -> frozenset[int] | None:
        """The participants whose view changed; None: everyone's."""
        return None

    def primed_state(self) -> Any:
        """The state right after the change, when the use case already held it (the node that
        made the change fans out from it instead of reading it back); None otherwise."""
        return None

    def bus_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"kind": self.kind, "seq": self.seq}
        who = self.concerns()
        if who is not None:
            message["participants"] = sorted(who)
        return message


@dataclass(frozen=True)
class _Touching(LiveEvent):
    """An event whose participants are listed: the members of the groups it changed."""

    touched: frozenset[int]

    def concerns(self) -> frozenset[int] | None:
        return self.touched


@dataclass(frozen=True)
class _HostsOnly(LiveEvent):
    def concerns(self) -> frozenset[int] | None:
        return NOBODY


# --- rounds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundStarted(LiveEvent):
    kind: ClassVar[str] = "round_started"
    state: Any = field(default=None, compare=False, repr=False)

    def primed_state(self) -> Any:
        return self.state


@dataclass(frozen=True)
class RoundExtended(LiveEvent):
    kind: ClassVar[str] = "round_changed"


@dataclass(frozen=True)
class RoundEnded(LiveEvent):
    """Ended early: the round is in its wrap-up from now."""

    kind: ClassVar[str] = "round_changed"


@dataclass(frozen=True)
class CallEnded(LiveEvent):
    kind: ClassVar[str] = "call_ended"


@dataclass(frozen=True)
class MessageSent(_HostsOnly):
    """A host's broadcast: every connection gets the text (views do not change)."""

    kind: ClassVar[str] = "broadcast"
    text: str = ""

    def bus_message(self) -> dict[str, Any]:
        return {**super().bus_message(), "text": self.text}


@dataclass(frozen=True)
class HelpCalled(_HostsOnly):
    kind: ClassVar[str] = "help"


@dataclass(frozen=True)
class HelpResolved(_HostsOnly):
    kind: ClassVar[str] = "help"


# --- presence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonReturned(_Touching):
    """Someone who kept their seat came back: their group sees them again."""

    kind: ClassVar[str] = "returned"


@dataclass(frozen=True)
class PersonArrived(_Touching):
    """Someone new to the running round was placed in a group (late joiner, re-placed)."""

    kind: ClassVar[str] = "placed"


@dataclass(frozen=True)
class PersonLeft(_Touching):
    """Someone has been gone long enough: their seat is kept, marked away."""

    kind: ClassVar[str] = "away"


@dataclass(frozen=True)
class PartnerReplaced(_Touching):
    """Someone left a pair: the partner left alone was given someone new."""

    kind: ClassVar[str] = "repaired"


@dataclass(frozen=True)
class SittingOutChanged(LiveEvent):
    kind: ClassVar[str] = "sitting_out"
    participant_id: int = 0

    def concerns(self) -> frozenset[int] | None:
        return frozenset({self.participant_id})


# --- moderation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonMoved(_Touching):
    kind: ClassVar[str] = "moved"


@dataclass(frozen=True)
class PersonBlocked(_Touching):
    kind: ClassVar[str] = "blocked"


@dataclass(frozen=True)
class PersonRemoved(LiveEvent):
    """A host removed someone. Follow-up (publisher): their live and notes sockets close."""

    kind: ClassVar[str] = "removed"
    participant_id: int = 0
    convening_public_id: str = ""


@dataclass(frozen=True)
class PersonReported(_HostsOnly):
    kind: ClassVar[str] = "reported"


@dataclass(frozen=True)
class ReportDismissed(_HostsOnly):
    """A host dismissed a report (#29): only host consoles refresh."""

    kind: ClassVar[str] = "reported"


@dataclass(frozen=True)
class PersonMuted(LiveEvent):
    """Muted or unmuted. Follow-up (publisher): their notes sockets close, so they reconnect
    read-only (or writable again)."""

    kind: ClassVar[str] = "muted"
    participant_id: int = 0
    muted: bool = True
    convening_public_id: str = ""

    def concerns(self) -> frozenset[int] | None:
        return frozenset({self.participant_id})


@dataclass(frozen=True)
class ConveningLocked(_HostsOnly):
    kind: ClassVar[str] = "locked"
    locked: bool = True


# --- the agenda -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaChanged(LiveEvent):
    """The host edited the convening or its agenda: every node rebuilds its people's views
    from the database (#31). Not numbered: agenda edits do not take an event number. Best
    effort: a lobby that misses it shows the new agenda on its next view (any other change,
    a reconnect, a reload), and the host's edit is saved whatever happens to the bus."""

    kind: ClassVar[str] = "resync"
    best_effort: ClassVar[bool] = True
    seq: int = 0

    def bus_message(self) -> dict[str, Any]:
        return {"kind": self.kind}
