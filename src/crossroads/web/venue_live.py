"""The projector's connection to the live hub (#32): a read-only watcher of one venue.

To the hub it is a console (no participant: it gets every change, and counts for nobody's
presence); it brings its own view, so the hub's host renderer hands it over to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crossroads.convenings import venues
from crossroads.convenings.rounds import LiveState
from crossroads.live.hub import Connection


def _no_view(state: Any) -> dict[str, Any]:
    return {"v": 1, "type": "error", "error": "no view"}


@dataclass(eq=False)
class ProjectorConnection(Connection):
    render: Callable[[Any], dict[str, Any] | str] = field(default=_no_view)


def own_view(conn: Connection, state: Any) -> dict[str, Any] | str | None:
    """The view a connection renders itself (a projector's), or None for a host console."""
    if isinstance(conn, ProjectorConnection):
        return conn.render(state)
    return None


_SEATS = ("venues", "seats")  # key in a fan-out's shared cache (the others are languages)


def with_place(
    state: LiveState,
    participant_id: int,
    text: str,
    translate: Callable[[str], str],
    cache: dict[Any, Any],
) -> str:
    """A participant's view with where their group meets (a table, a table joined to a call),
    and without the call for someone in the room whose table's device holds it. Unchanged
    (the same text) in a convening without venues or a round held online."""
    if not state.hybrid.venues or state.run is None:
        return text
    seats = cache.get(_SEATS)
    if seats is None:
        seats = cache[_SEATS] = venues.seats(state)
    group = state.group_of(participant_id)
    seat = seats.get(group.number) if group is not None else None
    if seat is None or seat.kind == "online":
        return text
    view = json.loads(text)
    if view.get("group") is None:
        return text
    place = venues.place_view(state, participant_id, seat, translate)
    view["place"] = place
    if place["call_members"] == []:
        view.pop("call", None)  # talks at the table: no call on this phone
    return json.dumps(view)
