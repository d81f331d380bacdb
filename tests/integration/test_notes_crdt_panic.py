"""The update that panicked yrs (issue #26), over real sockets against a real server.

With the pre-check (the default) it is refused with 1007 before pycrdt sees it; everything
else carries on. With the pre-check off, the engine really panics: the sender is cut off
(4422), muted and reported to the hosts, every notes socket is told to reconnect (1012), and
`serve`'s supervisor replaces the process, which rebuilds the rooms from the durable log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import database
from tests.integration.conftest import serve
from tests.integration.notes_client import NotesClient
from tests.integration.test_notes import setup_room
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

# Two client groups, an id A and A + 2**53 (8-byte varints): yrs keeps both as
# one client and panics at block_store.rs:60 (docs/upstream/yrs-panic-block-store.md).
CRASHING_UPDATE = bytes.fromhex(
    "0201d9ff859785aa91490004010174016201d9ff859785aa91090044d9ff859785aa91490002636300"
)


def _send_update(payload: bytes) -> bytes:
    from crossroads.notes import protocol

    return protocol.sync_message(protocol.UPDATE, payload)


def healthy(server: LiveServer) -> bool:
    try:
        return httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def checked_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("checked"))) as server:
        yield server


@pytest.fixture(scope="module")
def unchecked_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("unchecked")), notes_precheck="false") as s:
        try:
            yield s
        finally:
            print(s.logs())


def test_the_crashing_update_is_refused_with_1007_and_everyone_else_carries_on(
    checked_server: LiveServer,
) -> None:
    room, (ta, tb), _host = setup_room(checked_server)
    other_room, (tc,), _other = setup_room(checked_server, people=1)

    async def scenario() -> None:
        a = await NotesClient.connect(checked_server, room, ta)
        c = await NotesClient.connect(checked_server, other_room, tc)
        await a.type("free", "before ")
        await c.type("free", "elsewhere ")
        await a.wait_acked()
        await c.wait_acked()
        bad = await NotesClient.connect(checked_server, room, tb)
        await bad.socket.send(_send_update(CRASHING_UPDATE))
        assert await bad.closed() == 1007
        assert bad.socket.close_reason is not None
        assert "beyond 53 bits" in bad.socket.close_reason
        await bad.close()
        # The same room and another room keep going, on the same process.
        await a.type("free", "after")
        await c.type("free", "still")
        await a.wait_acked()
        await c.wait_acked()
        assert not a.socket.close_code and not c.socket.close_code
        late = await NotesClient.connect(checked_server, room, tb)
        await late.wait_text("free", "before after")
        for client in (a, c, late):
            await client.close()

    asyncio.run(scenario())
    assert healthy(checked_server)
    assert checked_server.process is not None and checked_server.process.poll() is None
    assert "server_restart_requested" not in checked_server.logs()


def test_a_real_engine_panic_cuts_the_sender_off_and_the_node_restarts_and_converges(
    unchecked_server: LiveServer,
) -> None:
    server = unchecked_server
    room, (ta, tb), host = setup_room(server)
    other_room, (tc,), _other = setup_room(server, people=1)
    url = server.database_url

    async def scenario() -> None:
        a = await NotesClient.connect(server, room, ta)
        c = await NotesClient.connect(server, other_room, tc)
        await a.type("free", "acknowledged ")
        await c.type("free", "other room ")
        await a.wait_acked()
        await c.wait_acked()
        bad = await NotesClient.connect(server, room, tb)
        await bad.synced.wait()
        await bad.socket.send(_send_update(CRASHING_UPDATE))
        assert await bad.closed() == 4422
        # Everyone else, in that room and in the others, is told to reconnect.
        assert await a.closed() == 1012
        assert await c.closed() == 1012
        for client in (a, c, bad):
            await client.close()

    asyncio.run(scenario())
    deadline = time.monotonic() + 60
    # The old process exits (asking to be replaced), then the supervisor's fresh one answers.
    while "restarting the server (asked)" not in server.logs() or not healthy(server):
        assert time.monotonic() < deadline, server.logs()
        time.sleep(0.2)
    assert server.process is not None and server.process.poll() is None

    async def after() -> None:
        # The rooms come back from the durable log: every acknowledged edit is there.
        a = await NotesClient.connect(server, room, ta)
        c = await NotesClient.connect(server, other_room, tc)
        await a.wait_text("free", "acknowledged ")
        await c.wait_text("free", "other room ")
        await a.type("free", "and on")
        await a.wait_acked()
        await a.close()
        await c.close()

    asyncio.run(after())
    # The sender is recorded: muted, and reported to the hosts.
    reported = database.scalar(
        url,
        "SELECT count(*) FROM participant_report WHERE details LIKE :d",
        d="notes connection cut: malformed update%",
    )
    assert int(reported) == 1
    assert int(database.scalar(url, "SELECT count(*) FROM participant_mute")) == 1
    # The hosts see it on the reports page (and in the console, which polls the same list).
    page = host.get(f"/host/convenings/{room}/reports")  # type: ignore[attr-defined]
    assert page.status_code == 200
    assert "The server cut off Writer 1" in page.text
