"""Short-lived tokens for the notes socket (its URL carries them: y-websocket's ``params``).

``<who>.<expires>.<signature>``, signed with the server's secret over the room too, so a
token for one convening's notes opens no other room. ``who`` is ``p<id>`` for a participant,
``h<id>`` for a host.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossroads import signing

TOKEN_SECONDS = 12 * 3600


@dataclass(frozen=True, slots=True)
class NotesPass:
    who: str
    room: str


def mint(secret: str, who: str, room: str, *, now: float | None = None) -> str:
    return signing.mint_expiring(secret, "notes", who, room, seconds=TOKEN_SECONDS, now=now)


def verify(secret: str, token: str, room: str, *, now: float | None = None) -> NotesPass | None:
    who = signing.verify_expiring(secret, "notes", token, room, now=now)
    return None if who is None else NotesPass(who=who, room=room)


# --- node to node ---------------------------------------------------------------------------

PEER_SECONDS = 60


def mint_peer(secret: str, node: str, room: str, *, now: float | None = None) -> str:
    """A pass a node sends when it hands a client on to the room's owner (notes/proxy.py):
    ``<node>.<expires>.<signature>``. Only holders of the shared secret can make one, so the
    owner believes the node's forwarded Host, and never passes the client on again, only
    on its strength: an address on the internal network proves nothing."""
    return signing.mint_expiring(secret, "peer", node, room, seconds=PEER_SECONDS, now=now)


def verify_peer(secret: str, value: str, room: str, *, now: float | None = None) -> str | None:
    """The node id of a valid pass for this room, else None."""
    return signing.verify_expiring(secret, "peer", value, room, now=now)
