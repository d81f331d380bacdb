"""The per-socket outbox: order kept, and a client that stops reading is closed with 1013."""

from __future__ import annotations

import asyncio

import pytest

from crossroads.outbox import Outbox

pytestmark = pytest.mark.unit


class StuckPeer:
    """A peer that reads the first message and then never again (a frozen tab, a dead link)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None
        self.release = asyncio.Event()

    async def send(self, item: str) -> None:
        self.sent.append(item)
        if len(self.sent) > 1:
            await self.release.wait()

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)


def test_messages_go_out_in_order_then_the_close() -> None:
    async def scenario() -> None:
        peer = StuckPeer()
        peer.release.set()
        outbox: Outbox[str] = Outbox(8)
        outbox.start(peer.send, peer.close)
        for word in ("a", "b", "c"):
            assert outbox.put(word)
        outbox.close(1000, "bye")
        await outbox.wait_done(within=2)
        assert peer.sent == ["a", "b", "c"]
        assert peer.closed_with == (1000, "bye")

    asyncio.run(scenario())


def test_a_client_that_stops_reading_is_closed_even_with_a_full_queue() -> None:
    async def scenario() -> None:
        peer = StuckPeer()
        outbox: Outbox[str] = Outbox(4)
        outbox.start(peer.send, peer.close)
        accepted = [outbox.put(str(i)) for i in range(10)]
        assert False in accepted and outbox.closed
        peer.release.set()  # the peer wakes up: what it gets next is the close, not a backlog
        await outbox.wait_done(within=2)
        assert peer.closed_with is not None and peer.closed_with[0] == 1013
        assert not outbox.put("late")

    asyncio.run(scenario())
