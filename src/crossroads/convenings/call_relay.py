"""Whom a call message reaches (#7, #29): the one decision behind every relayed offer, answer,
candidate and hang-up, kept out of the socket router.

Pure functions of the live state: given who sent what, they return ``Relay``s (live/replies.py)
for the hub to deliver, or raise ``NotInGroup``. A participant reaches only the other present
members of the group they talk with now (``calls.talking_group``) and, while a host visits
that group after a call for help, the host (``help_desk.HOST_PEER``); a visiting host reaches
only the members of the group they joined.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crossroads.convenings.calls import signal_target, talking_group
from crossroads.convenings.errors import NotInGroup
from crossroads.convenings.help_desk import HOST_PEER, Visit
from crossroads.convenings.live_state import LiveSnapshot
from crossroads.live import protocol, replies
from crossroads.live.replies import Relay

CallMessage = protocol.CallOffer | protocol.CallAnswer | protocol.CallCandidate | protocol.CallLeave


def route_signal(
    state: LiveSnapshot,
    sender_id: int,
    message: CallMessage,
    *,
    now: datetime,
    grace: timedelta,
) -> list[Relay]:
    """Where a participant's call message goes. Addressed (``to``): to that member of the
    sender's group, or to the host who joined it; anyone else is refused (``NotInGroup``).
    A hang-up without ``to`` reaches the rest of the group and the hosts' consoles (a host
    visiting this group drops the sender; the ``group`` says which), or nobody outside a
    group."""
    person = state.people.get(sender_id)
    sender = person.public_id if person is not None else ""
    if isinstance(message, protocol.CallLeave) and message.to is None:
        group = talking_group(state, sender_id, now=now, grace=grace)
        if group is None:
            return []
        others = [m for m in group.present if m != sender_id]
        leave = replies.call_leave(sender)
        relays = [Relay.people(others, leave)] if others else []
        return [*relays, Relay.host_consoles(replies.signal(leave, sender, group.number))]
    fields = message.model_dump()
    if message.to == HOST_PEER:
        # The host's console accepts only signals from the group it joined (by ``group``).
        group = talking_group(state, sender_id, now=now, grace=grace)
        if group is None:
            raise NotInGroup("you are not in a group right now")
        return [Relay.host_consoles(replies.signal(fields, sender, group.number))]
    target = signal_target(state, sender_id, str(message.to), now=now, grace=grace)
    return [Relay.people([target], replies.signal(fields, sender))]


def route_host_signal(visit: Visit | None, message: CallMessage) -> Relay:
    """Where a host's addressed call message goes: to that member of the group the host
    joined; without a joined group, or to anyone else, ``NotInGroup``."""
    members = visit.members if visit is not None else ()
    target = next((m.id for m in members if m.public_id == message.to), None)
    if target is None:
        raise NotInGroup("you can only call the people of the group you joined")
    return Relay.people([target], replies.signal(message.model_dump(), HOST_PEER))


def host_hang_up(visit: Visit | None) -> list[Relay]:
    """The host leaves the group they joined (hangs up, joins another, closes the console):
    its members drop the host from their call."""
    if visit is None:
        return []
    return [Relay.people(visit.member_ids(), replies.host_left(HOST_PEER))]
