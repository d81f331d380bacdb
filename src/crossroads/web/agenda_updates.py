"""Telling everyone already connected that the plan changed (#31): an ``AgendaChanged`` event
through the publisher, so every node rebuilds its people's views from the database, agenda
included."""

from __future__ import annotations

import structlog

from crossroads.live.events import AgendaChanged
from crossroads.live.publisher import Events

log = structlog.get_logger(__name__)


async def publish_agenda_change(events: Events, convening_id: int) -> None:
    """Best effort: the edit is saved whatever happens here; a lobby that misses it shows the
    new agenda on its next view (any other change, a reconnect, a reload)."""
    try:
        await events.publish(AgendaChanged(convening_id))
    except Exception:  # the bus (Redis) being away must not fail the host's edit
        log.warning("agenda_change_not_published", convening_id=convening_id, exc_info=True)
