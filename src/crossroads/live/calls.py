"""Where a group talks: ICE servers for built-in calls, Jitsi rooms, Zoom room names.

Pure functions of their arguments (secrets, ids, the time): no settings, no clock, no I/O, so
each is tested against known values. See #7 and docs/turn.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import quote

import jwt


class CallMode(StrEnum):
    BUILTIN = "builtin"
    JITSI = "jitsi"
    EXTERNAL = "external"


@dataclass(frozen=True, slots=True)
class TurnCredential:
    username: str
    credential: str


def turn_credential(secret: str, *, user: str, expires_at: datetime) -> TurnCredential:
    """coturn's REST API credential (``use-auth-secret``): the username is
    ``<expiry unix time>:<user>`` and the password base64(HMAC-SHA1(secret, username)).

    >>> from datetime import UTC
    >>> turn_credential("north-star", user="p-ana",
    ...                 expires_at=datetime.fromtimestamp(1700003600, UTC)).credential
    'zLZYj7gC7+tmKfvdCeYgAiVHl9Y='
    """
    if ":" in user:
        raise ValueError(f"a TURN user id may not contain ':' (got {user!r})")
    username = f"{int(expires_at.timestamp())}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username=username, credential=base64.b64encode(digest).decode())


def split_urls(text: str) -> list[str]:
    """``"stun:a:3478, stun:b"`` -> ``["stun:a:3478", "stun:b"]`` (blanks dropped)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def ice_servers(
    *,
    stun_urls: list[str],
    turn_urls: list[str],
    turn_secret: str | None,
    user: str,
    now: datetime,
    ttl: timedelta,
) -> list[dict[str, object]]:
    """RTCIceServer dicts for one person; TURN only when both its URLs and secret are set.

    Empty on loopback and in tests: host candidates connect two browsers on one machine.
    """
    servers: list[dict[str, object]] = []
    if stun_urls:
        servers.append({"urls": stun_urls})
    if turn_urls and turn_secret:
        cred = turn_credential(turn_secret, user=user, expires_at=now + ttl)
        servers.append(
            {"urls": turn_urls, "username": cred.username, "credential": cred.credential}
        )
    return servers


# 25 bytes = 200 bits of HMAC output, 40 base32 characters: far beyond guessing (>= 128 bits).
ROOM_BYTES = 25


def jitsi_room(secret: str, *, convening: str, run: int, group: int) -> str:
    """An unguessable room name, the same for every member of one group in one round and
    different for every other group or round: base32 of HMAC-SHA256(secret, ids), lower case.

    >>> len(jitsi_room("s", convening="abc", run=1, group=2))
    40
    """
    message = f"crossroads-jitsi:{convening}:{run}:{group}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:ROOM_BYTES]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def jitsi_url(base_url: str, room: str, token: str | None = None) -> str:
    url = f"{base_url.rstrip('/')}/{quote(room)}"
    return f"{url}?jwt={token}" if token else url


def jitsi_token(
    *,
    app_id: str,
    app_secret: str,
    server_url: str,
    room: str,
    name: str,
    now: datetime,
    ttl: timedelta,
) -> str:
    """A JWT for Jitsi's token authentication (prosody ``token`` auth: ``iss`` is the app id,
    ``sub`` the server's domain, ``room`` the one room it opens), signed HS256."""
    domain = server_url.split("://", 1)[-1].split("/", 1)[0]
    claims = {
        "aud": "jitsi",
        "iss": app_id,
        "sub": domain,
        "room": room,
        "nbf": int(now.timestamp()) - 60,
        "exp": int((now + ttl).timestamp()),
        "context": {"user": {"name": name}},
    }
    return jwt.encode(claims, app_secret, algorithm="HS256")


# Zoom's breakout pre-assignment CSV header, exactly (also used by `crossroads pair`).
ZOOM_HEADER = ("Pre-assign Room Name", "Email Address")


def zoom_room_name(run_number: int, group_number: int) -> str:
    """The breakout room a group is pre-assigned to in Zoom, e.g. ``Round 2 - Room 7`` (the
    same names as the offline `crossroads pair --format zoom`)."""
    return f"Round {run_number} - Room {group_number}"
