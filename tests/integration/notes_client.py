"""A y-websocket client on pycrdt, for tests: real sockets, real CRDT, our ack message."""

from __future__ import annotations

import asyncio
import contextlib
import re

import websockets
from pycrdt import Doc, Text
from websockets.asyncio.client import ClientConnection

from crossroads.notes import protocol
from tests.integration.conftest import Browserish
from tests.servers import LiveServer

TOKEN = re.compile(r'data-token="([^"]+)"')


def notes_token(client: Browserish, page: str) -> str:
    match = TOKEN.search(client.get(page).text)
    assert match, f"no notes token on {page}"
    return match.group(1)


class NotesClient:
    def __init__(self, socket: ClientConnection, doc: Doc | None = None) -> None:
        self.socket = socket
        self.doc = doc if doc is not None else Doc()
        self.acked = 0
        self.denied = 0  # permission-denied messages (an edit to a locked section)
        self.sent = 0
        self.synced = asyncio.Event()
        self.presence: dict[int, bytes] = {}  # awareness states received, by client id
        self.awareness_bytes = 0  # awareness payload bytes received
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(
        cls,
        server: LiveServer,
        room: str,
        token: str,
        *,
        origin: str | None = None,
        doc: Doc | None = None,
    ) -> NotesClient:
        """Connect and send sync step 1; with ``doc``, a document kept from an earlier
        connection, as y-websocket keeps its own across reconnects (the server's step 1 is
        answered with everything it lacks)."""
        url = server.url.replace("http", "ws", 1) + f"/ws/notes/{room}?token={token}"
        # No keepalive pings, as a browser (see LiveClient.connect).
        socket = await websockets.connect(
            url,
            additional_headers={"Origin": origin or server.url},
            max_size=2**24,
            ping_interval=None,
        )
        client = cls(socket, doc)
        with contextlib.suppress(websockets.ConnectionClosed):  # a refusal closes at once
            await socket.send(protocol.sync_message(protocol.STEP1, client.doc.get_state()))
        return client

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for frame in self.socket:
                assert isinstance(frame, bytes)
                if frame[0] == protocol.ACK:
                    self.acked, _ = protocol.read_varuint(frame, 1)
                    continue
                if frame[0] == protocol.AUTH:
                    self.denied += 1
                    continue
                for message in protocol.parse_frame(frame):
                    if message.kind == protocol.AWARENESS:
                        self.awareness_bytes += len(message.payload)
                        for entry in protocol.parse_awareness(message.payload):
                            self.presence[entry.client_id] = entry.state
                    if message.kind != protocol.SYNC:
                        continue
                    if message.step == protocol.STEP1:
                        reply = self.doc.get_update(message.payload)
                        await self.socket.send(protocol.sync_message(protocol.STEP2, reply))
                        self.sent += 1
                    else:
                        self.doc.apply_update(message.payload)
                        if message.step == protocol.STEP2:
                            self.synced.set()

    def text(self, section: str) -> Text:
        return self.doc.get(f"prompt:{section}", type=Text)

    async def type(self, section: str, words: str) -> None:
        """Append ``words`` to a section and send the update, as an editor would."""
        before = self.doc.get_state()
        text = self.text(section)
        text += words
        await self.socket.send(protocol.sync_message(protocol.UPDATE, self.doc.get_update(before)))
        self.sent += 1

    async def wait_acked(self, wait: float = 10) -> None:
        async with asyncio.timeout(wait):
            while self.acked < self.sent:  # noqa: ASYNC110  a test polling state
                await asyncio.sleep(0.01)

    async def wait_text(self, section: str, expected: str, wait: float = 10) -> None:
        async with asyncio.timeout(wait):
            while str(self.text(section)) != expected:  # noqa: ASYNC110  as above
                await asyncio.sleep(0.01)

    async def closed(self, wait: float = 10) -> int | None:
        async with asyncio.timeout(wait):
            await self.socket.wait_closed()
        return self.socket.close_code

    async def close(self) -> None:
        await self.socket.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
