"""Putting one node's live parts together: the bus, the hub and the publisher.

The domain comes in through two injected pieces, so this package never imports it: ``views``
(the hub's ``Views``: read a state, render views; convenings/live_views.py's ``HubViews``)
and ``depart`` (the use case run when someone has been gone long enough, given the publisher
so its event is announced like any other).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from crossroads.live.bus import EventBus
from crossroads.live.hub import ClusterPresence, LiveHub, Views
from crossroads.live.publisher import Events, Publisher

# (publisher, convening id, participant id): the departure use case, bound to its database.
Depart = Callable[[Events, int, int], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Live:
    hub: LiveHub
    publisher: Publisher


def create_live(
    bus: EventBus,
    *,
    views: Views,
    depart: Depart,
    departure_grace: float,
    cluster: ClusterPresence | None = None,
) -> Live:
    async def on_departure(convening_id: int, participant_id: int) -> None:
        await depart(publisher, convening_id, participant_id)

    hub = LiveHub(
        bus,
        views=views,
        on_departure=on_departure,
        departure_grace=departure_grace,
        cluster=cluster,
    )
    publisher = Publisher(hub)
    return Live(hub=hub, publisher=publisher)
