"""Kill -9 the server while 20 people type: every acknowledged edit survives.

Twenty writers append numbered words to the same prompt through real sockets. Ten times, at a
random moment, the server gets SIGKILL and is started again; writers reconnect and go on. At the
end a fresh reader loads the document: every word whose update the server had acknowledged
must be in it. Bounded: ten kills, about a minute; loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from pathlib import Path

import pytest

from tests.integration.conftest import join, login
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer, make_server

pytestmark = pytest.mark.reliability

WRITERS = 20
KILLS = 10


def test_every_acknowledged_edit_survives_kill_9(tmp_path: Path) -> None:
    server = make_server(
        tmp_path / "server", rate_limit_login="1000/minute", rate_limit_join="1000/minute"
    )
    server.cli("migrate")
    server.create_host("host@example.org", "Hana Host")
    server.start()
    try:
        host = login(server, "host@example.org")
        convening = planned_convening(host, rounds=1)
        room = convening.public_id
        tokens = [
            notes_token(join(server, convening.invite_url, f"Typist {i}"), f"/c/{room}/notes")
            for i in range(WRITERS)
        ]
        acknowledged, sent_total = asyncio.run(_run(server, room, tokens))
        text = asyncio.run(_read(server, room, tokens[0]))
    finally:
        server.stop()
    missing = [word for word in acknowledged if word not in text]
    assert len(acknowledged) > WRITERS * 5, "the writers barely typed: the test proves nothing"
    assert missing == [], f"{len(missing)} acknowledged words lost, e.g. {missing[:5]}"
    print(f"{len(acknowledged)} acknowledged of {sent_total} sent; {KILLS} kills; nothing lost")


async def _run(server: LiveServer, room: str, tokens: list[str]) -> tuple[list[str], int]:
    acknowledged: list[str] = []
    sent_total = 0
    stop = asyncio.Event()

    async def writer(index: int, token: str) -> None:
        nonlocal sent_total
        rng = random.Random(index)
        counter = 0
        while not stop.is_set():
            client = None
            typed: list[tuple[int, str]] = []  # (message number on this connection, word)
            try:
                client = await NotesClient.connect(server, room, token)
                async with asyncio.timeout(5):
                    await client.synced.wait()
                while not stop.is_set():
                    counter += 1
                    word = f"w{index}x{counter};"
                    await client.type("free", word)
                    sent_total += 1
                    typed.append((client.sent, word))
                    await asyncio.sleep(rng.uniform(0.01, 0.06))
            except Exception:  # the server was killed: reconnect
                pass
            finally:
                if client is not None:
                    acknowledged.extend(word for number, word in typed if number <= client.acked)
                    with contextlib.suppress(Exception):
                        await client.close()
            await asyncio.sleep(0.2)

    async def killer() -> None:
        rng = random.Random(7)
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            assert server.process is not None
            server.process.send_signal(signal.SIGKILL)
            await asyncio.to_thread(server.process.wait)
            await asyncio.to_thread(server.start)
        await asyncio.sleep(1.5)
        stop.set()

    await asyncio.gather(killer(), *(writer(i, t) for i, t in enumerate(tokens)))
    return acknowledged, sent_total


async def _read(server: LiveServer, room: str, token: str) -> str:
    reader = await NotesClient.connect(server, room, token)
    async with asyncio.timeout(10):
        await reader.synced.wait()
    text = str(reader.text("free"))
    await reader.close()
    return text
