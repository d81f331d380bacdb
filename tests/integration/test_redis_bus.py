"""The Redis event bus across two nodes, on a real Redis (CI starts one; else this skips)."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest
import redis

from crossroads.live.bus import MemoryBus, RedisBus
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.integration

requires_redis = pytest.mark.skipif(
    not TEST_REDIS_URL,
    reason="CROSSROADS_TEST_REDIS_URL is not set (`make test` starts Redis)",
)


async def _subscribed(url: str, channel: str, within: float = 10) -> None:
    """Return once Redis counts a subscriber on ``channel``: a message published before
    then would reach nobody. (A fixed 0.3 s pause stood here: slow on an idle machine, and
    maybe too short on a loaded one.)"""
    deadline = time.monotonic() + within
    with redis.Redis.from_url(url) as client:
        while client.pubsub_numsub(channel)[0][1] < 1:
            assert time.monotonic() < deadline, f"nobody subscribed to {channel} in {within} s"
            await asyncio.sleep(0.01)


async def _first(bus: object, url: str, prefix: str, channel: str, ready: asyncio.Event) -> dict:  # type: ignore[type-arg]
    stream = bus.subscribe(channel)  # type: ignore[attr-defined]
    task = asyncio.create_task(anext(stream))
    await _subscribed(url, prefix + channel)
    ready.set()
    return await asyncio.wait_for(task, timeout=10)


@requires_redis
def test_an_event_published_on_one_node_reaches_the_other() -> None:
    async def scenario() -> None:
        assert TEST_REDIS_URL is not None
        # A prefix of its own: channels are shared by every Redis database number, and
        # another run (a parallel worker, a colleague's suite) may publish on "test:live:42".
        prefix = f"test-{secrets.token_hex(4)}:"
        node_a, node_b = (
            RedisBus(TEST_REDIS_URL, prefix=prefix),
            RedisBus(TEST_REDIS_URL, prefix=prefix),
        )
        ready = asyncio.Event()
        receiver = asyncio.create_task(_first(node_b, TEST_REDIS_URL, prefix, "live:42", ready))
        await ready.wait()
        await node_a.publish("live:42", {"kind": "round_started", "seq": 7})
        assert await receiver == {"kind": "round_started", "seq": 7}
        await node_a.close()
        await node_b.close()

    asyncio.run(scenario())


def test_the_memory_bus_delivers_in_order_to_every_subscriber() -> None:
    async def scenario() -> None:
        bus = MemoryBus()
        first, second = bus.subscribe("c"), bus.subscribe("c")
        waiting = [asyncio.create_task(anext(first)), asyncio.create_task(anext(second))]
        await asyncio.sleep(0)
        await bus.publish("c", {"seq": 1})
        assert [await w for w in waiting] == [{"seq": 1}, {"seq": 1}]
        await bus.publish("other", {"seq": 2})  # nobody listens there: dropped quietly
        await bus.publish("c", {"seq": 3})
        assert await asyncio.wait_for(anext(first), 1) == {"seq": 3}

    asyncio.run(scenario())
