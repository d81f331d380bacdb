"""Relay first, acknowledge after the commit (#30).

While the log cannot be written (another connection holds its lock, as a backup or a long
compaction would), a keystroke still reaches the room's other people at once; its writer's
acknowledgement, its "saved", waits for the commit and comes once the lock is gone. And an
edit a crash took before its commit comes back from a reader who had it relayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pycrdt import Doc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.integration.conftest import serve
from tests.integration.notes_client import NotesClient
from tests.integration.test_notes import setup_room, stored_rows
from tests.servers import LiveServer, copy_prepared_database, make_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def notes_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("relay"))) as server:
        yield server


@contextlib.asynccontextmanager
async def log_locked(server: LiveServer) -> AsyncIterator[None]:
    """Hold the write lock of the notes log from another connection."""
    if server.database_url.startswith("sqlite"):
        other = sqlite3.connect(server.database_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_async_engine(server.database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("LOCK TABLE notes_update IN EXCLUSIVE MODE"))
            yield
            await conn.rollback()
    finally:
        await engine.dispose()


def test_readers_see_an_edit_before_its_commit_and_its_writer_is_acknowledged_after(
    notes_server: LiveServer,
) -> None:
    room, (ta, tb), _host = setup_room(notes_server)

    async def scenario() -> None:
        writer = await NotesClient.connect(notes_server, room, ta)
        reader = await NotesClient.connect(notes_server, room, tb)
        for client in (writer, reader):
            async with asyncio.timeout(10):
                await client.synced.wait()
            await client.wait_acked()
        rows_before = stored_rows(notes_server, room)
        async with log_locked(notes_server):
            await writer.type("free", "relayed before it is saved")
            await reader.wait_text("free", "relayed before it is saved")
            # Delivered, and still not saved: the commit waits for the lock.
            await asyncio.sleep(0.3)
            assert writer.acked < writer.sent
            assert stored_rows(notes_server, room) == rows_before
        await writer.wait_acked()
        assert stored_rows(notes_server, room) == rows_before + 1
        await writer.close()
        await reader.close()

    asyncio.run(scenario())


def test_an_edit_a_crash_took_before_its_commit_comes_back_from_a_reader(tmp_path: Path) -> None:
    """The writer leaves for good; the server is killed before the edit's commit; the reader
    who had it relayed reconnects with its document, and its sync stores the edit."""
    server = make_server(tmp_path / "server")
    copy_prepared_database(server)
    server.start()
    try:
        room, (ta, tb), _host = setup_room(server)

        async def before_the_crash() -> Doc:
            writer = await NotesClient.connect(server, room, ta)
            reader = await NotesClient.connect(server, room, tb)
            for client in (writer, reader):
                async with asyncio.timeout(10):
                    await client.synced.wait()
                await client.wait_acked()
            async with log_locked(server):
                await writer.type("free", "only the reader kept this")
                await reader.wait_text("free", "only the reader kept this")
                assert writer.acked < writer.sent
                await writer.close()  # and never comes back
                assert server.process is not None
                server.process.send_signal(signal.SIGKILL)  # before the commit
                server.process.wait()
            await reader.close()
            return reader.doc

        kept = asyncio.run(before_the_crash())
        server.start()
        assert asyncio.run(_fresh_text(server, room, ta)) == ""  # the commit never happened

        async def after() -> str:
            reader = await NotesClient.connect(server, room, tb, doc=kept)
            async with asyncio.timeout(10):
                await reader.synced.wait()
                while reader.sent == 0:  # noqa: ASYNC110  its answer to the server's step 1
                    await asyncio.sleep(0.01)
            await reader.wait_acked()
            await reader.close()
            return await _fresh_text(server, room, ta)

        assert asyncio.run(after()) == "only the reader kept this"
    finally:
        server.stop()


async def _fresh_text(server: LiveServer, room: str, token: str) -> str:
    client = await NotesClient.connect(server, room, token)
    async with asyncio.timeout(10):
        await client.synced.wait()
    text = str(client.text("free"))
    await client.close()
    return text
