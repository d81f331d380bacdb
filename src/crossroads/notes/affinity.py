"""Notes room affinity across nodes (#11): one node owns a room; the others pass its
clients on to it.

Only the owner holds the room's document and accepts its connections. It holds the lease
``notes-lease:<room>`` in Redis: taken with SET NX PX when the room loads, renewed every third
of ``CROSSROADS_NOTES_LEASE_SECONDS`` while it stays loaded, released when it unloads. When
nobody holds it, the room goes to the first live node on the ring (notes/ring.py: the node
nginx's ``hash $uri consistent`` sends the room's clients to, so behind the sample nginx
configuration a client rarely needs passing on). Any other node proxies the client to the
owner (notes/proxy.py). A connection that arrived from another node is never passed on
again: if this node cannot take the room, the client is told to retry (1013), and its
y-websocket provider reconnects.

A killed owner stops renewing; after at most one lease its rooms go to a live node, which
loads them from the database, where every acknowledged update already is.

Split brain (two nodes each believing they own a room: Redis lost and restarted empty, or a
node stalled past its lease) loses nothing acknowledged: each commits before it
acknowledges, the log is append-only, and compaction replaces only the snapshot it read
(store/notes.py). When a renewal finds the lease held by another node, this node closes the
room's connections (1012); the clients reconnect to the owner and their sync sends it
whatever it lacks. When a renewal finds the lease gone and takes it back (Redis restarted),
the room reloads the log so updates the other side committed meanwhile reach its clients.
While Redis is away, each node serves the rooms its clients reach: edits keep being saved,
and rooms converge once Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import structlog
from redis import asyncio as redis_asyncio
from redis.exceptions import RedisError

from crossroads.close_codes import CLOSE_RESTARTING as CLOSE_MOVED
from crossroads.notes import ring
from crossroads.notes.rooms import RoomServer

log = structlog.get_logger(__name__)


# One script for taking, keeping and checking a lease: 2 taken now, 1 already ours (renewed),
# 0 held by another node.
HOLD = """
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
TAKEN, KEPT, HELD_ELSEWHERE = 2, 1, 0


class Members(Protocol):
    """The live nodes (live/cluster.py's ``Cluster``)."""

    node_id: str
    nodes: dict[str, str]
    redis: redis_asyncio.Redis

    async def live_nodes(self) -> dict[str, str]: ...


class Route(StrEnum):
    SERVE = "serve"
    PROXY = "proxy"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    node: str = ""
    url: str = ""


class RoomAffinity:
    def __init__(self, members: Members, *, ttl: float, prefix: str = "crossroads:") -> None:
        self.members = members
        self.node_id = members.node_id
        self._redis = members.redis
        self._ttl_ms = int(ttl * 1000)
        self._renew_every = ttl / 3
        self._prefix = prefix
        self._hold = self._redis.register_script(HOLD)
        self._release = self._redis.register_script(RELEASE)
        self._task: asyncio.Task[None] | None = None
        self.proxied = 0  # connections passed on to another node, open now
        self.proxied_total = 0

    def _lease(self, room: str) -> str:
        return f"{self._prefix}notes-lease:{room}"

    async def route(self, room: str, *, loaded: bool, from_peer: bool) -> Decision:
        """Serve here, pass on to the owner, or ask the client to retry in a moment."""
        if loaded:
            return Decision(Route.SERVE)  # ours: a lost lease unloads the room (see ``run``)
        try:
            raw = await self._redis.get(self._lease(room))
            holder = raw.decode() if raw is not None else None
            if holder == self.node_id:
                return Decision(Route.SERVE)
            if holder is not None:
                # Read afresh: the holder may have died since the last heartbeat.
                url = (await self.members.live_nodes()).get(holder)
                if url is None or from_peer:
                    # Its node is gone (the lease lapses within one TTL), or we were told we
                    # own it and do not: either way, try again shortly.
                    return Decision(Route.RETRY, holder)
                return Decision(Route.PROXY, holder, url)
            live = await self.members.live_nodes()
        except (RedisError, OSError) as exc:
            log.warning("notes_affinity_unavailable", room=room, error=str(exc))
            return Decision(Route.SERVE)
        preferred = ring.owner(ring.room_key(room), live) or self.node_id
        if preferred == self.node_id or from_peer:
            return Decision(Route.SERVE)  # the claim when the room loads has the last word
        return Decision(Route.PROXY, preferred, live[preferred])

    async def claim(self, room: str) -> bool:
        """Take (or keep) the room's lease as it loads here; False if another node has it."""
        try:
            return await self._take(room) != HELD_ELSEWHERE
        except (RedisError, OSError) as exc:
            log.warning("notes_lease_unavailable", room=room, error=str(exc))
            return True  # serve while Redis is away; see the module's docstring

    async def _take(self, room: str) -> int:
        return int(await self._hold(keys=[self._lease(room)], args=[self.node_id, self._ttl_ms]))

    async def release(self, room: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._release(keys=[self._lease(room)], args=[self.node_id])

    async def renew(self, rooms: Iterable[str]) -> tuple[list[str], list[str]]:
        """Renew the leases of the loaded rooms: (lost to another node, taken back)."""
        lost, regained = [], []
        for room in rooms:
            held = await self._take(room)
            if held == HELD_ELSEWHERE:
                lost.append(room)
            elif held == TAKEN:
                regained.append(room)
        return lost, regained

    def start(self, server: RoomServer) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(server))

    async def _run(self, server: RoomServer) -> None:
        while True:
            await asyncio.sleep(self._renew_every)
            try:
                lost, regained = await self.renew(list(server.rooms))
            except (RedisError, OSError) as exc:
                log.debug("notes_lease_renew_failed", error=str(exc))
                continue
            for room in lost:
                log.warning("notes_room_lost", room=room, node=self.node_id)
                await server.evict(room, CLOSE_MOVED, "notes room moved to another node")
            for room in regained:
                log.info("notes_room_regained", room=room, node=self.node_id)
                try:
                    await server.catch_up(room)
                except Exception:  # the database blipped: the clients' next sync repairs it
                    log.exception("notes_catch_up_failed", room=room)

    async def close(self, server: RoomServer) -> None:
        """Stop renewing and let go of every room at once: clients reconnecting elsewhere
        need not wait for the leases to lapse."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for room in list(server.rooms):
            await self.release(room)
