"""`crossroads backup` and `crossroads restore`: a round trip brings back exactly the backup,
on SQLite (the online backup API) and on PostgreSQL (pg_dump and pg_restore) alike."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crossroads.cli import app
from tests import database
from tests.integration.conftest import create_convening, database_settings, join, login, serve
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import copy_prepared_database, make_server

pytestmark = pytest.mark.integration
runner = CliRunner()
KIND = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _titles(html: str) -> list[str]:
    return [t for t in ("Before the backup", "After the backup") if t in html]


def test_backup_while_serving_then_restore_round_trip(backend: str, tmp_path: Path) -> None:
    with database_settings(backend) as settings:
        server = make_server(tmp_path / "live", **settings)
        copy_prepared_database(server)
        backup_file = tmp_path / "backups" / "crossroads.backup"
        server.start()
        try:
            host = login(server, "host@example.org")
            create_convening(host, "Before the backup")
            server.cli("backup", str(backup_file))
            create_convening(host, "After the backup")
            before_restore = _titles(host.get("/host").text)
        finally:
            server.stop()

        server.cli("restore", "--yes", str(backup_file))
        server.start()
        try:
            after_restore = _titles(login(server, "host@example.org").get("/host").text)
        finally:
            server.stop()

    assert before_restore == ["Before the backup", "After the backup"]
    assert after_restore == ["Before the backup"]


@pytest.fixture
def migrated(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """(backend, URL) of a migrated database the CLI in this process points at."""
    with database_settings(backend) as settings:
        monkeypatch.setenv("CROSSROADS_DATA_DIR", str(tmp_path))
        for name, value in settings.items():
            monkeypatch.setenv(f"CROSSROADS_{name.upper()}", value)
        assert runner.invoke(app, ["migrate"]).exit_code == 0
        yield (
            backend,
            settings.get("database_url")
            or (f"sqlite+aiosqlite:///{(tmp_path / 'crossroads.db').resolve()}"),
        )


def test_restore_refuses_a_file_that_is_not_a_backup(
    migrated: tuple[str, str], tmp_path: Path
) -> None:
    backend, url = migrated
    original = database.every_row(url)
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"this is not a database" * 100)

    result = runner.invoke(app, ["restore", "--yes", str(bogus)])

    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {bogus} is not a Crossroads {KIND[backend]} backup")
    assert database.every_row(url) == original


def test_restore_refuses_a_backup_from_a_newer_schema(
    migrated: tuple[str, str], tmp_path: Path
) -> None:
    _backend, url = migrated
    (head,) = database.rows(url, "SELECT version_num FROM alembic_version")
    newer = tmp_path / "newer.backup"
    database.execute(url, text("UPDATE alembic_version SET version_num = '0999'"))
    assert runner.invoke(app, ["backup", str(newer)]).exit_code == 0
    database.execute(url, text(f"UPDATE alembic_version SET version_num = '{head[0]}'"))
    original = database.every_row(url)

    result = runner.invoke(app, ["restore", "--yes", str(newer)])

    assert result.exit_code == 2
    assert result.output.replace("\n", " ").startswith(
        f"Error: {newer} has schema version 0999, newer than this Crossroads knows;"
    )
    assert database.every_row(url) == original


def test_backup_while_notes_are_written_holds_every_edit_acknowledged_before_it(
    backend: str, tmp_path: Path
) -> None:
    backup_file = tmp_path / "notes.backup"
    with serve(backend, tmp_path / "notes-live") as server:
        host = login(server, "host@example.org")
        convening = planned_convening(host, rounds=1)
        ana = join(server, convening.invite_url, "Ana")
        token = notes_token(ana, f"/c/{convening.public_id}/notes")

        async def write_during_backup() -> tuple[int, int]:
            writer = await NotesClient.connect(server, convening.public_id, token)
            await writer.synced.wait()
            stop = asyncio.Event()

            async def keep_typing() -> int:
                words = 0
                while not stop.is_set():
                    await writer.type("free", f"w{words} ")
                    words += 1
                    await asyncio.sleep(0.005)
                await writer.wait_acked()
                return words

            typing = asyncio.create_task(keep_typing())
            await asyncio.sleep(0.5)
            # Acks count messages: the first one acknowledged the sync reply, not a word.
            acked_before = writer.acked - 1
            await asyncio.to_thread(server.cli, "backup", str(backup_file))
            await asyncio.sleep(0.3)
            stop.set()
            total = await typing
            await writer.close()
            return acked_before, total

        acked_before, total = asyncio.run(write_during_backup())
        server.stop()
        server.cli("restore", "--yes", str(backup_file))
        server.start()

        async def read_back() -> str:
            reader = await NotesClient.connect(server, convening.public_id, token)
            await reader.synced.wait()
            text = str(reader.text("free"))
            await reader.close()
            return text

        restored = asyncio.run(read_back())

    words = restored.split()
    assert acked_before > 10
    assert words == [f"w{i}" for i in range(len(words))]
    assert acked_before <= len(words) < total
