"""The server's own logs keep no invite link and no notes token (uvicorn logs every URL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.log import REDACTED
from tests.integration.conftest import join, login, serve
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chatty_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Info level: every request and socket is logged with its URL, as in production.
    with serve(backend, Path(tmp_path_factory.mktemp("logs")), log_level="info") as server:
        yield server


def test_invite_tokens_and_notes_tokens_are_redacted_in_the_server_log(
    chatty_server: LiveServer,
) -> None:
    host = login(chatty_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    invite = convening.invite_url.rsplit("/join/", 1)[1]
    person = join(chatty_server, convening.invite_url, "Quiet Writer")
    token = notes_token(person, f"/c/{convening.public_id}/notes")

    async def write() -> None:
        client = await NotesClient.connect(chatty_server, convening.public_id, token)
        await client.type("free", "hello")
        await client.wait_acked()
        await client.close()

    asyncio.run(write())
    deadline = time.monotonic() + 10
    while "/ws/notes/" not in chatty_server.logs() and time.monotonic() < deadline:
        time.sleep(0.05)
    logs = chatty_server.logs()
    assert f"/join/{REDACTED}" in logs and f"token={REDACTED}" in logs  # the lines are there
    assert invite not in logs
    assert token not in logs and token.rsplit(".", 1)[1] not in logs  # nor the signature
