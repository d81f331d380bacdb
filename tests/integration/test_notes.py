"""Shared notes over real sockets: convergence, acknowledged means stored, bad input, scoping."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import database
from tests.integration.conftest import join, login, serve
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def notes_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(
        backend,
        Path(tmp_path_factory.mktemp("notes")),
        notes_max_update_bytes="4096",
        notes_compact_after="20",
    ) as server:
        yield server


def stored_rows(server: LiveServer, room: str) -> int:
    url = server.database_url
    updates = database.scalar(url, "SELECT count(*) FROM notes_update WHERE room = :r", r=room)
    snapshots = database.scalar(url, "SELECT count(*) FROM notes_snapshot WHERE room = :r", r=room)
    return int(updates) + int(snapshots)


def setup_room(server: LiveServer, people: int = 2) -> tuple[str, list[str], object]:
    host = login(server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    tokens = []
    for i in range(people):
        person = join(server, convening.invite_url, f"Writer {i}")
        tokens.append(notes_token(person, f"/c/{convening.public_id}/notes"))
    return convening.public_id, tokens, host


def test_writers_converge_and_an_acknowledged_edit_is_already_stored(
    notes_server: LiveServer,
) -> None:
    room, (ta, tb), _host = setup_room(notes_server)

    async def scenario() -> None:
        a = await NotesClient.connect(notes_server, room, ta)
        b = await NotesClient.connect(notes_server, room, tb)
        await a.type("free", "Ana: land is life. ")
        await b.type("free", "Bo: housing is a right. ")
        await a.wait_acked()
        await b.wait_acked()
        # Acknowledged means committed: the rows are in the database file already.
        assert stored_rows(notes_server, room) >= 2
        expected = str(a.text("free"))
        await b.wait_text("free", expected)
        assert "land is life" in expected and "housing is a right" in expected
        await a.close()
        await b.close()
        # A newcomer (e.g. someone reading later) gets the whole text from the server.
        c = await NotesClient.connect(notes_server, room, ta)
        await c.wait_text("free", expected)
        await c.close()

    asyncio.run(scenario())


def test_bad_frames_close_only_that_connection_and_store_nothing(notes_server: LiveServer) -> None:
    room, (ta, tb), _host = setup_room(notes_server)

    async def scenario() -> None:
        good = await NotesClient.connect(notes_server, room, ta)
        await good.type("free", "steady ")
        await good.wait_acked()
        before = stored_rows(notes_server, room)
        cases = [
            (os.urandom(64), 1007),
            (bytes([0, 2, 0x85]), 1007),  # truncated varint
            (bytes([0, 2, 5, 1, 2]), 1007),  # length runs past the frame
            (bytes([0, 2, 10]) + b"not a yjs!", 1007),  # well framed, not an update
            (bytes([9]), 1007),  # unknown message type
            (bytes([0, 2]) + bytes([0x80, 0x40]) + b"x" * 8192, 1009),  # over the 4 KB limit
        ]
        for frame, code in cases:
            bad = await NotesClient.connect(notes_server, room, tb)
            await bad.socket.send(frame)
            assert await bad.closed() == code, frame[:8]
            await bad.close()
        assert stored_rows(notes_server, room) == before
        # The room and its other client carry on.
        await good.type("free", "still here")
        await good.wait_acked()
        await good.wait_text("free", "steady still here")
        await good.close()

    asyncio.run(scenario())


def test_the_notes_socket_refuses_bad_tokens_other_rooms_and_foreign_origins(
    notes_server: LiveServer,
) -> None:
    room, (token,), _host = setup_room(notes_server, people=1)
    other_room, _tokens, _other = setup_room(notes_server, people=1)

    async def code(room_name: str, token_value: str, origin: str | None = None) -> int | None:
        client = await NotesClient.connect(notes_server, room_name, token_value, origin=origin)
        result = await client.closed()
        await client.close()
        return result

    async def scenario() -> None:
        assert await code(room, "") == 4401
        assert await code(room, token + "x") == 4401
        assert await code(other_room, token) == 4401  # a token opens its own room only
        assert await code(room, token, origin="https://evil.example") == 4403

    asyncio.run(scenario())


def test_notes_survive_a_restart_and_compaction_and_export_as_markdown(
    notes_server: LiveServer,
) -> None:
    room, (ta,), host = setup_room(notes_server, people=1)

    async def write() -> str:
        a = await NotesClient.connect(notes_server, room, ta)
        for i in range(30):  # more than compact_after: the room compacts when it unloads
            await a.type("free", f"idea {i}; ")
        await a.wait_acked()
        text = str(a.text("free"))
        await a.close()
        return text

    text = asyncio.run(write())
    notes_server.stop()
    notes_server.start()

    async def read() -> None:
        b = await NotesClient.connect(notes_server, room, ta)
        await b.wait_text("free", text)
        await b.close()

    asyncio.run(read())
    snapshots = database.scalar(
        notes_server.database_url, "SELECT count(*) FROM notes_snapshot WHERE room = :r", r=room
    )
    assert snapshots == 1
    export = host.get(f"/host/convenings/{room}/notes.md")  # type: ignore[attr-defined]
    assert export.status_code == 200
    assert "idea 29;" in export.text
    assert export.headers["content-type"].startswith("text/markdown")


JS_CLIENT = Path(__file__).resolve().parent / "js" / "yws_client.mjs"


def test_the_js_y_websocket_client_and_a_pycrdt_client_converge(notes_server: LiveServer) -> None:
    """Interop: the real y-websocket 3.1.0 client (under node) and pycrdt share one text."""
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    if (
        node is None
        or not (JS_CLIENT.parents[3] / "frontend" / "node_modules" / "y-websocket").exists()
    ):
        pytest.skip("node and the front-end packages are needed (make test installs them)")
    room, (tp, tj), _host = setup_room(notes_server)

    async def scenario() -> str:
        python = await NotesClient.connect(notes_server, room, tp)
        await python.type("free", "[from pycrdt]")
        await python.wait_acked()
        js = await asyncio.create_subprocess_exec(
            node,
            str(JS_CLIENT),
            notes_server.url.replace("http", "ws", 1) + "/ws/notes",
            room,
            tj,
            notes_server.url,
            "[from y-websocket]",
            "[from pycrdt]",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(js.communicate(), timeout=30)
        result = json.loads(out.decode().strip().splitlines()[-1])
        assert result["ok"], err.decode()
        await python.wait_text("free", result["text"])
        await python.close()
        return str(result["text"])

    text = asyncio.run(scenario())
    assert "[from pycrdt]" in text and "[from y-websocket]" in text
