"""Commit, then publish (live/publisher.py), and the wire format of typed events.

The hub and the notes control are stood in for by recorders of what they were asked: these
tests are about the order and the content of the publisher's calls, not about sockets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.close_codes import CLOSE_MUTED, CLOSE_REMOVED, CLOSE_UNMUTED
from crossroads.live import events as ev
from crossroads.live.publisher import Events, Publisher

pytestmark = pytest.mark.unit


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[Any, ...]] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[str]:
        self.lines.append(("begin",))
        yield "tx"
        self.lines.append(("commit",))

    async def publish(self, convening_id: int, event: dict[str, Any], state: Any = None) -> None:
        self.lines.append(("publish", convening_id, event, state))

    async def close_participant(
        self, convening_id: int, participant_id: int, code: int, reason: str = ""
    ) -> None:
        self.lines.append(("close_live", convening_id, participant_id, code))

    async def close_author(self, room: str, author: str, code: int, reason: str = "") -> None:
        self.lines.append(("close_notes", room, author, code, reason))


async def test_events_are_published_after_the_commit_in_the_order_recorded() -> None:
    log = Log()
    publisher = Publisher(log)
    async with publisher.unit(log.transaction()) as unit:
        assert unit.tx == "tx"
        unit.record(ev.RoundExtended(7, 3))
        unit.record(ev.MessageSent(7, 4, text="hello"))
        assert [line[0] for line in log.lines] == ["begin"]  # nothing announced yet
    assert log.lines == [
        ("begin",),
        ("commit",),
        ("publish", 7, {"kind": "round_changed", "seq": 3}, None),
        ("publish", 7, {"kind": "broadcast", "seq": 4, "participants": [], "text": "hello"}, None),
    ]


async def test_a_unit_that_fails_announces_nothing() -> None:
    log = Log()
    publisher = Publisher(log)
    with pytest.raises(RuntimeError):
        async with publisher.unit(log.transaction()) as unit:
            unit.record(ev.CallEnded(7, 3))
            raise RuntimeError("refused")
    assert [line[0] for line in log.lines] == ["begin"]


async def test_a_started_round_hands_its_state_to_the_hub() -> None:
    log = Log()
    state = object()
    await Publisher(log).publish(ev.RoundStarted(7, 9, state=state))
    assert log.lines == [("publish", 7, {"kind": "round_started", "seq": 9}, state)]


async def test_a_removal_closes_the_persons_live_and_notes_sockets_after_announcing_it() -> None:
    log = Log()
    await Publisher(log, notes=log).publish(ev.PersonRemoved(7, 9, 42, "abc"))
    assert log.lines == [
        ("publish", 7, {"kind": "removed", "seq": 9}, None),
        ("close_live", 7, 42, CLOSE_REMOVED),
        ("close_notes", "abc", "p42", CLOSE_REMOVED, "removed by the host"),
    ]


@pytest.mark.parametrize(
    ("muted", "code", "reason"),
    [(True, CLOSE_MUTED, "muted by the host"), (False, CLOSE_UNMUTED, "unmuted by the host")],
)
async def test_a_mute_closes_the_persons_notes_sockets(muted: bool, code: int, reason: str) -> None:
    log = Log()
    publisher = Publisher(log)
    publisher.attach_notes(log)
    await publisher.publish(ev.PersonMuted(7, 9, 42, muted, "abc"))
    assert log.lines == [
        ("publish", 7, {"kind": "muted", "seq": 9, "participants": [42]}, None),
        ("close_notes", "abc", "p42", code, reason),
    ]


async def test_without_sockets_the_events_are_kept() -> None:
    log = Log()
    events = Events()
    async with events.unit(log.transaction()) as unit:
        unit.record(ev.HelpCalled(7, 3))
    assert events.published == [ev.HelpCalled(7, 3)]


class BusAway(Log):
    """A hub whose bus fails every announcement (Redis gone, or any other fault)."""

    async def publish(self, convening_id: int, event: dict[str, Any], state: Any = None) -> None:
        raise ConnectionError("bus away")


async def test_a_best_effort_event_the_bus_cannot_take_leaves_the_change_standing() -> None:
    log = BusAway()
    publisher = Publisher(log)
    async with publisher.unit(log.transaction()) as unit:
        unit.record(ev.AgendaChanged(7))
        unit.record(ev.AgendaChanged(8))
    assert log.lines == [("begin",), ("commit",)]  # committed; the caller sees no error


async def test_any_other_event_the_bus_cannot_take_reaches_the_caller() -> None:
    log = BusAway()
    with pytest.raises(ConnectionError):
        async with Publisher(log).unit(log.transaction()) as unit:
            unit.record(ev.RoundExtended(7, 3))


# The wire format other nodes read: the string kinds and fields the typed events replaced.
WIRE: list[tuple[ev.LiveEvent, dict[str, Any]]] = [
    (ev.RoundStarted(1, 2), {"kind": "round_started", "seq": 2}),
    (ev.RoundExtended(1, 2), {"kind": "round_changed", "seq": 2}),
    (ev.RoundEnded(1, 2), {"kind": "round_changed", "seq": 2}),
    (ev.CallEnded(1, 2), {"kind": "call_ended", "seq": 2}),
    (
        ev.MessageSent(1, 2, text="hi"),
        {"kind": "broadcast", "seq": 2, "participants": [], "text": "hi"},
    ),
    (ev.HelpCalled(1, 2), {"kind": "help", "seq": 2, "participants": []}),
    (ev.HelpResolved(1, 2), {"kind": "help", "seq": 2, "participants": []}),
    (ev.SittingOutChanged(1, 2, 5), {"kind": "sitting_out", "seq": 2, "participants": [5]}),
    (
        ev.PersonReturned(1, 2, frozenset({6, 5})),
        {"kind": "returned", "seq": 2, "participants": [5, 6]},
    ),
    (ev.PersonArrived(1, 2, frozenset({5})), {"kind": "placed", "seq": 2, "participants": [5]}),
    (ev.PersonLeft(1, 2, frozenset({5})), {"kind": "away", "seq": 2, "participants": [5]}),
    (ev.PartnerReplaced(1, 2, frozenset({5})), {"kind": "repaired", "seq": 2, "participants": [5]}),
    (ev.PersonMoved(1, 2, frozenset({5})), {"kind": "moved", "seq": 2, "participants": [5]}),
    (ev.PersonBlocked(1, 2, frozenset({5})), {"kind": "blocked", "seq": 2, "participants": [5]}),
    (ev.PersonRemoved(1, 2, 5, "c"), {"kind": "removed", "seq": 2}),
    (ev.PersonReported(1, 2), {"kind": "reported", "seq": 2, "participants": []}),
    (ev.ReportDismissed(1, 2), {"kind": "reported", "seq": 2, "participants": []}),
    (ev.PersonMuted(1, 2, 5, True, "c"), {"kind": "muted", "seq": 2, "participants": [5]}),
    (ev.ConveningLocked(1, 2, locked=True), {"kind": "locked", "seq": 2, "participants": []}),
    (ev.AgendaChanged(1), {"kind": "resync"}),
]


@pytest.mark.parametrize(("event", "wire"), WIRE, ids=[type(e).__name__ for e, _ in WIRE])
def test_each_event_keeps_the_wire_format_of_its_kind(
    event: ev.LiveEvent, wire: dict[str, Any]
) -> None:
    assert event.bus_message() == wire


def test_every_kind_of_event_is_covered_above() -> None:
    kinds = {
        cls
        for cls in vars(ev).values()
        if isinstance(cls, type) and issubclass(cls, ev.LiveEvent) and "kind" in vars(cls)
    }
    assert kinds == {type(e) for e, _ in WIRE}


@given(
    st.integers(min_value=1, max_value=2**31),
    st.integers(min_value=0, max_value=2**31),
    st.frozensets(st.integers(min_value=1, max_value=2**31), max_size=20),
)
def test_the_participants_of_an_event_travel_sorted_and_complete(
    convening_id: int, seq: int, touched: frozenset[int]
) -> None:
    message = ev.PersonMoved(convening_id, seq, touched).bus_message()
    assert message == {"kind": "moved", "seq": seq, "participants": sorted(touched)}
