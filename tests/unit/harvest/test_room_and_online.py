"""The reflection note's figures for a hybrid call (#32): who was in the room, who online."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crossroads.harvest import HarvestInput, PrivacyMode, RosterEntry, harvest
from crossroads.harvest.markdown import render_markdown

pytestmark = pytest.mark.unit


def _input(in_room: frozenset[str] | None) -> HarvestInput:
    roster = tuple(
        RosterEntry(id=str(i), name=f"Person {i}", languages=("en",), consent_quote=False)
        for i in range(7)
    )
    return HarvestInput(
        title="Assembly",
        privacy_mode=PrivacyMode.NAMED,
        roster=roster,
        in_room=in_room,
        rounds=2,
        groups=6,
        minutes=24,
    )


def test_the_note_splits_people_between_the_room_and_online() -> None:
    # A removed person's id (9) may linger in the venue's list: only the roster counts.
    reflection = harvest(_input(frozenset({"0", "1", "2", "9"})))
    assert (reflection.participation.in_room, reflection.participation.online) == (3, 4)
    text = render_markdown(reflection)
    assert "In the room: 3" in text and "Online: 4" in text


def test_a_call_held_only_online_says_nothing_of_rooms() -> None:
    reflection = harvest(_input(None))
    assert reflection.participation.in_room is None
    assert "In the room" not in render_markdown(reflection)
    assert replace(reflection.participation).online is None
