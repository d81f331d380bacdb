"""What the server sends on a live socket besides views: typed, and built only here.

Each reply is a ``TypedDict`` with the protocol version ``v`` and a ``type`` (the shapes
docs/live-protocol.md lists); the functions below are the one place each is made, so a
field cannot be spelled two ways in two routers. Views themselves (``snapshot``) are built
by the domain's renderer (convenings/live_views.py) as JSON text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from crossroads.live.protocol import VERSION


@dataclass(frozen=True, slots=True)
class Relay:
    """A message for some people of one convening, wherever they are connected: the
    participants ``to`` and, when ``hosts``, every host console. Use cases decide whom
    (convenings/call_relay.py, the chat); the hub delivers it as is (``LiveHub.deliver``)."""

    message: Mapping[str, Any]
    to: frozenset[int] = field(default_factory=frozenset)
    hosts: bool = False

    @classmethod
    def people(cls, ids: Iterable[int], message: Mapping[str, Any]) -> Relay:
        return cls(message, frozenset(ids))

    @classmethod
    def host_consoles(cls, message: Mapping[str, Any]) -> Relay:
        return cls(message, hosts=True)


class Pong(TypedDict):
    v: int
    type: Literal["pong"]


class Resumed(TypedDict):
    """The browser's view (event ``seq``) is still current: nothing to send."""

    v: int
    type: Literal["resumed"]
    seq: int


class HelpSent(TypedDict):
    v: int
    type: Literal["help_sent"]


class Blocked(TypedDict):
    v: int
    type: Literal["blocked"]
    participant: str


class Done(TypedDict):
    """A host command went through and took event ``seq``."""

    v: int
    type: Literal["done"]
    command: str
    seq: int


class Error(TypedDict):
    v: int
    type: Literal["error"]
    code: str
    error: str


class Broadcast(TypedDict):
    v: int
    type: Literal["broadcast"]
    seq: int
    text: str


class HelpResolved(TypedDict):
    """To the person who called for help: a host marked their call ``id`` handled."""

    v: int
    type: Literal["help_resolved"]
    id: int


class HostJoined(TypedDict):
    """To a group's members: the host ``name`` joined their call (#29)."""

    v: int
    type: Literal["host_joined"]
    name: str


class Member(TypedDict):
    id: str
    name: str


class JoinedGroup(TypedDict):
    """To the host's console: the group call it joined, answering ``join_group`` (#29)."""

    v: int
    type: Literal["joined_group"]
    help: int
    group: int
    members: list[Member]
    call: dict[str, object]
    notes: str  # the group's block on the full notes page, "" if none


class AudioMuted(TypedDict):
    """To the one participant a host muted in the in-browser call (#29)."""

    v: int
    type: Literal["audio_muted"]


# "from" is a Python keyword: the functional form of TypedDict spells it.
CallLeave = TypedDict("CallLeave", {"v": int, "type": Literal["call_leave"], "from": str})
# The host who joined a group after a call for help left its call (``from`` is the host's peer).
HostLeft = TypedDict("HostLeft", {"v": int, "type": Literal["host_left"], "from": str})
# One line of a group's chat: who wrote it (public id and name), what, when (ISO 8601).
ChatLine = TypedDict("ChatLine", {"id": int, "from": str, "name": str, "text": str, "at": str})
Chat = TypedDict(
    "Chat",
    {
        "v": int,
        "type": Literal["chat"],
        "id": int,
        "from": str,
        "name": str,
        "text": str,
        "at": str,
    },
)


class ChatHistory(TypedDict):
    """The group's chat so far this round, sent to a connection that (re)joins it."""

    v: int
    type: Literal["chat_history"]
    group: int
    messages: list[ChatLine]


def pong() -> Pong:
    return {"v": VERSION, "type": "pong"}


def resumed(seq: int) -> Resumed:
    return {"v": VERSION, "type": "resumed", "seq": seq}


def help_sent() -> HelpSent:
    return {"v": VERSION, "type": "help_sent"}


def blocked(participant: str) -> Blocked:
    return {"v": VERSION, "type": "blocked", "participant": participant}


def done(command: str, seq: int) -> Done:
    return {"v": VERSION, "type": "done", "command": command, "seq": seq}


def done_without_event(command: str) -> Done:
    """A host command that went through without changing the live state (no event number)."""
    return done(command, 0)


def help_resolved(help_id: int) -> HelpResolved:
    return {"v": VERSION, "type": "help_resolved", "id": help_id}


def host_joined(name: str) -> HostJoined:
    return {"v": VERSION, "type": "host_joined", "name": name}


def joined_group(
    help_id: int, group: int, members: list[Member], call: dict[str, object], notes: str
) -> JoinedGroup:
    return {
        "v": VERSION,
        "type": "joined_group",
        "help": help_id,
        "group": group,
        "members": members,
        "call": call,
        "notes": notes,
    }


def member(public_id: str, name: str) -> Member:
    return {"id": public_id, "name": name}


def audio_muted() -> AudioMuted:
    return {"v": VERSION, "type": "audio_muted"}


def error(code: str, detail: str) -> Error:
    return {"v": VERSION, "type": "error", "code": code, "error": detail}


def broadcast(seq: int, text: str) -> Broadcast:
    return {"v": VERSION, "type": "broadcast", "seq": seq, "text": text}


def call_leave(sender: str) -> CallLeave:
    return {"v": VERSION, "type": "call_leave", "from": sender}


def host_left(host_peer: str) -> HostLeft:
    return {"v": VERSION, "type": "host_left", "from": host_peer}


def signal(fields: Mapping[str, Any], sender: str, group: int | None = None) -> dict[str, Any]:
    """A call message (offer, answer, candidate, hang-up) as relayed: the sender's fields as
    parsed (``to`` left out), who sent it (``from``) and, to a host console, which group."""
    relayed = {k: v for k, v in fields.items() if k != "to"}
    relayed["from"] = sender
    if group is not None:
        relayed["group"] = group
    return relayed


def chat_line(line_id: int, sender: str, name: str, text: str, at: str) -> ChatLine:
    return {"id": line_id, "from": sender, "name": name, "text": text, "at": at}


def chat(line: ChatLine) -> Chat:
    return {"v": VERSION, "type": "chat", **line}


def chat_history(group: int, messages: list[ChatLine]) -> ChatHistory:
    return {"v": VERSION, "type": "chat_history", "group": group, "messages": messages}
