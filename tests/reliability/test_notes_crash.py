"""Kill -9 the server while 20 people type: every acknowledged edit survives.

Twenty writers append numbered words to the same prompt through real sockets, with two busy
processes beside them. Again and again (tests/reliability/load.py: 6 times, or
CROSSROADS_RELIABILITY_REPEAT), at a random moment, the server gets SIGKILL and is started
again; writers reconnect with the documents they had and go on. Updates are relayed before
their commit, so a kill can take updates that others already hold: at the end every
writer's document must read as the server's, and every word whose update the server had
acknowledged must be in it. Bounded: a few seconds a kill; loopback only.
"""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import pytest

from tests.integration.conftest import join, login
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import notes_token
from tests.reliability.load import REPEAT, busy_machine, kills
from tests.reliability.typists import Typing, read_text, type_until
from tests.servers import LiveServer, copy_prepared_database, make_server

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(300 + 30 * REPEAT)]

WRITERS = 20
KILLS = kills()
STARTS_WITHIN = 120  # seconds: a start beside two busy processes on a shared machine took >30


def test_every_acknowledged_edit_survives_kill_9(tmp_path: Path) -> None:
    server = make_server(
        tmp_path / "server", rate_limit_login="1000/minute", rate_limit_join="1000/minute"
    )
    copy_prepared_database(server)
    server.start()
    try:
        host = login(server, "host@example.org")
        convening = planned_convening(host, rounds=1)
        room = convening.public_id
        tokens = [
            notes_token(join(server, convening.invite_url, f"Typist {i}"), f"/c/{room}/notes")
            for i in range(WRITERS)
        ]
        with busy_machine():
            typing = asyncio.run(_run(server, room, tokens))
            text = asyncio.run(read_text(server, room, tokens[0]))
    finally:
        server.stop()
    missing = [word for word in typing.acknowledged if word not in text]
    assert len(typing.acknowledged) > WRITERS * 5, "the writers barely typed: this proves nothing"
    assert missing == [], f"{len(missing)} acknowledged words lost, e.g. {missing[:5]}"
    assert typing.diverged == [], typing.diverged
    assert typing.server_text == text
    print(
        f"{len(typing.acknowledged)} acknowledged of {typing.sent} sent over"
        f" {typing.connections} connections; {KILLS} kills; 0 lost; {WRITERS} documents converged"
    )


async def _run(server: LiveServer, room: str, tokens: list[str]) -> Typing:
    stop = asyncio.Event()

    async def killer() -> None:
        rng = random.Random(7)
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            assert server.process is not None
            server.process.send_signal(signal.SIGKILL)
            await asyncio.to_thread(server.process.wait)
            await asyncio.to_thread(server.start, STARTS_WITHIN)
        await asyncio.sleep(1.5)
        stop.set()

    typing, _ = await asyncio.gather(type_until(server, room, tokens, stop), killer())
    return typing
