"""Whom a call message reaches (convenings/call_relay.py): never anyone outside the sender's
group, a hang-up reaches the whole group and the visiting host, a host reaches only the group
they joined."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.convenings.call_relay import (
    CallMessage,
    host_hang_up,
    route_host_signal,
    route_signal,
)
from crossroads.convenings.errors import NotInGroup
from crossroads.convenings.help_desk import HOST_PEER, Visit
from crossroads.convenings.live_state import LiveSnapshot
from crossroads.live import protocol
from crossroads.live.replies import Relay
from crossroads.store.records import PrivacyMode
from tests.unit.convenings.test_live_views import GRACE, NOW, _group, _person, _state

pytestmark = pytest.mark.unit

# Moments of the round (it runs ten minutes from NOW): running, wrapping up, over.
MOMENTS = (timedelta(0), timedelta(minutes=10, seconds=30), timedelta(minutes=30))


def _offer(to: str) -> protocol.CallOffer:
    return protocol.CallOffer(type="call_offer", to=to, sdp="v=0")


@st.composite
def _calls(draw: st.DrawFn) -> tuple[LiveSnapshot, int, CallMessage, timedelta]:
    """A call in some state: people 1..n in groups (some away, some in no group), a sender,
    and a message addressed to a member, someone else, the host, a stranger or nobody."""
    n = draw(st.integers(min_value=1, max_value=8))
    people = [_person(i, f"P{i}") for i in range(1, n + 1)]
    seats = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))  # 0: no group
    away = frozenset(draw(st.sets(st.integers(1, n))))
    groups = tuple(
        _group(g, tuple(i for i, s in enumerate(seats, 1) if s == g), away)
        for g in sorted(set(seats) - {0})
    )
    state = _state(people, groups, PrivacyMode.NAMED)
    if draw(st.booleans()):
        state = dataclasses.replace(state, run=None, round=None)  # the lobby: no group talks
    sender = draw(st.integers(1, n))
    to = draw(
        st.one_of(
            st.none(),
            st.just(HOST_PEER),
            st.just("stranger"),
            st.integers(1, n).map(lambda i: f"pub{i}"),
        )
    )
    message: CallMessage
    if to is None or draw(st.booleans()):
        message = protocol.CallLeave(type="call_leave", to=to)
    else:
        message = _offer(to)
    return state, sender, message, draw(st.sampled_from(MOMENTS))


def _talking(state: LiveSnapshot, sender: int) -> tuple[int, frozenset[int]] | None:
    """The sender's group number and its present members, if their group is talking."""
    if state.run is None:
        return None
    group = state.group_of(sender)
    if group is None or sender in group.away:
        return None
    return group.number, frozenset(group.present)


@given(_calls())
def test_a_call_message_never_reaches_anyone_outside_the_senders_group(
    call: tuple[LiveSnapshot, int, CallMessage, timedelta],
) -> None:
    state, sender, message, moment = call
    talking = _talking(state, sender)
    try:
        relays = route_signal(state, sender, message, now=NOW + moment, grace=GRACE)
    except NotInGroup:
        # Refused only when addressed to someone the sender may not reach.
        assert message.to is not None
        if message.to == HOST_PEER:
            assert talking is None
        else:
            assert talking is None or message.to not in {f"pub{m}" for m in talking[1] - {sender}}
        return
    if talking is None:
        assert relays == []  # a hang-up outside any group reaches nobody
        return
    number, present = talking
    for relay in relays:
        assert relay.to <= present - {sender}
        assert relay.message["from"] == f"pub{sender}"
        if relay.hosts:
            assert relay.message["group"] == number


@given(_calls())
def test_a_hang_up_without_to_reaches_the_whole_group_and_the_visiting_host(
    call: tuple[LiveSnapshot, int, CallMessage, timedelta],
) -> None:
    state, sender, _message, moment = call
    talking = _talking(state, sender)
    leave = protocol.CallLeave(type="call_leave")
    relays = route_signal(state, sender, leave, now=NOW + moment, grace=GRACE)
    if talking is None:
        assert relays == []
        return
    number, present = talking
    people = frozenset().union(*(r.to for r in relays))
    assert people == present - {sender}
    assert [r.message for r in relays if r.hosts] == [
        {"v": 1, "type": "call_leave", "from": f"pub{sender}", "group": number}
    ]
    assert all(r.message["type"] == "call_leave" for r in relays)


def test_an_offer_to_a_partner_is_relayed_as_sent_with_who_sent_it() -> None:
    state = _state(
        [_person(1, "Ana"), _person(2, "Bilal")], (_group(1, (1, 2)),), PrivacyMode.NAMED
    )
    relays = route_signal(state, 1, _offer("pub2"), now=NOW, grace=GRACE)
    assert relays == [
        Relay.people([2], {"v": 1, "type": "call_offer", "sdp": "v=0", "from": "pub1"})
    ]


def test_an_offer_to_the_host_carries_the_group_for_the_hosts_console() -> None:
    state = _state(
        [_person(1, "Ana"), _person(2, "Bilal")], (_group(3, (1, 2)),), PrivacyMode.NAMED
    )
    relays = route_signal(state, 2, _offer(HOST_PEER), now=NOW, grace=GRACE)
    message = {"v": 1, "type": "call_offer", "sdp": "v=0", "from": "pub2", "group": 3}
    assert relays == [Relay.host_consoles(message)]


def test_a_host_reaches_only_the_members_of_the_group_they_joined() -> None:
    ana, bilal = _person(1, "Ana"), _person(2, "Bilal")
    visit = Visit(help_id=1, caller_id=1, run_id=1, group_number=1, members=(ana,), call={})
    assert route_host_signal(visit, _offer("pub1")) == Relay.people(
        [1], {"v": 1, "type": "call_offer", "sdp": "v=0", "from": HOST_PEER}
    )
    with pytest.raises(NotInGroup):
        route_host_signal(visit, _offer(bilal.public_id))
    with pytest.raises(NotInGroup):
        route_host_signal(None, _offer("pub1"))
    assert host_hang_up(visit) == [
        Relay.people([1], {"v": 1, "type": "host_left", "from": HOST_PEER})
    ]
    assert host_hang_up(None) == []
