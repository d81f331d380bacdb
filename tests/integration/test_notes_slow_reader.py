"""A notes reader that stops reading is closed (1013) and resyncs; the room loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import websockets

from crossroads.notes import protocol
from tests.integration.conftest import serve
from tests.integration.notes_client import NotesClient
from tests.integration.test_notes import setup_room
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

UPDATE_BYTES = 60_000
UPDATES = 200  # 12 MB: past the kernel's buffers on both ends and the server's 2 MiB limit


@pytest.fixture(scope="module")
def notes_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(
        backend, Path(tmp_path_factory.mktemp("slow")), notes_max_update_bytes="65536"
    ) as server:
        yield server


async def stalled_reader(server: LiveServer, room: str, token: str) -> websockets.ClientConnection:
    """A client that syncs, then reads nothing: a small receive buffer, and websockets stops
    reading its socket once ``max_queue`` messages wait unread."""
    url = server.url.replace("http", "ws", 1) + f"/ws/notes/{room}?token={token}"
    address = urlsplit(server.url)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, (address.hostname, address.port))
    reader = await websockets.connect(
        url, sock=raw, additional_headers={"Origin": server.url}, max_size=2**24, max_queue=4
    )
    await reader.send(protocol.sync_message(protocol.STEP1, b"\x00"))
    return reader


def test_a_reader_that_stops_reading_is_closed_and_the_room_carries_on(
    notes_server: LiveServer,
) -> None:
    room, (writer_token, reader_token, stalled_token), _host = setup_room(notes_server, people=3)

    async def scenario() -> None:
        writer = await NotesClient.connect(notes_server, room, writer_token)
        reader = await NotesClient.connect(notes_server, room, reader_token)
        stalled = await stalled_reader(notes_server, room, stalled_token)
        typed = ""
        for i in range(UPDATES):
            words = f"{i:04d}" + "x" * (UPDATE_BYTES - 4)
            await writer.type("free", words)
            typed += words
            if i % 20 == 19:  # keep a bounded number in flight, as an editor does
                await writer.wait_acked(wait=30)
        await writer.wait_acked(wait=30)
        await reader.wait_text("free", typed, wait=60)

        # The stalled client now reads what the server had sent before giving up on it, then
        # finds its socket closed as too slow: it reconnects and resyncs (the browser does).
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(60):
                async for _frame in stalled:
                    pass
        assert stalled.close_code == 1013
        again = await NotesClient.connect(notes_server, room, stalled_token)
        await again.wait_text("free", typed, wait=30)
        for client in (writer, reader, again):
            await client.close()

    asyncio.run(scenario())
