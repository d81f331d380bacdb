"""People typing numbered words into the shared notes through whatever the server goes through.

Each typist appends ``w<typist>x<n>;`` to the free section, one word per update, and keeps the
words the server acknowledged (our ack counts a connection's messages: see
docs/notes-protocol.md). When its socket breaks it reconnects with a fresh document and goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field

from tests.integration.notes_client import NotesClient
from tests.servers import LiveServer


@dataclass
class Typing:
    acknowledged: list[str] = field(default_factory=list)
    sent: int = 0
    connections: int = 0


async def type_until(
    server: LiveServer, room: str, tokens: list[str], stop: asyncio.Event
) -> Typing:
    """Type with one typist per token until ``stop`` is set; then wait a little for the last
    acknowledgements of each open connection."""
    typing = Typing()

    async def typist(index: int, token: str) -> None:
        rng = random.Random(index)
        counter = 0
        while not stop.is_set():
            client = None
            typed: list[tuple[int, str]] = []  # (message number on this connection, word)
            try:
                client = await NotesClient.connect(server, room, token)
                typing.connections += 1
                async with asyncio.timeout(5):
                    await client.synced.wait()
                while not stop.is_set():
                    counter += 1
                    word = f"w{index}x{counter};"
                    await client.type("free", word)
                    typing.sent += 1
                    typed.append((client.sent, word))
                    await asyncio.sleep(rng.uniform(0.01, 0.06))
                with contextlib.suppress(TimeoutError):
                    await client.wait_acked(wait=10)
            except Exception:  # the server or its database went away: reconnect
                pass
            finally:
                if client is not None:
                    typing.acknowledged.extend(w for number, w in typed if number <= client.acked)
                    with contextlib.suppress(Exception):
                        await client.close()
            if not stop.is_set():
                await asyncio.sleep(0.2)

    await asyncio.gather(*(typist(i, t) for i, t in enumerate(tokens)))
    return typing


async def read_text(server: LiveServer, room: str, token: str) -> str:
    """The free section as a fresh client receives it."""
    reader = await NotesClient.connect(server, room, token)
    async with asyncio.timeout(10):
        await reader.synced.wait()
    text = str(reader.text("free"))
    await reader.close()
    return text
