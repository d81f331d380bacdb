"""EventBus: how one node tells every node (itself included) that a convening changed.

Events are hints: they carry the new sequence number and whom the change concerns; each node
rebuilds views from the database. Losing an event therefore never leaves a stale view for
long: the next event, or a reconnect, brings everyone to the database's truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

import structlog

log = structlog.get_logger(__name__)

Event = dict[str, Any]


class EventBus(Protocol):
    async def publish(self, channel: str, event: Event) -> None: ...

    def subscribe(self, channel: str) -> AsyncIterator[Event]: ...

    async def close(self) -> None: ...


class MemoryBus:
    """In-process fan-out for a single node (the default)."""

    def __init__(self, queue_size: int = 1024) -> None:
        self._queues: dict[str, set[asyncio.Queue[Event]]] = {}
        self._queue_size = queue_size

    async def publish(self, channel: str, event: Event) -> None:
        for queue in list(self._queues.get(channel, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A stuck subscriber must not stall the publisher; it resyncs from the
                # database on the next event it does receive.
                log.warning("bus_subscriber_full", channel=channel)

    async def subscribe(self, channel: str) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._queues.setdefault(channel, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            subscribers = self._queues.get(channel)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._queues[channel]

    async def close(self) -> None:
        self._queues.clear()


def redis_client(url: str, *, socket_timeout: float | None = None) -> Any:
    """A Redis client whose commands survive a Redis restart: a pooled connection that turns
    out dead (the server restarted since it was opened) is reopened and the command sent
    again, a few times with a short backoff. Without ``retry_on_error`` redis-py gives up on
    the first stale connection, and the first event after a restart was lost."""
    from redis import asyncio as redis_asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    return redis_asyncio.from_url(
        url,
        socket_connect_timeout=1.0,
        socket_timeout=socket_timeout,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.01), 3),
        retry_on_error=[RedisConnectionError, RedisTimeout, OSError],
    )


class RedisBus:
    """Redis pub/sub across nodes, with a reconnect loop: when Redis goes away a subscriber
    waits with backoff and resubscribes, then yields a ``resync`` event so the node rebuilds
    its views from the database (events published meanwhile are gone)."""

    def __init__(self, url: str, *, prefix: str = "crossroads:") -> None:
        # No read timeout: a subscriber waits for messages as long as the channel is quiet.
        self._redis = redis_client(url)
        self._url = url
        self._prefix = prefix

    async def publish(self, channel: str, event: Event) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.publish(self._prefix + channel, json.dumps(event))
        except (RedisError, OSError) as exc:
            # The change is committed; nodes catch up on their next resync.
            log.warning("bus_publish_failed", channel=channel, error=str(exc))

    async def subscribe(self, channel: str) -> AsyncIterator[Event]:
        from redis.exceptions import RedisError

        delay = 0.1
        first = True
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._prefix + channel)
                if not first:
                    yield {"kind": "resync"}
                first = False
                delay = 0.1
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    with contextlib.suppress(ValueError):
                        yield json.loads(message["data"])
            except (RedisError, OSError) as exc:
                log.warning("bus_disconnected", channel=channel, error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()


def create_bus(redis_url: str | None, *, prefix: str = "crossroads:") -> EventBus:
    return RedisBus(redis_url, prefix=prefix) if redis_url else MemoryBus()
