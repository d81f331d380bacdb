"""One node's live connections: presence, fan-out of views, and drop detection.

Each connection has one bounded send queue and one writer task: a slow client never holds up
the others; when its queue is full it is closed and resyncs on reconnect (the snapshot comes
from the database). Per convening, one refresher task turns bus events into views: however
many events arrive while it works, it loads the state once and sends each person theirs.

With several nodes (a ``ClusterPresence``, see live/cluster.py) presence is cluster-wide:
pairing, host consoles and departures count people connected to any node, arrivals and
departures reach every node's host consoles over the bus, and a host's "close this person's
sockets" goes over the bus to whichever node holds them. Without one, everything stays in
this process as before.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog

from crossroads import collector
from crossroads.close_codes import CLOSE_GOING_AWAY, CLOSE_REMOVED
from crossroads.live import replies
from crossroads.live.bus import Event, EventBus
from crossroads.live.errors import ClusterUnavailable
from crossroads.outbox import Outbox

log = structlog.get_logger(__name__)

SEND_QUEUE = 64
# Host consoles learn of arrivals and departures in batches: a join storm of thousands is a
# few refreshes, not one per person.
PRESENCE_DELAY = 1.0
# Views rendered between two chances for the writers to send: the first people get theirs
# while the last are still being built.
FANOUT_SLICE = 1000
# While Redis is away a departure cannot tell whether the person is on another node: it asks
# again this often rather than re-pair someone who may still be talking.
DEPARTURE_RETRY = 1.0


class Socket(Protocol):
    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass(eq=False)
class Connection:
    socket: Socket
    convening_id: int
    participant_id: int | None  # None for a host console
    language: str
    connected_at: datetime
    outbox: Outbox[str] = field(default_factory=lambda: Outbox(SEND_QUEUE))

    @property
    def is_host(self) -> bool:
        return self.participant_id is None

    @property
    def closed(self) -> bool:
        return self.outbox.closed

    def send(self, message: dict[str, Any] | str) -> bool:
        """Queue a message; False (and the socket closed) when the client cannot keep up."""
        return self.outbox.put(message if isinstance(message, str) else json.dumps(message))

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.outbox.close(code, reason)


class Views(Protocol):
    """What the hub needs of the domain: a convening's state and the views built from it.

    Defined here and implemented by convenings/live_views.py's ``HubViews`` (injected when the
    app is wired), so the hub renders without importing what a convening is: the state is
    opaque to it but for its ``seq``.
    """

    async def load(self, convening_id: int) -> Any:
        """The state as the database has it now (it has a ``seq``)."""

    def participant(self, state: Any, conn: Connection, cache: dict[Any, Any]) -> str:
        """A participant's view; ``cache`` shares work between the views of one fan-out."""

    def host(self, state: Any, conn: Connection, present: set[int]) -> str:
        """A host console's view; ``present``: who is connected, on any node."""

    def removed(self, state: Any) -> Collection[int]:
        """The participants of a state who may not stay connected (removed by a host)."""


OnDeparture = Callable[[int, int], Awaitable[None]]
# Told after each fan-out, with the state it was built from (e.g. to work ahead on it), or
# None when nothing was read because nobody on this node, host or participant, was concerned.
OnRefreshed = Callable[[int, Any], None]


class ClusterPresence(Protocol):
    """Presence on the other nodes (live/cluster.py's ``Cluster``)."""

    def attach(
        self,
        local: Callable[[int], set[int]],
        convenings: Callable[[], Iterable[int]],
        on_orphans: Callable[[int, set[int]], None],
    ) -> None: ...

    def presence_changed(self, convening_id: int) -> None: ...

    async def flush_presence(self, convening_id: int) -> None: ...

    async def present_elsewhere(self, convening_id: int) -> set[int]: ...

    async def is_present_elsewhere(self, convening_id: int, participant_id: int) -> bool: ...


class LiveHub:
    def __init__(
        self,
        bus: EventBus,
        *,
        views: Views,
        on_departure: OnDeparture,
        departure_grace: float,
        presence_delay: float = PRESENCE_DELAY,
        cluster: ClusterPresence | None = None,
    ) -> None:
        self.bus = bus
        self._views = views
        self._on_departure = on_departure
        self._departure_grace = departure_grace
        self.on_refreshed: OnRefreshed | None = None
        self._presence_delay = presence_delay
        self._presence_updates: dict[int, asyncio.TimerHandle] = {}
        self._connections: dict[int, set[Connection]] = {}
        self._of_person: dict[tuple[int, int], set[Connection]] = {}
        self._listeners: dict[int, asyncio.Task[None]] = {}
        self._refreshers: dict[int, asyncio.Task[None]] = {}
        self._pending: dict[int, _Pending] = {}
        self._departures: dict[tuple[int, int], asyncio.Task[None]] = {}
        self._primed: dict[int, Any] = {}
        self._shown: dict[int, Any] = {}
        self._closing = False
        self._cluster = cluster
        # Cluster-wide presence as last read, shown to hosts while Redis is away.
        self._last_present: dict[int, set[int]] = {}
        self._background: set[asyncio.Task[None]] = set()
        if cluster is not None:
            cluster.attach(self.present, lambda: list(self._connections), self.adopt_departures)

    # --- presence -------------------------------------------------------------------------

    def present(self, convening_id: int) -> set[int]:
        return {
            c.participant_id
            for c in self._connections.get(convening_id, ())
            if c.participant_id is not None and not c.closed
        }

    def is_present(self, convening_id: int, participant_id: int) -> bool:
        return any(not c.closed for c in self._of_person.get((convening_id, participant_id), ()))

    async def present_everywhere(self, convening_id: int) -> set[int]:
        """Who is connected on any node (raises ``ClusterUnavailable`` while Redis is away);
        on a single node, the same as ``present``."""
        here = self.present(convening_id)
        if self._cluster is None:
            return here
        return here | await self._cluster.present_elsewhere(convening_id)

    def languages(self, convening_id: int) -> set[str]:
        """The languages the participants connected here read their views in."""
        return {
            c.language
            for c in self._connections.get(convening_id, ())
            if c.participant_id is not None and not c.closed
        }

    def local_hosts(self, convening_id: int) -> list[Connection]:
        """The host consoles of this convening connected to this node."""
        return [c for c in self._connections.get(convening_id, ()) if c.is_host and not c.closed]

    def has_host(self, convening_id: int) -> bool:
        return any(c.is_host and not c.closed for c in self._connections.get(convening_id, ()))

    def connection_count(self) -> int:
        return sum(len(c) for c in self._connections.values())

    def last_shown(self, convening_id: int) -> Any:
        """The latest state this node fanned out or was handed (None if none): callers check
        its ``seq`` against the database before trusting it."""
        return self._shown.get(convening_id)

    def view_for(self, state: Any, conn: Connection) -> str:
        """One participant's view (a connection's first), built as a fan-out builds it."""
        return self._views.participant(state, conn, {})

    def remember(self, convening_id: int, state: Any) -> None:
        held = self._shown.get(convening_id)
        if convening_id in self._connections and (held is None or held.seq <= state.seq):
            self._shown[convening_id] = state

    # --- connections ----------------------------------------------------------------------

    def add(self, conn: Connection) -> None:
        conn.outbox.start(conn.socket.send_text, conn.socket.close)
        pid = conn.participant_id
        arriving = pid is not None and not self.is_present(conn.convening_id, pid)
        self._connections.setdefault(conn.convening_id, set()).add(conn)
        if pid is not None:
            self._of_person.setdefault((conn.convening_id, pid), set()).add(conn)
            pending = self._departures.pop((conn.convening_id, pid), None)
            if pending is not None:
                pending.cancel()
        if arriving:
            self._presence_changed(conn.convening_id)
        if conn.convening_id not in self._listeners:
            self._listeners[conn.convening_id] = asyncio.create_task(
                self._listen(conn.convening_id)
            )

    async def remove(self, conn: Connection) -> None:
        conn.close()
        group = self._connections.get(conn.convening_id, set())
        group.discard(conn)
        pid = conn.participant_id
        if pid is not None:
            mine = self._of_person.get((conn.convening_id, pid), set())
            mine.discard(conn)
            if not mine:
                self._of_person.pop((conn.convening_id, pid), None)
        await conn.outbox.wait_done(within=1)
        # A node shutting down is not people leaving: their seats stay as they are.
        if pid is not None and not self._closing and not self.is_present(conn.convening_id, pid):
            key = (conn.convening_id, pid)
            self._departures[key] = asyncio.create_task(self._depart_later(key))
            self._presence_changed(conn.convening_id)
        if not group:
            self._connections.pop(conn.convening_id, None)
            self._shown.pop(conn.convening_id, None)
            self._last_present.pop(conn.convening_id, None)

    def _presence_changed(self, convening_id: int) -> None:
        """Refresh the host consoles (only them) once the arrivals of the moment are in: on
        this node, or with several, on every node once this node's presence is written."""
        if self._cluster is not None:
            self._cluster.presence_changed(convening_id)
        if convening_id in self._presence_updates:
            return

        def update() -> None:
            self._presence_updates.pop(convening_id, None)
            if self._cluster is not None:
                self._spawn(self._announce_presence(convening_id))
            elif convening_id in self._connections:
                self.refresh_now(convening_id, participants=set())

        loop = asyncio.get_running_loop()
        self._presence_updates[convening_id] = loop.call_later(self._presence_delay, update)

    async def _announce_presence(self, convening_id: int) -> None:
        assert self._cluster is not None
        await self._cluster.flush_presence(convening_id)
        await self.bus.publish(_channel(convening_id), {"kind": "presence", "participants": []})

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _depart_later(self, key: tuple[int, int]) -> None:
        await asyncio.sleep(self._departure_grace)
        # Gone from this node is not gone: a person who reconnected to another node (a
        # load balancer's choice, or this node's sibling dying) keeps their group.
        while self._cluster is not None:
            try:
                if await self._cluster.is_present_elsewhere(*key):
                    self._departures.pop(key, None)
                    return
                break
            except ClusterUnavailable:
                await asyncio.sleep(DEPARTURE_RETRY)
        self._departures.pop(key, None)
        try:
            await self._on_departure(*key)
        except Exception:
            log.exception("departure_failed", convening_id=key[0], participant_id=key[1])

    def adopt_departures(self, convening_id: int, participant_ids: Iterable[int]) -> None:
        """People who were connected on a node that died: each departs after the grace
        unless by then they are connected somewhere (see live/cluster.py)."""
        if self._closing:
            return
        for pid in participant_ids:
            key = (convening_id, pid)
            if key not in self._departures and not self.is_present(*key):
                self._departures[key] = asyncio.create_task(self._depart_later(key))

    async def close_participant(
        self, convening_id: int, participant_id: int, code: int, reason: str = "removed by the host"
    ) -> None:
        """Close a person's live sockets, on whichever node they are connected."""
        if self._cluster is None:
            self._close_local(convening_id, participant_id, code, reason)
            return
        event: Event = {"kind": "close", "participant": participant_id, "code": code}
        await self.bus.publish(_channel(convening_id), {**event, "reason": reason})

    def _close_local(self, convening_id: int, participant_id: int, code: int, reason: str) -> None:
        for conn in list(self._of_person.get((convening_id, participant_id), ())):
            conn.close(code, reason)

    # --- events ---------------------------------------------------------------------------

    async def publish(self, convening_id: int, event: Event, state: Any = None) -> None:
        """Announce a change; ``state`` (with a ``seq``) spares this node reading it back."""
        if state is not None:
            self._primed[convening_id] = state
        await self.bus.publish(_channel(convening_id), event)

    async def _listen(self, convening_id: int) -> None:
        try:
            async for event in self.bus.subscribe(_channel(convening_id)):
                self._note(convening_id, event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live_listener_failed", convening_id=convening_id)

    async def relay(
        self, convening_id: int, participant_ids: Iterable[int], message: dict[str, Any]
    ) -> None:
        """Send ``message`` to these people's sockets, on whichever node they are connected
        (call signalling, chat): over the bus like every event, but delivered as is, with no
        view rebuilt."""
        event: Event = {"kind": "relay", "to": sorted(participant_ids), "message": message}
        await self.bus.publish(_channel(convening_id), event)

    async def relay_to_hosts(self, convening_id: int, message: dict[str, Any]) -> None:
        """Send ``message`` to every host console of the convening, on any node (a group's
        call signalling to a host who joined it, #29)."""
        event: Event = {"kind": "relay", "to": [], "hosts": True, "message": message}
        await self.bus.publish(_channel(convening_id), event)

    async def deliver(self, convening_id: int, relay: replies.Relay) -> None:
        """Send what a use case addressed (``replies.Relay``): to its people, or the hosts."""
        if relay.hosts:
            await self.relay_to_hosts(convening_id, dict(relay.message))
        if relay.to:
            await self.relay(convening_id, relay.to, dict(relay.message))

    def _deliver(self, convening_id: int, event: Event) -> None:
        text = json.dumps(event.get("message") or {})
        if event.get("hosts"):
            for conn in self.local_hosts(convening_id):
                conn.send(text)
        for pid in event.get("to") or ():
            for conn in list(self._of_person.get((convening_id, int(pid)), ())):
                if not conn.closed:
                    conn.send(text)

    def _note(self, convening_id: int, event: Event) -> None:
        if event.get("kind") == "relay":
            self._deliver(convening_id, event)
            return
        if event.get("kind") == "close":
            code, reason = int(event.get("code") or 1000), str(event.get("reason") or "")
            self._close_local(convening_id, int(event.get("participant") or 0), code, reason)
            return
        pending = self._pending.setdefault(convening_id, _Pending())
        pending.add(event)
        task = self._refreshers.get(convening_id)
        if task is None or task.done():
            self._refreshers[convening_id] = asyncio.create_task(self._refresh(convening_id))

    def refresh_now(self, convening_id: int, participants: set[int] | None = None) -> None:
        """Rebuild views locally (e.g. after a reconnect, or when the bus was lost)."""
        event: Event = {"kind": "resync"}
        if participants is not None:
            event["participants"] = sorted(participants)
        self._note(convening_id, event)

    async def _refresh(self, convening_id: int) -> None:
        try:
            await self._refresh_loop(convening_id)
        except Exception:
            # Never let one bad render silence a convening: log it; the next event retries.
            log.exception("live_refresh_crashed", convening_id=convening_id)

    async def _refresh_loop(self, convening_id: int) -> None:
        while convening_id in self._pending:
            pending = self._pending.pop(convening_id)
            conns = [c for c in self._connections.get(convening_id, ()) if not c.closed]
            if not conns:
                continue
            if not pending.reaches(conns):
                # Nothing to show here. A state handed over for this batch is spent (a later
                # batch reads afresh), and work done ahead for a host is told nobody watches.
                self._primed.pop(convening_id, None)
                if self.on_refreshed is not None:
                    self.on_refreshed(convening_id, None)
                continue
            primed = self._primed.pop(convening_id, None)
            if primed is not None and primed.seq >= pending.seq:
                state = primed
            else:
                try:
                    state = await self._views.load(convening_id)
                except Exception:  # the database blipped: the next event retries
                    log.exception("live_refresh_failed", convening_id=convening_id)
                    continue
            self.remember(convening_id, state)
            with collector.paused():
                cache: dict[Any, Any] = {}
                hosts: list[Connection] = []
                # A removal whose close event was lost (Redis away at that moment) is caught
                # here, at the next view built from the database.
                removed = self._views.removed(state)
                for done, conn in enumerate(conns, start=1):
                    if conn.is_host:
                        hosts.append(conn)
                    elif conn.participant_id in removed:
                        conn.close(CLOSE_REMOVED, "removed by the host")
                    elif pending.concerns(conn.participant_id):
                        conn.send(self._views.participant(state, conn, cache))
                    if done % FANOUT_SLICE == 0:
                        # Let the writers send what is queued while the rest is rendered.
                        await asyncio.sleep(0)
                if hosts:
                    # Participants first: a host view of thousands of people takes a while to
                    # build, and their partner cards must not wait for it.
                    await asyncio.sleep(0)
                    present = await self._present_for_hosts(convening_id)
                    for conn in hosts:
                        conn.send(self._views.host(state, conn, present))
                for text_event in pending.broadcasts:
                    message = json.dumps(replies.broadcast(**text_event))
                    for conn in conns:
                        conn.send(message)
            if self.on_refreshed is not None:
                self.on_refreshed(convening_id, state)

    async def _present_for_hosts(self, convening_id: int) -> set[int]:
        if self._cluster is None:
            return self.present(convening_id)
        try:
            present = await self.present_everywhere(convening_id)
        except ClusterUnavailable:
            # Redis is away: who was connected at the last good read, and who is here now.
            return self._last_present.get(convening_id, set()) | self.present(convening_id)
        self._last_present[convening_id] = present
        return present

    async def close(self) -> None:
        self._closing = True
        for handle in self._presence_updates.values():
            handle.cancel()
        for task in [
            *self._listeners.values(),
            *self._refreshers.values(),
            *self._departures.values(),
            *self._background,
        ]:
            task.cancel()
        for conns in self._connections.values():
            for conn in conns:
                conn.close(CLOSE_GOING_AWAY, "server going away")


@dataclass
class _Pending:
    everyone: bool = False
    participants: set[int] = field(default_factory=set)
    broadcasts: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0

    def add(self, event: Event) -> None:
        self.seq = max(self.seq, int(event.get("seq") or 0))
        who = event.get("participants")
        if who is None:
            self.everyone = True
        else:
            self.participants.update(int(p) for p in who)
        if event.get("kind") == "broadcast":
            self.broadcasts.append({"seq": event.get("seq"), "text": event.get("text", "")})

    def concerns(self, participant_id: int | None) -> bool:
        return self.everyone or participant_id in self.participants

    def reaches(self, conns: Iterable[Connection]) -> bool:
        """Whether anyone here gets something: with several nodes, most events (presence,
        a move on another node) concern nobody on a given node, which then reads nothing."""
        if self.everyone or self.broadcasts:
            return True
        return any(c.is_host or c.participant_id in self.participants for c in conns)


def _channel(convening_id: int) -> str:
    return f"live:{convening_id}"


def utcnow() -> datetime:
    return datetime.now(UTC)
