"""This node among the others: who is alive, and who is connected where (#11).

Several `crossroads serve` nodes share one Redis (keys under the configured prefix):

- ``node:<id>`` holds the node's internal URL with a TTL (``CROSSROADS_NODE_TTL_SECONDS``)
  that a heartbeat renews every third of it; the set ``nodes`` lists the ids ever seen.
- ``presence:<convening>:<id>`` holds the participants with a live socket on that node. It
  is rewritten whole on each change (changes made meanwhile coalesce into one write) and on
  every heartbeat, so a Redis restarted empty is refilled within a beat.
- ``presence-index:<id>`` lists the convenings a node has presence keys for.

A convening's presence is this node's own sockets (from memory) plus the presence keys of
the other live nodes, read in one script. A killed node stops beating: its ``node`` key
expires and its people drop out of everyone's presence.

``epoch`` is set (to Redis's clock) by the first heartbeat that finds it missing: at the
cluster's first start, or after Redis restarted empty. Until one TTL has passed since, some
live node may not have rewritten its presence yet, so presence is not trusted: reads raise
``ClusterUnavailable`` (a host's "start round" is refused with "try again in a moment"
rather than pairing half the people, a departure waits rather than re-pair someone who is
still connected elsewhere). Its presence keys outlive it (three TTLs) so that the first
node to notice can claim ``reap:<id>``, read who was there, and hand them to its hub as
departures: each waits the partner grace and is re-paired only if by then they are
connected nowhere (most will have reconnected to another node).

Redis errors become ``ClusterUnavailable`` here; nothing above sees a driver error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from redis import asyncio as redis_asyncio
from redis.exceptions import RedisError

from crossroads.live.bus import redis_client
from crossroads.live.errors import ClusterUnavailable

log = structlog.get_logger(__name__)

# Presence keys outlive their node this many TTLs, for the reaper to read them.
PRESENCE_TTLS = 3
FLUSH_WAIT = 2.0  # seconds a caller waits for its presence to be written

# Sets ``epoch`` to Redis's clock (ms) if it is missing; 1 when it did.
MARK_EPOCH = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local t = redis.call('TIME')
redis.call('SET', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
return 1
"""
# The presence keys of the live nodes other than ARGV[3], for convening ARGV[2] (keys under
# prefix ARGV[1]); nil while the epoch is younger than ARGV[4] ms. With ARGV[5], whether that
# participant is in any of them (1 or 0) instead of everyone.
PRESENT_ELSEWHERE = """
local prefix, convening, me, settle = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local epoch = redis.call('GET', prefix .. 'epoch')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if not epoch or now - tonumber(epoch) < settle then return false end
local keys = {}
for _, node in ipairs(redis.call('SMEMBERS', prefix .. 'nodes')) do
  if node ~= me and redis.call('EXISTS', prefix .. 'node:' .. node) == 1 then
    table.insert(keys, prefix .. 'presence:' .. convening .. ':' .. node)
  end
end
if ARGV[5] then
  for _, key in ipairs(keys) do
    if redis.call('SISMEMBER', key, ARGV[5]) == 1 then return 1 end
  end
  return 0
end
if #keys == 0 then return {} end
return redis.call('SUNION', unpack(keys))
"""

LocalPresence = Callable[[int], set[int]]
LocalConvenings = Callable[[], Iterable[int]]
# Told, for one convening, who was connected on a node that died (or on this node's id
# before it restarted).
OnOrphans = Callable[[int, set[int]], None]


class Cluster:
    def __init__(
        self,
        redis_url: str,
        *,
        node_id: str,
        internal_url: str,
        ttl: float,
        prefix: str = "crossroads:",
    ) -> None:
        self.node_id = node_id
        self.internal_url = internal_url
        # Timeouts: a node must notice that Redis is away, not hang on it.
        self.redis: redis_asyncio.Redis = redis_client(redis_url, socket_timeout=2.0)
        self.prefix = prefix
        self._ttl_ms = int(ttl * 1000)
        self._beat_every = ttl / 3
        # Live nodes as of the last heartbeat (id -> internal URL), this one included.
        self.nodes: dict[str, str] = {node_id: internal_url}
        self._local: LocalPresence = lambda _cid: set()
        self._convenings: LocalConvenings = lambda: ()
        self._on_orphans: OnOrphans = lambda _cid, _pids: None
        self._dirty: set[int] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._redis_away = False
        self._mark_epoch = self.redis.register_script(MARK_EPOCH)
        self._present_elsewhere = self.redis.register_script(PRESENT_ELSEWHERE)

    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    def attach(
        self, local: LocalPresence, convenings: LocalConvenings, on_orphans: OnOrphans
    ) -> None:
        """Where this node's own presence comes from (the hub), and who takes orphans."""
        self._local, self._convenings, self._on_orphans = local, convenings, on_orphans

    async def start(self) -> None:
        """Register, take over what a previous process under this id left, start beating."""
        with contextlib.suppress(ClusterUnavailable):
            await self._beat_once()
            await self._reap(self.node_id)
        self._tasks = [
            asyncio.create_task(self._heartbeat()),
            asyncio.create_task(self._write_presence()),
        ]

    async def close(self) -> None:
        """Leave at once (a shutdown): other nodes stop counting on this one. Presence keys
        stay for the reaper, so people who do not come back elsewhere are departed."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(RedisError, OSError):
            await self.redis.delete(self.key("node", self.node_id))
        await self.redis.aclose()

    # --- nodes ----------------------------------------------------------------------------

    async def live_nodes(self) -> dict[str, str]:
        """Read afresh which nodes are alive (id -> internal URL), this one included."""
        live, _dead = await self._read_nodes()
        return live

    async def _read_nodes(self) -> tuple[dict[str, str], list[str]]:
        try:
            ids = sorted(s.decode() for s in await self.redis.smembers(self.key("nodes")))
            urls = await self.redis.mget([self.key("node", i) for i in ids]) if ids else []
        except (RedisError, OSError) as exc:
            raise ClusterUnavailable(str(exc)) from exc
        live = {i: u.decode() for i, u in zip(ids, urls, strict=True) if u is not None}
        live[self.node_id] = self.internal_url
        if set(live) != set(self.nodes):
            log.info("cluster_nodes", node=self.node_id, nodes=sorted(live))
        self.nodes = live
        return live, [i for i in ids if i not in live]

    async def _beat_once(self) -> list[str]:
        """Renew this node's key; return the known nodes whose key has expired."""
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(self.key("node", self.node_id), self.internal_url, px=self._ttl_ms)
                pipe.sadd(self.key("nodes"), self.node_id)
                await pipe.execute()
            if await self._mark_epoch(keys=[self.key("epoch")]):
                log.info("cluster_epoch_started", node=self.node_id)
        except (RedisError, OSError) as exc:
            raise ClusterUnavailable(str(exc)) from exc
        _live, dead = await self._read_nodes()
        return dead

    async def _heartbeat(self) -> None:
        while True:
            try:
                dead = await self._beat_once()
                if self._redis_away:
                    log.info("cluster_redis_back", node=self.node_id)
                    self._redis_away = False
                # Rewrite every presence key: renews TTLs, and refills a Redis that restarted.
                self._dirty.update(self._convenings())
                self._wake.set()
                for node in dead:
                    await self._reap(node)
            except ClusterUnavailable as exc:
                if not self._redis_away:
                    log.warning("cluster_redis_away", node=self.node_id, error=str(exc))
                self._redis_away = True
            except Exception:  # never let the heartbeat die: the node would vanish
                log.exception("cluster_heartbeat_failed")
            await asyncio.sleep(self._beat_every)

    async def _reap(self, node: str) -> None:
        """Hand the people a dead node (or this id's previous process) held to the hub."""
        try:
            if node != self.node_id:
                claimed = await self.redis.set(
                    self.key("reap", node),
                    self.node_id,
                    nx=True,
                    px=self._ttl_ms * PRESENCE_TTLS,
                )
                if not claimed:
                    return
            index = self.key("presence-index", node)
            convenings = sorted(int(c) for c in await self.redis.smembers(index))
            orphans: dict[int, set[int]] = {}
            for cid in convenings:
                key = self.key("presence", cid, node)
                orphans[cid] = {int(p) for p in await self.redis.smembers(key)}
                await self.redis.delete(key)
            await self.redis.delete(index)
            if node != self.node_id:
                await self.redis.srem(self.key("nodes"), node)
        except (RedisError, OSError) as exc:
            raise ClusterUnavailable(str(exc)) from exc
        if orphans:
            log.info("cluster_reaped", node=node, people=sum(len(p) for p in orphans.values()))
        for cid, pids in orphans.items():
            if pids:
                self._on_orphans(cid, pids)

    # --- presence -------------------------------------------------------------------------

    def presence_changed(self, convening_id: int) -> None:
        """This node's people in a convening changed: write them soon (coalesced)."""
        self._dirty.add(convening_id)
        self._wake.set()

    async def flush_presence(self, convening_id: int) -> None:
        """Return once this node's presence in the convening is written (or gave up), so an
        event announcing the change is never read before the change itself."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self.presence_changed(convening_id)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(future), FLUSH_WAIT)

    async def _write_presence(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            waiters, self._waiters = self._waiters, []
            try:
                await self._write(dirty)
            except (RedisError, OSError) as exc:
                self._dirty |= dirty  # the next heartbeat retries everything anyway
                log.debug("cluster_presence_write_failed", error=str(exc))
            except Exception:
                log.exception("cluster_presence_write_crashed")
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def _write(self, convenings: set[int]) -> None:
        if not convenings:
            return
        keep = self._ttl_ms * PRESENCE_TTLS
        index = self.key("presence-index", self.node_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            for cid in sorted(convenings):
                key = self.key("presence", cid, self.node_id)
                pids = self._local(cid)
                pipe.delete(key)
                if pids:
                    pipe.sadd(key, *sorted(pids))
                    pipe.pexpire(key, keep)
                    pipe.sadd(index, cid)
                else:
                    pipe.srem(index, cid)
            pipe.pexpire(index, keep)
            await pipe.execute()

    async def _elsewhere(self, convening_id: int, *extra: object) -> Any:
        args = [self.prefix, convening_id, self.node_id, self._ttl_ms, *extra]
        try:
            found = await self._present_elsewhere(args=args)
        except (RedisError, OSError) as exc:
            raise ClusterUnavailable(str(exc)) from exc
        if found is None:
            raise ClusterUnavailable("Redis restarted: the nodes are rewriting who is where")
        return found

    async def present_elsewhere(self, convening_id: int) -> set[int]:
        """Everyone with a live socket in the convening on the other live nodes."""
        return {int(p) for p in await self._elsewhere(convening_id)}

    async def is_present_elsewhere(self, convening_id: int, participant_id: int) -> bool:
        return bool(await self._elsewhere(convening_id, participant_id))
