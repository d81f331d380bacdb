"""The server's WebSocket protocol (``websocket_frames.py``): binary messages reach the app's
handler whole, once and in order however the network cuts the bytes, and whichever parser
takes them (its own for small final binary frames, websockets' for the rest).

A real uvicorn on loopback with a tiny ASGI app that echoes what its handler takes; the client
is websockets' sans-I/O client, whose bytes are written to the socket in chosen pieces.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from crossroads.websocket_frames import EXTENSION, FramesProtocol, binary_frame
from tests.servers import free_port

pytestmark = pytest.mark.integration
MAX_SIZE = 100_000


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echoes what its binary handler takes as ``taken:<payload>`` (through the frame
    writer), and what ASGI delivers as ``asgi:<message>``. Says ``ready`` once it listens."""
    if scope["type"] != "websocket":
        return
    await receive()
    await send({"type": "websocket.accept"})
    frames = scope["extensions"][EXTENSION]
    frames.take_binary(lambda payload: frames.write(binary_frame(b"taken:" + payload), 1 << 30))
    await send({"type": "websocket.send", "text": "ready"})
    while (message := await receive())["type"] != "websocket.disconnect":
        if message.get("bytes") is not None:
            await send({"type": "websocket.send", "bytes": b"asgi:" + message["bytes"]})
        else:
            await send({"type": "websocket.send", "text": "asgi:" + message["text"]})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    config = uvicorn.Config(
        echo_app,
        host="127.0.0.1",
        port=free_port(),
        ws=FramesProtocol,
        ws_max_size=MAX_SIZE,
        ws_per_message_deflate=False,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    yield config.port
    server.should_exit = True
    await asyncio.wait_for(task, timeout=10)


class RawClient:
    """websockets' client protocol over a plain socket: what it sends is written in the
    pieces a test chooses; what comes back is parsed into frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol = ClientProtocol(parse_uri("ws://127.0.0.1/"), max_size=None)
        self.frames: list[Frame] = []

    @classmethod
    async def connect(cls, port: int) -> RawClient:
        client = cls(*await asyncio.open_connection("127.0.0.1", port))
        client.protocol.send_request(client.protocol.connect())
        client.writer.write(client.pending_bytes())
        while client.protocol.state is State.CONNECTING:
            client.protocol.receive_data(await client.reader.read(65536))
        await client.receive_until(lambda frames: any(f.data == b"ready" for f in frames))
        client.frames.clear()
        return client

    def pending_bytes(self) -> bytes:
        return b"".join(self.protocol.data_to_send())

    async def write_in_pieces(self, data: bytes, sizes: list[int]) -> None:
        pos = 0
        for size in sizes:
            self.writer.write(data[pos : pos + size])
            await self.writer.drain()
            await asyncio.sleep(0.002)  # so that the server reads it as a piece of its own
            pos += size
        self.writer.write(data[pos:])
        await self.writer.drain()

    async def receive_until(self, enough: Any, within: float = 10) -> list[Frame]:
        async with asyncio.timeout(within):
            while True:
                self.frames += [e for e in self.protocol.events_received() if isinstance(e, Frame)]
                if enough(self.frames):
                    return self.frames
                data = await self.reader.read(65536)
                if not data:
                    self.protocol.receive_eof()
                    return self.frames
                self.protocol.receive_data(data)

    def close_code(self) -> int | None:
        closes = [f for f in self.frames if f.opcode is Opcode.CLOSE]
        return int.from_bytes(closes[0].data[:2]) if closes else None

    async def aclose(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


# Each length form of a frame header: 7 bits (up to 125), 16 bits (126 to 65,535), 64 bits.
SIZES = [0, 1, 5, 125, 126, 127, 300, 4_000, 65_535, 65_536, 70_000]


@pytest.mark.parametrize("cut", ["whole", "byte by byte", "random pieces"])
async def test_binary_messages_arrive_whole_once_and_in_order_however_cut(
    port: int, cut: str
) -> None:
    rng = random.Random(cut)
    client = await RawClient.connect(port)
    try:
        payloads = [rng.randbytes(size) for size in SIZES for _ in range(2)]
        rng.shuffle(payloads)
        for payload in payloads:
            client.protocol.send_binary(payload)
        client.protocol.send_ping(b"are you there")
        client.protocol.send_text(b"a text message")
        # A fragmented binary message: ASGI delivers it, not the handler.
        client.protocol.send_binary(b"frag", fin=False)
        client.protocol.send_continuation(b"mented", fin=True)
        for payload in payloads[:5]:  # and binary frames after all that
            client.protocol.send_binary(payload)
        data = client.pending_bytes()
        if cut == "whole":
            sizes: list[int] = []
        elif cut == "byte by byte":
            sizes = [1] * 400  # through the first frames' headers, masks and payloads
        else:
            sizes = [rng.choice([1, 2, 3, 7, 50, 1000, 30_000]) for _ in range(60)]
        await client.write_in_pieces(data, sizes)

        expected = [b"taken:" + p for p in payloads + payloads[:5]]

        def all_in(frames: list[Frame]) -> bool:
            binary = [f.data for f in frames if f.opcode is Opcode.BINARY]
            texts = [f.data for f in frames if f.opcode is Opcode.TEXT]
            return len(binary) == len(expected) + 1 and len(texts) == 1

        frames = await client.receive_until(all_in)
    finally:
        await client.aclose()

    binary = [bytes(f.data) for f in frames if f.opcode is Opcode.BINARY]
    assert [b for b in binary if b.startswith(b"taken:")] == expected
    assert [b for b in binary if b.startswith(b"asgi:")] == [b"asgi:fragmented"]
    assert [bytes(f.data) for f in frames if f.opcode is Opcode.TEXT] == [b"asgi:a text message"]
    assert [bytes(f.data) for f in frames if f.opcode is Opcode.PONG] == [b"are you there"]


async def test_an_oversize_frame_closes_with_1009_and_reaches_no_one(port: int) -> None:
    client = await RawClient.connect(port)
    try:
        client.protocol.send_binary(b"small")
        client.protocol.send_binary(b"x" * (MAX_SIZE + 1))
        client.protocol.send_binary(b"after")
        await client.write_in_pieces(client.pending_bytes(), [])
        frames = await client.receive_until(lambda fs: any(f.opcode is Opcode.CLOSE for f in fs))
    finally:
        await client.aclose()

    assert client.close_code() == 1009
    assert [bytes(f.data) for f in frames if f.opcode is Opcode.BINARY] == [b"taken:small"]


async def test_an_unmasked_frame_from_a_client_closes_with_1002(port: int) -> None:
    client = await RawClient.connect(port)
    try:
        client.protocol.send_binary(b"masked, fine")
        unmasked = Frame(Opcode.BINARY, b"unmasked").serialize(mask=False, extensions=[])
        await client.write_in_pieces(client.pending_bytes() + unmasked, [])
        frames = await client.receive_until(lambda fs: any(f.opcode is Opcode.CLOSE for f in fs))
    finally:
        await client.aclose()

    assert client.close_code() == 1002
    assert [bytes(f.data) for f in frames if f.opcode is Opcode.BINARY] == [b"taken:masked, fine"]


def _zero_masked_frame(payload: bytes) -> bytes:
    """A client's final binary frame with the mask 0 (allowed): its payload goes on the
    wire as is."""
    assert len(payload) < 126
    return bytes([0x82, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


async def test_a_frame_cut_after_its_header_is_not_mistaken_for_the_frames_inside_it(
    port: int,
) -> None:
    """The rest of a frame whose header came alone starts mid-frame, even if its bytes look
    like frames of their own: they are this frame's payload."""
    inner = _zero_masked_frame(b"inner") * 3
    outer = _zero_masked_frame(inner)
    client = await RawClient.connect(port)
    try:
        await client.write_in_pieces(outer + _zero_masked_frame(b"next"), [6])
        frames = await client.receive_until(
            lambda fs: len([f for f in fs if f.opcode is Opcode.BINARY]) >= 2
        )
    finally:
        await client.aclose()

    assert [bytes(f.data) for f in frames if f.opcode is Opcode.BINARY] == [
        b"taken:" + inner,
        b"taken:next",
    ]
