"""People typing numbered words into the shared notes through whatever the server goes through.

Each typist appends ``w<typist>x<n>;`` to the free section, one word per update, and keeps the
words the server acknowledged (our ack counts a connection's messages: see
docs/notes-protocol.md). When its socket breaks it reconnects with the document it had, as
y-websocket does, and goes on: the sync on reconnecting sends back whatever the server lacks,
its own unacknowledged words and others' it had relayed. Once told to stop, every typist
connects once more and syncs; then each document must read as the server's (``diverged``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field

from pycrdt import Doc

from tests.integration.notes_client import NotesClient
from tests.servers import LiveServer

CONVERGE_WITHIN = 20.0  # seconds for a last sync and the relays after it


@dataclass
class Typing:
    acknowledged: list[str] = field(default_factory=list)
    sent: int = 0
    connections: int = 0
    # Typists whose document did not read as the server's after the last sync, and why.
    diverged: list[str] = field(default_factory=list)
    server_text: str = ""
    # Words acknowledged so far, per typist, counted as they come (``acknowledged`` is filled
    # as each connection ends): what ``enough_acknowledged`` waits on.
    live: dict[int, int] = field(default_factory=dict)


async def enough_acknowledged(typing: Typing, count: int, within: float = 60.0) -> None:
    """Wait until ``count`` words are acknowledged, or ``within`` seconds: on a loaded machine
    the outages' fixed windows may leave the writers too little time to type (the assertions
    that follow say so if they still did too little)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while sum(typing.live.values()) < count and loop.time() < deadline:  # noqa: ASYNC110  a count
        await asyncio.sleep(0.1)


async def type_until(
    server: LiveServer,
    room: str,
    tokens: list[str],
    stop: asyncio.Event,
    typing: Typing | None = None,
) -> Typing:
    """Type with one typist per token until ``stop`` is set; then wait a little for the last
    acknowledgements of each open connection, and check that everyone converges. Pass
    ``typing`` to watch its ``live`` count meanwhile."""
    typing = typing if typing is not None else Typing()
    docs = [Doc() for _ in tokens]
    finals: list[NotesClient | None] = [None] * len(tokens)
    synced = asyncio.Barrier(len(tokens) + 1)
    compared = asyncio.Event()

    async def typist(index: int, token: str) -> None:
        rng = random.Random(index)
        counter = 0
        earlier = 0  # words acknowledged on this typist's closed connections
        while not stop.is_set():
            client = None
            typed: list[tuple[int, str]] = []  # (message number on this connection, word)
            try:
                client = await NotesClient.connect(server, room, token, doc=docs[index])
                typing.connections += 1
                async with asyncio.timeout(15):  # a room loading on a loaded machine
                    await client.synced.wait()
                while not stop.is_set():
                    counter += 1
                    word = f"w{index}x{counter};"
                    await client.type("free", word)
                    typing.sent += 1
                    typed.append((client.sent, word))
                    typing.live[index] = earlier + sum(n <= client.acked for n, _ in typed)
                    await asyncio.sleep(rng.uniform(0.01, 0.06))
                with contextlib.suppress(TimeoutError):
                    await client.wait_acked(wait=10)
            except Exception:  # the server or its database went away: reconnect
                pass
            finally:
                if client is not None:
                    mine = [w for number, w in typed if number <= client.acked]
                    typing.acknowledged.extend(mine)
                    earlier += len(mine)
                    typing.live[index] = earlier
                    with contextlib.suppress(Exception):
                        await client.close()
            if not stop.is_set():
                await asyncio.sleep(0.2)
        finals[index] = await _last_sync(server, room, token, docs[index])
        await synced.wait()
        await compared.wait()

    async def compare() -> None:
        await synced.wait()  # every typist's last sync is acknowledged: the server has all
        try:
            typing.server_text = await read_text(server, room, tokens[0])
            for index, client in enumerate(finals):
                if client is None:
                    typing.diverged.append(f"typist {index}: could not reconnect")
                    continue
                try:
                    await client.wait_text("free", typing.server_text, wait=CONVERGE_WITHIN)
                except TimeoutError:
                    mine = str(client.text("free"))
                    typing.diverged.append(
                        f"typist {index}: {len(mine)} chars, the server {len(typing.server_text)}"
                    )
        finally:
            compared.set()
            for client in finals:
                if client is not None:
                    with contextlib.suppress(Exception):
                        await client.close()

    await asyncio.gather(*(typist(i, t) for i, t in enumerate(tokens)), compare())
    return typing


async def _last_sync(server: LiveServer, room: str, token: str, doc: Doc) -> NotesClient | None:
    """Connect with ``doc`` and sync both ways (its step 2 acknowledged), retrying a while."""
    for _ in range(10):
        client = None
        try:
            client = await NotesClient.connect(server, room, token, doc=doc)
            async with asyncio.timeout(10):
                await client.synced.wait()
                while client.sent == 0:  # noqa: ASYNC110  our answer to the server's step 1
                    await asyncio.sleep(0.01)
            await client.wait_acked(wait=10)
            return client
        except Exception:
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.close()
            await asyncio.sleep(0.5)
    return None


async def read_text(server: LiveServer, room: str, token: str) -> str:
    """The free section as a fresh client receives it."""
    reader = await NotesClient.connect(server, room, token)
    # Generous: right after PostgreSQL restarts, with the other worker's tests beside it, the
    # room's first load can take more than 10 s (seen once in a full two-worker run).
    async with asyncio.timeout(30):
        await reader.synced.wait()
    text = str(reader.text("free"))
    await reader.close()
    return text
