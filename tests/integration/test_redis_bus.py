"""The Redis event bus across two nodes, on a real Redis (CI starts one; else this skips)."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from crossroads.live.bus import MemoryBus, RedisBus
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.integration

requires_redis = pytest.mark.skipif(
    not TEST_REDIS_URL,
    reason="CROSSROADS_TEST_REDIS_URL is not set (`make test` starts Redis)",
)


async def _first(bus: object, channel: str, ready: asyncio.Event) -> dict:  # type: ignore[type-arg]
    stream = bus.subscribe(channel)  # type: ignore[attr-defined]
    task = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.3)  # let the subscription reach the server
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
        receiver = asyncio.create_task(_first(node_b, "live:42", ready))
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
