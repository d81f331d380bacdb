"""Live socket clients for tests: real WebSockets against a real server, with cookies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from tests.integration.conftest import Browserish, Convening, create_convening
from tests.servers import LiveServer

Message = dict[str, Any]


def cookie_header(client: Browserish) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


class LiveClient:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.seen: list[Message] = []

    @classmethod
    async def connect(
        cls, server: LiveServer, path: str, client: Browserish | None, *, origin: str | None = None
    ) -> LiveClient:
        headers = {"Origin": origin or server.url}
        if client is not None:
            headers["Cookie"] = cookie_header(client)
        # No keepalive pings from this side: a browser never sends one (the server pings it),
        # and on a loaded two-core machine a ping's 20 s could run out in the test's own busy
        # loop and close the socket with 1011 (seen once on CI, PostgreSQL restarting).
        socket = await websockets.connect(
            server.url.replace("http", "ws", 1) + path,
            additional_headers=headers,
            max_size=2**22,
            ping_interval=None,
        )
        return cls(socket)

    async def send(self, message: Message | str | bytes) -> None:
        await self.socket.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def next(
        self, kind: str, where: Callable[[Message], bool] = lambda m: True, wait: float = 10
    ) -> Message:
        """The next message of ``kind`` that satisfies ``where`` (earlier ones are kept)."""

        async def read() -> Message:
            while True:
                message = json.loads(await self.socket.recv())
                self.seen.append(message)
                if message.get("type") == kind and where(message):
                    return message

        return await asyncio.wait_for(read(), wait)

    async def close(self) -> None:
        await self.socket.close()


def add_round(
    host: Browserish, public_id: str, *, kind: str = "pairs", size: int = 2, minutes: int = 10
) -> None:
    base = f"/host/convenings/{public_id}"
    response = host.submit(
        f"{base}/rounds",
        {
            "title": f"{kind} round",
            "kind": kind,
            "group_size": str(size),
            "duration_minutes": str(minutes),
        },
        form_page=base,
    )
    assert response.status_code == 200, response.text
    rounds = re.findall(r'/rounds/([A-Za-z0-9_-]+)/prompts"', host.get(base).text)
    host.submit(
        f"{base}/rounds/{rounds[-1]}/prompts",
        {"text_en": "What brought you here?", "text_es": "¿Qué te trajo aquí?"},
        form_page=base,
    )


async def connect_people(
    server: LiveServer, public_id: str, clients: list[Browserish]
) -> list[LiveClient]:
    """A live socket each, greeted and past its first snapshot, in the order given."""
    sockets = []
    for client in clients:
        socket = await LiveClient.connect(server, f"/ws/live/{public_id}", client)
        await socket.send({"v": 1, "type": "hello", "last_seq": 0})
        await socket.next("snapshot")
        sockets.append(socket)
    return sockets


def planned_convening(host: Browserish, rounds: int = 2, **fields: object) -> Convening:
    convening = create_convening(host, "Live call", **fields)
    for _ in range(rounds):
        add_round(host, convening.public_id)
    return convening


async def latest_snapshot(socket: LiveClient, settle: float = 1.5) -> Message:
    """The last snapshot the socket received, once it has been quiet for ``settle`` seconds."""
    with contextlib.suppress(TimeoutError):
        while True:
            await socket.next("snapshot", wait=settle)
    last = next((m for m in reversed(socket.seen) if m.get("type") == "snapshot"), None)
    assert last is not None, "no snapshot arrived"
    return last
