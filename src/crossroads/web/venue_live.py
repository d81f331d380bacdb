"""The live views of a hybrid convening (#32): the table line on the round screens, and the
projector, a read-only watcher of one venue.

``HybridViews`` is the hub's views with both: it adds where a group meets to a participant's
view, and hands a projector's connection its own view. To the hub a projector is a console
(no participant: it gets every change, and counts for nobody's presence).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crossroads.convenings import venues
from crossroads.convenings.live_state import LiveSnapshot
from crossroads.convenings.live_views import HubViews
from crossroads.live.hub import Connection


def _no_view(state: Any) -> dict[str, Any]:
    return {"v": 1, "type": "error", "error": "no view"}


@dataclass(eq=False)
class ProjectorConnection(Connection):
    render: Callable[[Any], dict[str, Any]] = field(default=_no_view)


class HybridViews(HubViews):
    def participant(self, state: LiveSnapshot, conn: Connection, cache: dict[Any, Any]) -> str:
        text = super().participant(state, conn, cache)
        assert conn.participant_id is not None
        translate = self._translations(conn.language)
        return venues.with_place(state, conn.participant_id, text, translate, cache)

    def host(self, state: LiveSnapshot, conn: Connection, present: set[int]) -> str:
        if isinstance(conn, ProjectorConnection):
            return json.dumps(conn.render(state))  # a venue's projector
        return super().host(state, conn, present)
