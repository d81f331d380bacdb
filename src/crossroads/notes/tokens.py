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
