"""Short-lived tokens for the notes socket (its URL carries them: y-websocket's ``params``).

``<who>.<expires>.<signature>``, signed with the server's secret over the room too, so a
token for one convening's notes opens no other room. ``who`` is ``p<id>`` for a participant,
``h<id>`` for a host.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

TOKEN_SECONDS = 12 * 3600


@dataclass(frozen=True, slots=True)
class NotesPass:
    who: str
    room: str


def _sign(secret: str, who: str, room: str, expires: int) -> str:
    message = f"notes:{room}:{who}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def mint(secret: str, who: str, room: str, *, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + TOKEN_SECONDS)
    return f"{who}.{expires}.{_sign(secret, who, room, expires)}"


def verify(secret: str, token: str, room: str, *, now: float | None = None) -> NotesPass | None:
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    who, expires_text, signature = parts
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        return None
    if not hmac.compare_digest(signature, _sign(secret, who, room, expires)):
        return None
    return NotesPass(who=who, room=room)


# --- node to node ---------------------------------------------------------------------------

PEER_SECONDS = 60


def _sign_peer(secret: str, node: str, room: str, expires: int) -> str:
    message = f"peer:{room}:{node}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def mint_peer(secret: str, node: str, room: str, *, now: float | None = None) -> str:
    """A pass a node sends when it hands a client on to the room's owner (notes/proxy.py):
    ``<node>.<expires>.<signature>``. Only holders of the shared secret can make one, so the
    owner believes the node's forwarded Host, and never passes the client on again, only
    on its strength: an address on the internal network proves nothing."""
    expires = int((now if now is not None else time.time()) + PEER_SECONDS)
    return f"{node}.{expires}.{_sign_peer(secret, node, room, expires)}"


def verify_peer(secret: str, value: str, room: str, *, now: float | None = None) -> str | None:
    """The node id of a valid pass for this room, else None."""
    node, _dot, rest = value.rpartition(".")
    node, _dot, expires_text = node.rpartition(".")
    if not node or not expires_text.isdigit():
        return None
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        return None
    if not hmac.compare_digest(rest, _sign_peer(secret, node, room, expires)):
        return None
    return node
