"""Awareness within bounds over real sockets (issue #26): floods, huge states and NaN are
refused with a documented code, and the others in the room keep editing and seeing presence."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from crossroads.notes import protocol
from crossroads.notes.protocol import AwarenessEntry
from tests.integration.conftest import serve
from tests.integration.notes_client import NotesClient
from tests.integration.test_notes import setup_room
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def notes_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("awareness"))) as server:
        yield server


def awareness(*entries: tuple[int, int, bytes]) -> bytes:
    return protocol.awareness_message(
        protocol.encode_awareness([AwarenessEntry(c, k, s) for c, k, s in entries])
    )


NAME = b'{"user":{"name":"Ana"}}'


async def send_and_close_code(client: NotesClient, *frames: bytes) -> int | None:
    try:
        for frame in frames:
            await client.socket.send(frame)
    except websockets.ConnectionClosed:
        pass
    code = await client.closed()
    await client.close()
    return code


def test_awareness_abuse_is_refused_and_the_room_carries_on(notes_server: LiveServer) -> None:
    room, (ta, tb, tc), _host = setup_room(notes_server, people=3)
    state_1mb = b'"' + b"x" * (1024 * 1024 - 64) + b'"'
    abuses = [
        # 10,000 tiny entries in one message, then spread over messages of 5 new ids
        ([awareness(*[(i, 1, b"{}") for i in range(10_000)])], 1007),
        ([awareness(*[(100 + 5 * f + i, 1, b"{}") for i in range(5)]) for f in range(20)], 1008),
        ([awareness((1, 1, b'"' + b"x" * 200_000 + b'"'))], 1008),  # a 200 KB state
        ([awareness((1, 1, state_1mb))], 1008),  # a state of (just under) 1 MB
        ([awareness((1, 1, b'{"cursor": NaN}'))], 1007),
        ([awareness((1, 1, b"Infinity"))], 1007),
        # A cursor Yjs cannot resolve: throws in every browser's remote-cursor plugin
        ([awareness((1, 1, b'{"cursor": {"anchor": {}, "head": {}}}'))], 1007),
        ([bytes([protocol.QUERY_AWARENESS]) * 1000], 1008),  # a thousand queries in a frame
        ([bytes([protocol.QUERY_AWARENESS])] * 40, 1008),  # a flood of single queries
    ]

    async def scenario() -> None:
        a = await NotesClient.connect(notes_server, room, ta)
        b = await NotesClient.connect(notes_server, room, tb)
        await a.socket.send(awareness((11, 1, NAME)))
        async with asyncio.timeout(10):
            while 11 not in b.presence:  # noqa: ASYNC110  a test polling state
                await asyncio.sleep(0.01)
        for frames, code in abuses:
            bad = await NotesClient.connect(notes_server, room, tc)
            await bad.synced.wait()
            assert await send_and_close_code(bad, *frames) == code, frames[0][:12]
            # The others keep editing, promptly acknowledged, and see each other.
            await a.type("free", ".")
            await a.wait_acked()
            await b.wait_text("free", str(a.text("free")))
        # None of the refused states reached anyone: b saw Ana's presence (and the removal
        # of what a refused connection had set before breaking a bound), nothing big.
        assert b.presence[11] == NAME
        assert all(len(state) <= 64 for state in b.presence.values())
        assert b.awareness_bytes < 10_000
        await a.close()
        await b.close()

    asyncio.run(scenario())


def test_echoes_do_not_move_presence_and_leaving_removes_it(notes_server: LiveServer) -> None:
    room, (ta, tb, tc), _host = setup_room(notes_server, people=3)

    async def scenario() -> None:
        a = await NotesClient.connect(notes_server, room, ta)
        b = await NotesClient.connect(notes_server, room, tb)
        c = await NotesClient.connect(notes_server, room, tc)
        await a.socket.send(awareness((21, 1, NAME)))
        async with asyncio.timeout(10):
            while 21 not in b.presence or 21 not in c.presence:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        # b echoes Ana's state, as y-websocket clients do, and "removes" it: both ignored.
        await b.socket.send(awareness((21, 1, NAME)))
        await b.socket.send(awareness((21, 1, b"null")))
        await a.type("free", "x")  # a round trip through the room, after b's frames
        await a.wait_acked()
        await c.wait_text("free", "x")
        assert c.presence[21] == NAME
        await a.close()  # Ana leaves: her presence goes for everyone
        async with asyncio.timeout(10):
            while c.presence.get(21) != b"null":  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await b.close()
        await c.close()

    asyncio.run(scenario())
