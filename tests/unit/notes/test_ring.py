"""The ring that picks a notes room's owner agrees with nginx's `hash $uri consistent`."""

from __future__ import annotations

import pytest

from crossroads.notes.ring import owner, room_key

pytestmark = pytest.mark.unit

NODES = ["app1:8000", "app2:8000", "app3:8000"]


def test_ring_owner_matches_what_nginx_chose_for_these_rooms() -> None:
    # Read off Debian's nginx 1.22 with this upstream (tests/integration/test_nginx.py
    # checks many more against a running nginx wherever one is installed).
    rooms = {"abc": "app3:8000", "room1": "app1:8000", "xyz": "app2:8000"}

    chosen = {room: owner(room_key(room), NODES) for room in rooms}

    assert chosen == rooms


def test_ring_moves_only_the_rooms_of_a_node_that_is_gone() -> None:
    rooms = [f"room-{i}" for i in range(500)]
    before = {r: owner(room_key(r), NODES) for r in rooms}

    after = {r: owner(room_key(r), NODES[:2]) for r in rooms}

    moved = {r for r in rooms if before[r] != after[r]}
    assert moved == {r for r in rooms if before[r] == "app3:8000"}
    assert set(before.values()) == set(NODES)


def test_ring_owner_of_no_nodes_is_none() -> None:
    assert owner(room_key("abc"), []) is None
