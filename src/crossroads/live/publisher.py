"""Commit, then publish: the one way a change to a live call reaches the sockets.

A use case opens a unit of work (``events.unit(db.transaction())``), makes its change and
records typed events (live/events.py) on it. When the block ends the transaction commits;
only then are the events announced, in order: to the hub (which fans views out on every
node through the bus) and to the follow-ups a change needs (a removed person's live and
notes sockets close, a muted person's notes sockets close). A change that rolls back is
never announced, and a node told "event 7" finds event 7 in the database.

An announcement that fails reaches the caller (the change is committed all the same), but
for events marked ``best_effort`` (an agenda edit): those are logged and the caller goes on.

No router publishes: routers call a use case, which takes the publisher as a parameter, so
the flow runs one way, router -> use case -> store, then publisher -> hub -> views.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Generic, Protocol, TypeVar

import structlog

from crossroads.close_codes import CLOSE_MUTED, CLOSE_REMOVED, CLOSE_UNMUTED
from crossroads.live.events import LiveEvent, PersonMuted, PersonRemoved

log = structlog.get_logger(__name__)

T = TypeVar("T")
E = TypeVar("E", bound=LiveEvent)


class Hub(Protocol):
    """What the publisher needs of live/hub.py's ``LiveHub``."""

    async def publish(self, convening_id: int, event: dict[str, Any], state: Any = None) -> None:
        """Announce one event on the bus (``state`` spares this node reading it back)."""

    async def close_participant(
        self, convening_id: int, participant_id: int, code: int, reason: str = ...
    ) -> None:
        """Close a person's live sockets on whichever node holds them."""


class NotesSockets(Protocol):
    """What the publisher needs of notes/control.py's ``RoomControl`` (injected: notes/
    builds on live/, not the other way round)."""

    async def close_author(self, room_name: str, author: str, code: int, reason: str = ...) -> None:
        """Close a person's notes sockets to a convening's rooms, on any node."""


class Unit(Generic[T]):
    """One transaction (``tx``) and the events recorded while it runs."""

    def __init__(self, tx: T) -> None:
        self.tx = tx
        self.events: list[LiveEvent] = []

    def record(self, event: E) -> E:
        self.events.append(event)
        return event


class Events:
    """Units of work whose events are announced after they commit; ``publish`` says where.

    This base keeps what it was told (``published``) and announces it nowhere: use cases run
    without sockets (tests, offline commands) take one of these.
    """

    def __init__(self) -> None:
        self.published: list[LiveEvent] = []

    @asynccontextmanager
    async def unit(self, transaction: AbstractAsyncContextManager[T]) -> AsyncIterator[Unit[T]]:
        async with transaction as tx:
            unit = Unit(tx)
            yield unit
        # Committed. An exception above (the use case refused, the database failed) rolled
        # it back and skips this: nothing is announced that did not happen.
        for event in unit.events:
            if not event.best_effort:
                await self.publish(event)
                continue
            try:
                await self.publish(event)
            except Exception:  # the change is saved; the event says missing it is harmless
                log.warning(
                    "event_not_published",
                    kind=event.kind,
                    convening_id=event.convening_id,
                    exc_info=True,
                )

    async def publish(self, event: LiveEvent) -> None:
        self.published.append(event)


class Publisher(Events):
    """Announces committed events to the hub and runs their follow-ups."""

    def __init__(self, hub: Hub, notes: NotesSockets | None = None) -> None:
        super().__init__()
        self._hub = hub
        self._notes = notes

    def attach_notes(self, notes: NotesSockets) -> None:
        """The notes control is built after the hub (it shares the hub's bus)."""
        self._notes = notes

    async def publish(self, event: LiveEvent) -> None:
        await self._hub.publish(event.convening_id, event.bus_message(), event.primed_state())
        await self._follow_up(event)

    async def _follow_up(self, event: LiveEvent) -> None:
        if isinstance(event, PersonRemoved):
            await self._hub.close_participant(
                event.convening_id, event.participant_id, CLOSE_REMOVED
            )
            await self._close_notes(event.convening_public_id, event.participant_id, CLOSE_REMOVED)
        elif isinstance(event, PersonMuted):
            code = CLOSE_MUTED if event.muted else CLOSE_UNMUTED
            reason = "muted by the host" if event.muted else "unmuted by the host"
            await self._close_notes(event.convening_public_id, event.participant_id, code, reason)

    async def _close_notes(
        self, room: str, participant_id: int, code: int, reason: str = "removed by the host"
    ) -> None:
        if self._notes is not None:
            # The notes sockets' author names are "p<participant id>" (web/routers/notes.py).
            await self._notes.close_author(room, f"p{participant_id}", code, reason)
