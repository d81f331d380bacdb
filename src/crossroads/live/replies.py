"""What the server sends on a live socket besides views: typed, and built only here.

Each reply is a ``TypedDict`` with the protocol version ``v`` and a ``type`` (the shapes
docs/live-protocol.md lists); the functions below are the one place each is made, so a
field cannot be spelled two ways in two routers. Views themselves (``snapshot``) are built
by the domain's renderer (convenings/live_views.py) as JSON text.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from crossroads.live.protocol import VERSION


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


# "from" is a Python keyword: the functional form of TypedDict spells it.
CallLeave = TypedDict("CallLeave", {"v": int, "type": Literal["call_leave"], "from": str})
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


def error(code: str, detail: str) -> Error:
    return {"v": VERSION, "type": "error", "code": code, "error": detail}


def broadcast(seq: int, text: str) -> Broadcast:
    return {"v": VERSION, "type": "broadcast", "seq": seq, "text": text}


def call_leave(sender: str) -> CallLeave:
    return {"v": VERSION, "type": "call_leave", "from": sender}


def chat_line(line_id: int, sender: str, name: str, text: str, at: str) -> ChatLine:
    return {"id": line_id, "from": sender, "name": name, "text": text, "at": at}


def chat(line: ChatLine) -> Chat:
    return {"v": VERSION, "type": "chat", **line}


def chat_history(group: int, messages: list[ChatLine]) -> ChatHistory:
    return {"v": VERSION, "type": "chat_history", "group": group, "messages": messages}
