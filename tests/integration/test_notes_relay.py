"""Relay first, acknowledge after the commit (#30).

While the log cannot be written (another connection holds its lock, as a backup or a long
compaction would), a keystroke still reaches the room's other people at once; its writer's
acknowledgement, its "saved", waits for the commit and comes once the lock is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.integration.conftest import serve
from tests.integration.notes_client import NotesClient
from tests.integration.test_notes import setup_room, stored_rows
from tests.servers import LiveServer

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
