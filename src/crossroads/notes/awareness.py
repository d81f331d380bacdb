"""Awareness (presence, cursors) within bounds (issue #26).

Unbounded, one connection could set 10,000 presence entries and then ask for all of them
a thousand times a frame (244 MB out for 20 KB in), or park 1 MB states that every newcomer
is sent, or a ``NaN`` that makes every browser's ``JSON.parse`` throw. So:

- a connection owns at most ``MAX_CLIENTS`` client ids (a tab has one; a reconnect keeps it);
- a state is at most ``MAX_STATE_BYTES`` of strict JSON (``NaN``/``Infinity`` refused, in
  protocol.py, since ``JSON.parse`` rejects them);
- a frame carries at most ``MAX_ENTRIES`` entries (protocol.py);
- awareness queries: a burst of ``QUERY_BURST``, then ``QUERIES_PER_SECOND``;
- only the connection that owns a client id changes or removes its entry. y-websocket clients
  echo every state they receive (their update handler does not filter by origin): an echo
  of someone else's entry is dropped, not relayed again, and does not move its ownership.

Breaking a bound closes the connection with 1008 (policy violation) and a specific reason;
the client's own y-websocket reconnects and behaves (docs/notes-protocol.md).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from crossroads.notes.protocol import AwarenessEntry

MAX_CLIENTS = 4
MAX_STATE_BYTES = 4096
QUERY_BURST = 5
QUERIES_PER_SECOND = 1.0


class AwarenessAbuse(Exception):
    """A connection broke a bound: closed with close_codes.CLOSE_POLICY and this reason."""


class Owner(Protocol):
    @property
    def closed(self) -> bool: ...


@dataclass
class QueryBudget:
    """A token bucket of awareness queries for one connection."""

    tokens: float = QUERY_BURST
    at: float = field(default_factory=lambda: time.monotonic())

    def take(self) -> None:
        now = time.monotonic()
        self.tokens = min(QUERY_BURST, self.tokens + (now - self.at) * QUERIES_PER_SECOND)
        self.at = now
        if self.tokens < 1:
            raise AwarenessAbuse("too many awareness queries")
        self.tokens -= 1


def admit(
    entries: list[AwarenessEntry],
    sender: Owner,
    owned: set[int],
    owner: Mapping[int, Owner],
    current: Mapping[int, AwarenessEntry],
) -> list[AwarenessEntry]:
    """The entries ``sender`` may set (to apply and relay); ``AwarenessAbuse`` if it broke a
    bound. ``owned`` are its client ids, ``owner`` and ``current`` the room's."""
    admitted = []
    claims = set(owned)
    for entry in entries:
        if len(entry.state) > MAX_STATE_BYTES:
            raise AwarenessAbuse(f"awareness states are limited to {MAX_STATE_BYTES} bytes")
        holder = owner.get(entry.client_id)
        if holder is not None and holder is not sender and not holder.closed:
            continue  # someone else's entry (an echo): theirs to change
        known = current.get(entry.client_id)
        if known is not None and known.clock > entry.clock:
            continue  # older than what the room has
        if entry.state == b"null":
            if entry.client_id in claims:
                admitted.append(entry)
            continue  # removing what nobody here has: nothing to tell anyone
        if entry.client_id not in claims:
            if len(claims) >= MAX_CLIENTS:
                raise AwarenessAbuse(
                    f"a connection may show at most {MAX_CLIENTS} awareness clients"
                )
            claims.add(entry.client_id)
        admitted.append(entry)
    return admitted
