"""The y-websocket wire protocol, read defensively, plus our acknowledgement message.

Frames are binary; integers are lib0 varUints, byte arrays a varUint length then the bytes.
One frame may hold several messages. We decode with explicit bounds so that random bytes,
truncated varints and lying lengths raise ``FrameError`` (the connection is closed with
1007) instead of reaching the CRDT.

    00 00 <sv>       sync step 1 (state vector)
    00 01 <update>   sync step 2
    00 02 <update>   update
    01 <awareness>   awareness
    02 00 <reason>   permission denied (we send it when an update touches a locked section)
    03               query awareness
    64 <n>           ours: the server committed the sender's first n updates (see
                     docs/notes-protocol.md); clients that do not know it ignore it
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SYNC = 0
AWARENESS = 1
AUTH = 2
QUERY_AWARENESS = 3
ACK = 100

STEP1 = 0
STEP2 = 1
UPDATE = 2

MAX_VARUINT_BYTES = 8
# Awareness entries in one message: a room's worth (a y-websocket client echoes all it hears).
MAX_AWARENESS_ENTRIES = 1000


class FrameError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Message:
    kind: int  # SYNC, AWARENESS, QUERY_AWARENESS
    step: int | None  # for SYNC: STEP1, STEP2 or UPDATE
    payload: bytes


def read_varuint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    shift = 0
    for count in range(MAX_VARUINT_BYTES):
        if pos >= len(data):
            raise FrameError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if count == MAX_VARUINT_BYTES - 1:
            break
    raise FrameError("varint too long")


def read_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = read_varuint(data, pos)
    end = pos + length
    if end > len(data):
        raise FrameError("length runs past the end of the frame")
    return data[pos:end], end


def write_varuint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def write_bytes(payload: bytes) -> bytes:
    return write_varuint(len(payload)) + payload


def parse_frame(frame: bytes) -> list[Message]:
    if not frame:
        raise FrameError("empty frame")
    messages: list[Message] = []
    pos = 0
    while pos < len(frame):
        kind, pos = read_varuint(frame, pos)
        if kind == SYNC:
            step, pos = read_varuint(frame, pos)
            if step not in (STEP1, STEP2, UPDATE):
                raise FrameError(f"unknown sync step {step}")
            payload, pos = read_bytes(frame, pos)
            messages.append(Message(SYNC, step, payload))
        elif kind == AWARENESS:
            payload, pos = read_bytes(frame, pos)
            messages.append(Message(AWARENESS, None, payload))
        elif kind == QUERY_AWARENESS:
            messages.append(Message(QUERY_AWARENESS, None, b""))
        else:
            raise FrameError(f"unknown message type {kind}")
    return messages


def sync_message(step: int, payload: bytes) -> bytes:
    return bytes([SYNC]) + write_varuint(step) + write_bytes(payload)


def awareness_message(payload: bytes) -> bytes:
    return bytes([AWARENESS]) + write_bytes(payload)


def permission_denied_message(reason: str) -> bytes:
    """y-protocols' auth message (``02 00 <reason>``): the JS client logs it and carries on."""
    return bytes([AUTH, 0]) + write_bytes(reason.encode())


def ack_message(count: int) -> bytes:
    return write_varuint(ACK) + write_varuint(count)


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: bytes  # JSON text; "null" means the client left


def parse_awareness(payload: bytes) -> list[AwarenessEntry]:
    count, pos = read_varuint(payload, 0)
    if count > MAX_AWARENESS_ENTRIES:
        raise FrameError("too many awareness entries")
    entries = []
    for _ in range(count):
        client_id, pos = read_varuint(payload, pos)
        clock, pos = read_varuint(payload, pos)
        state, pos = read_bytes(payload, pos)
        _check_state(state)
        entries.append(AwarenessEntry(client_id, clock, state))
    if pos != len(payload):
        raise FrameError("trailing bytes after awareness entries")
    return entries


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _check_state(state: bytes) -> None:
    """Every browser in the room runs ``JSON.parse`` on a relayed state: one that is not JSON
    would throw in all of them, so it is refused here, before it is relayed (#12). Python's
    json takes NaN and Infinity, which ``JSON.parse`` does not: refused too (#26)."""
    try:
        value = json.loads(state.decode("utf-8"), parse_constant=_not_json)
    except (ValueError, RecursionError) as exc:
        raise FrameError("awareness state is not JSON") from exc
    cursor = value.get("cursor") if isinstance(value, dict) else None
    # y-codemirror skips a cursor without both ends; with both, it resolves them (see _position)
    if (
        isinstance(cursor, dict)
        and cursor.get("anchor") is not None
        and cursor.get("head") is not None
        and not (_position(cursor["anchor"]) and _position(cursor["head"]))
    ):
        raise FrameError("awareness cursor is not a Yjs relative position")


def _id(value: object) -> bool:
    return value is None or (
        isinstance(value, dict)
        and all(type(value.get(k)) is int and value[k] >= 0 for k in ("client", "clock"))
    )


def _position(value: object) -> bool:
    """A Yjs RelativePosition as ``JSON.stringify`` writes it, which y-codemirror hands to
    ``createAbsolutePositionFromRelativePosition`` in every other browser: a missing ``item``,
    an id without a number clock, or no item, name or type at all throws there, and CodeMirror
    then drops the remote-cursor plugin for the page (#26)."""
    if not isinstance(value, dict) or not all(k in value for k in ("item", "tname", "type")):
        return False
    item, tname, kind = value["item"], value["tname"], value["type"]
    assoc = value.get("assoc", 0)
    return (
        _id(item)
        and _id(kind)
        and (tname is None or isinstance(tname, str))
        and type(assoc) is int
        and (item is not None or tname is not None or kind is not None)
    )


def encode_awareness(entries: list[AwarenessEntry]) -> bytes:
    out = bytearray(write_varuint(len(entries)))
    for entry in entries:
        out += write_varuint(entry.client_id) + write_varuint(entry.clock)
        out += write_bytes(entry.state)
    return bytes(out)
