"""The live socket's messages: JSON objects with a ``type`` and a version ``v``.

Client messages are validated with pydantic; anything else gets an ``error`` message (the
connection stays open) or, for frames too large to read, close code 1009. The server's
replies are typed in live/replies.py (docs/live-protocol.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from crossroads.text_input import is_control

VERSION = 1
# Call offers and answers carry an SDP of several kilobytes (a video offer from Chromium is
# 5-8 KB); every other message is far smaller.
MAX_FRAME_BYTES = 16384
MAX_SDP_CHARS = 12000
MAX_CANDIDATE_CHARS = 1000
MAX_CHAT_CHARS = 1000


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    v: Literal[1] = 1


class Hello(_Message):
    """First message after connecting; ``last_seq`` lets the server skip an unchanged snapshot."""

    type: Literal["hello"]
    last_seq: int = Field(default=0, ge=0)


class Ping(_Message):
    type: Literal["ping"]


class CallHelp(_Message):
    type: Literal["help"]


class SitOut(_Message):
    type: Literal["sit_out"]
    sitting_out: bool


class StartRound(_Message):
    type: Literal["start_round"]
    round: str | None = Field(default=None, max_length=32)
    # The preview the host looked at (#29): Start writes exactly those groups, or is refused.
    preview: str | None = Field(default=None, max_length=64)


class Extend(_Message):
    type: Literal["extend"]
    minutes: int = Field(ge=1, le=30)


class EndRound(_Message):
    type: Literal["end_round"]


class EndCall(_Message):
    type: Literal["end_call"]


class Broadcast(_Message):
    type: Literal["broadcast"]
    text: str = Field(min_length=1, max_length=500)


class Move(_Message):
    type: Literal["move"]
    participant: str = Field(max_length=32)
    group: int | None = Field(default=None, ge=1)


class Block(_Message):
    """A participant never wants to be grouped with this person again."""

    type: Literal["block"]
    participant: str = Field(max_length=32)


class Remove(_Message):
    """A host removes a person from the call."""

    type: Literal["remove"]
    participant: str = Field(max_length=32)
    # One step from the removal dialog (#26): also revoke the shared invite link and make a
    # new one, for when the removed person may pass the old link on.
    renew_link: bool = False


class Mute(_Message):
    """A host mutes (or unmutes) a person: their shared-notes edits are refused meanwhile."""

    type: Literal["mute"]
    participant: str = Field(max_length=32)
    muted: bool = True


class Lock(_Message):
    """A host locks (or unlocks) the convening: nobody new can join while it is locked."""

    type: Literal["lock"]
    locked: bool = True


class ResolveHelp(_Message):
    type: Literal["resolve_help"]
    # A database id: PostgreSQL's INTEGER holds 32 bits (SQLite's 64), and a larger value is
    # refused by the driver rather than matching nothing.
    id: int = Field(ge=1, le=2**31 - 1)


class PreviewMove(_Message):
    """A host moves a person to another group of the next round's preview (before Start)."""

    type: Literal["preview_move"]
    participant: str = Field(max_length=32)
    group: int = Field(ge=1, le=100_000)


class JoinGroup(_Message):
    """A host joins the call of the group a help call came from (``help``: its id)."""

    type: Literal["join_group"]
    help: int = Field(ge=1, le=2**31 - 1)


class MuteAudio(_Message):
    """A host mutes a person's microphone in the in-browser call (they may unmute)."""

    type: Literal["mute_audio"]
    participant: str = Field(max_length=32)


class DismissReport(_Message):
    """A host dismisses a report: it leaves the list of reports to act on."""

    type: Literal["dismiss_report"]
    id: int = Field(ge=1, le=2**31 - 1)


class CallOffer(_Message):
    """A WebRTC offer for one member of the sender's current group (relayed as is)."""

    type: Literal["call_offer"]
    to: str = Field(min_length=1, max_length=32)
    sdp: str = Field(min_length=1, max_length=MAX_SDP_CHARS)


class CallAnswer(_Message):
    type: Literal["call_answer"]
    to: str = Field(min_length=1, max_length=32)
    sdp: str = Field(min_length=1, max_length=MAX_SDP_CHARS)


class CallCandidate(_Message):
    """One trickled ICE candidate (``candidate`` empty: end of candidates)."""

    type: Literal["call_candidate"]
    to: str = Field(min_length=1, max_length=32)
    candidate: str = Field(max_length=MAX_CANDIDATE_CHARS)
    sdp_mid: str | None = Field(default=None, max_length=64)
    sdp_mline_index: int | None = Field(default=None, ge=0, le=64)


class CallLeave(_Message):
    """The sender hung up on this member (or, without ``to``, on the whole group)."""

    type: Literal["call_leave"]
    to: str | None = Field(default=None, max_length=32)


class Chat(_Message):
    """A line for the sender's current group chat; ``share`` lets it into the harvest."""

    type: Literal["chat"]
    text: str = Field(min_length=1, max_length=MAX_CHAT_CHARS)
    share: bool = False


CALL_SIGNALS = (CallOffer, CallAnswer, CallCandidate)

ParticipantMessage = Annotated[
    Hello
    | Ping
    | CallHelp
    | SitOut
    | Block
    | CallOffer
    | CallAnswer
    | CallCandidate
    | CallLeave
    | Chat,
    Field(discriminator="type"),
]
HostMessage = Annotated[
    Hello
    | Ping
    | StartRound
    | Extend
    | EndRound
    | EndCall
    | Broadcast
    | Move
    | Remove
    | Mute
    | Lock
    | ResolveHelp
    | PreviewMove
    | JoinGroup
    | MuteAudio
    | DismissReport
    | CallOffer
    | CallAnswer
    | CallCandidate
    | CallLeave,
    Field(discriminator="type"),
]
PARTICIPANT_TYPES = frozenset(
    {
        "hello",
        "ping",
        "help",
        "sit_out",
        "block",
        "call_offer",
        "call_answer",
        "call_candidate",
        "call_leave",
        "chat",
    }
)
HOST_TYPES = frozenset(
    {
        "hello",
        "ping",
        "start_round",
        "extend",
        "end_round",
        "end_call",
        "broadcast",
        "move",
        "remove",
        "mute",
        "lock",
        "resolve_help",
        "preview_move",
        "join_group",
        "mute_audio",
        "dismiss_report",
        "call_offer",
        "call_answer",
        "call_candidate",
        "call_leave",
    }
)

_participant = TypeAdapter(ParticipantMessage)
_host = TypeAdapter(HostMessage)


class BadMessage(ValueError):
    """A frame we cannot act on; ``code`` names why for the error reply."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _control(char: str) -> bool:
    return is_control(char) and char not in "\r\n\t"  # SDP and chat lines keep line breaks


def _parse(raw: str | bytes, adapter: TypeAdapter[object], allowed: frozenset[str]) -> object:
    import json

    if len(raw) > MAX_FRAME_BYTES:
        raise BadMessage("too_big", f"frames are limited to {MAX_FRAME_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadMessage("malformed", f"not JSON: {exc}") from None
    except RecursionError:
        # "[[[[...]]]]" within the size limit nests deeper than the decoder recurses (#12).
        raise BadMessage("malformed", "not JSON: nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise BadMessage("malformed", "a message is a JSON object with a string 'type'")
    if any(isinstance(v, str) and any(_control(c) for c in v) for v in data.values()):
        # A NUL cannot even be looked up on PostgreSQL (#26); no field needs a control character.
        raise BadMessage("invalid", "control characters are not allowed")
    if data["type"] not in allowed:
        known = PARTICIPANT_TYPES | HOST_TYPES
        code = "forbidden" if data["type"] in known else "unknown_type"
        raise BadMessage(code, f"message type {data['type']!r} is not accepted here")
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "message"
        raise BadMessage("invalid", f"{where}: {first['msg']}") from None


def parse_participant(raw: str | bytes) -> object:
    return _parse(raw, _participant, PARTICIPANT_TYPES)


def parse_host(raw: str | bytes) -> object:
    return _parse(raw, _host, HOST_TYPES)
