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


def test_a_message_to_an_idle_socket_is_sent_before_put_returns() -> None:
    async def scenario() -> None:
        peer = StuckPeer()
        peer.release.set()
        outbox: Outbox[str] = Outbox(8)
        outbox.start(peer.send, peer.close)
        await asyncio.sleep(0)  # the writer parks: the socket is idle

        assert outbox.put("now")
        assert peer.sent == ["now"]

    asyncio.run(scenario())


def test_messages_put_while_a_send_waits_go_out_after_it_in_order() -> None:
    async def scenario() -> None:
        peer = StuckPeer()  # takes "a" at once, then "b" waits until released
        outbox: Outbox[str] = Outbox(8)
        outbox.start(peer.send, peer.close)
        await asyncio.sleep(0)
        for word in ("a", "b", "c", "d"):
            assert outbox.put(word)
        assert peer.sent == ["a", "b"]  # "b" is under way, "c" and "d" wait behind it

        peer.release.set()
        outbox.close(1000, "bye")
        await outbox.wait_done(within=2)

        assert peer.sent == ["a", "b", "c", "d"]
        assert peer.closed_with == (1000, "bye")

    asyncio.run(scenario())


def test_a_socket_that_fails_on_send_closes_its_outbox() -> None:
    async def scenario() -> None:
        closed: list[tuple[int, str]] = []

        async def broken(item: str) -> None:
            raise ConnectionResetError("peer gone")

        async def close(code: int, reason: str) -> None:
            closed.append((code, reason))

        outbox: Outbox[str] = Outbox(8)
        outbox.start(broken, close)
        await asyncio.sleep(0)

        assert outbox.put("lost")
        assert outbox.closed
        assert not outbox.put("later")
        await outbox.wait_done(within=2)

    asyncio.run(scenario())
