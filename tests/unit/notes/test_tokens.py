"""Peer passes: what one node shows another when it hands a notes client on (#11)."""

from __future__ import annotations

import pytest

from crossroads.notes.tokens import PEER_SECONDS, mint_peer, verify_peer

pytestmark = pytest.mark.unit

SECRET = "a-secret-only-the-nodes-share-0123456789"
NOW = 1_900_000_000.0


def test_peer_pass_names_the_node_that_made_it() -> None:
    value = mint_peer(SECRET, "app1:8000", "room-a", now=NOW)

    assert verify_peer(SECRET, value, "room-a", now=NOW + PEER_SECONDS - 1) == "app1:8000"


@pytest.mark.parametrize(
    ("secret", "room", "at"),
    [
        ("another-secret-entirely-0123456789", "room-a", NOW),  # not made with our secret
        (SECRET, "room-b", NOW),  # made for another room
        (SECRET, "room-a", NOW + PEER_SECONDS + 1),  # expired
    ],
)
def test_peer_pass_is_refused_when_forged_misused_or_old(secret: str, room: str, at: float) -> None:
    value = mint_peer(secret, "app1:8000", "room-a", now=NOW)

    assert verify_peer(SECRET, value, room, now=at) is None


@pytest.mark.parametrize("value", ["", "app1", "app1.x.y", "..", "app1:8000.123"])
def test_peer_pass_that_is_malformed_is_refused(value: str) -> None:
    assert verify_peer(SECRET, value, "room-a", now=NOW) is None
