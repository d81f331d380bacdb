"""Every WebSocket close code our sockets send, with what it means: the one table.

The live socket (live/, web/routers/live.py), the notes socket (notes/, web/routers/notes.py)
and the notes proxy between nodes close with these and nothing else, so a code means the same
on every socket and a client can act on it. 1000-1015 are the protocol's own (RFC 6455,
section 7.4.1); 4000-4999 are for applications, and ours mirror HTTP's status codes. A reader's
version of this table: docs/live-protocol.md, "Close codes" (tests/unit/test_close_codes.py
keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_UNAVAILABLE = 1011
CLOSE_RESTARTING = 1012
CLOSE_TRY_AGAIN = 1013
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_REMOVED = 4410
CLOSE_CUT_OFF = 4422
CLOSE_MUTED = 4423
CLOSE_UNMUTED = 4424
CLOSE_TOO_MANY_SOCKETS = 4429


@dataclass(frozen=True)
class CloseCode:
    code: int
    name: str
    sockets: str  # "live", "notes" or "both"
    meaning: str
    client: str  # what the client does on receiving it


TABLE: tuple[CloseCode, ...] = (
    CloseCode(
        CLOSE_NORMAL,
        "normal",
        "notes",
        "the server ends a connection it has finished with",
        "reconnects if it still wants the room",
    ),
    CloseCode(
        CLOSE_GOING_AWAY,
        "going away",
        "both",
        "the server is shutting down",
        "reconnects with backoff",
    ),
    CloseCode(
        CLOSE_UNSUPPORTED,
        "unsupported",
        "notes",
        "a text frame on the binary notes protocol",
        "nothing: a bug in the client",
    ),
    CloseCode(
        CLOSE_INVALID,
        "invalid",
        "notes",
        "a malformed message, or an update the CRDT refuses (the reason says which)",
        "reconnects and resyncs",
    ),
    CloseCode(
        CLOSE_POLICY,
        "policy",
        "notes",
        "presence (awareness) out of bounds: too many clients or too large a state",
        "reconnects",
    ),
    CloseCode(
        CLOSE_TOO_BIG, "too big", "both", "a frame over the socket's size limit", "reconnects"
    ),
    CloseCode(
        CLOSE_UNAVAILABLE,
        "unavailable",
        "notes",
        "the database did not take the room's updates in time",
        "reconnects and resends what was not acknowledged",
    ),
    CloseCode(
        CLOSE_RESTARTING,
        "restarting",
        "notes",
        "the room moved to another node, or this node restarts after a CRDT panic",
        "reconnects and resends; lands on the new owner",
    ),
    CloseCode(
        CLOSE_TRY_AGAIN,
        "try again",
        "both",
        "the client reads too slowly (its queue is full), or the room is between owners",
        "reconnects with backoff and resyncs",
    ),
    CloseCode(
        CLOSE_NOT_AUTHENTICATED,
        "not authenticated",
        "both",
        "no session, or no valid notes token for this room",
        "asks the person to join or log in",
    ),
    CloseCode(
        CLOSE_FORBIDDEN,
        "forbidden",
        "both",
        "the Origin is not our site, or a bad peer pass between nodes",
        "stops",
    ),
    CloseCode(
        CLOSE_NOT_FOUND,
        "not found",
        "live",
        "not your convening (ids are scoped to the requester's convening)",
        "stops",
    ),
    CloseCode(
        CLOSE_REMOVED,
        "removed",
        "both",
        "a host removed this person from the call; they cannot rejoin",
        "stops",
    ),
    CloseCode(
        CLOSE_CUT_OFF,
        "cut off",
        "notes",
        "this connection's update made the CRDT engine panic; the person is muted",
        "reconnects read-only until a host unmutes",
    ),
    CloseCode(
        CLOSE_MUTED,
        "muted",
        "notes",
        "a host muted this person; their edits are dropped",
        "reconnects read-only",
    ),
    CloseCode(
        CLOSE_UNMUTED, "unmuted", "notes", "a host unmuted this person", "reconnects writable"
    ),
    CloseCode(
        CLOSE_TOO_MANY_SOCKETS,
        "too many sockets",
        "both",
        "this person already holds `CROSSROADS_MAX_SOCKETS_PER_PERSON` (8) live sockets, or 8 "
        "notes sockets, on this node",
        "reconnects with its usual back-off and gets in once another tab closes",
    ),
)

BY_CODE = {row.code: row for row in TABLE}
