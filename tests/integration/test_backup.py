"""`crossroads backup` and `crossroads restore`: a round trip brings back exactly the backup."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossroads.cli import app
from crossroads.convenings import hosts, planning
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from tests.integration.conftest import create_convening, join, login
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.integration.postgres import fresh_database, requires_postgres
from tests.integration.test_store_postgres import _fields
from tests.servers import make_server, running_server

pytestmark = pytest.mark.integration
runner = CliRunner()


def _titles(html: str) -> list[str]:
    return [t for t in ("Before the backup", "After the backup") if t in html]


def test_sqlite_backup_while_serving_then_restore_round_trip(tmp_path: Path) -> None:
    server = make_server(tmp_path / "live")
    server.cli("migrate")
    server.create_host("host@example.org", "Hana")
    backup_file = tmp_path / "backups" / "crossroads.sqlite"
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


def test_restore_refuses_a_file_that_is_not_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSROADS_DATA_DIR", str(tmp_path))
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    database = tmp_path / "crossroads.db"
    original = database.read_bytes()
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"this is not a database" * 100)

    result = runner.invoke(app, ["restore", "--yes", str(bogus)])

    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {bogus} is not a Crossroads SQLite backup")
    assert database.read_bytes() == original


@requires_postgres
def test_postgres_backup_and_restore_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        async with fresh_database() as url:
            monkeypatch.setenv("CROSSROADS_DATABASE_URL", url)
            db = Database(url)
            try:
                await db.migrate()
                now = datetime.now(UTC)
                host = await hosts.create_host(
                    db, email="h@example.org", display_name="H", password="long password", now=now
                )
                kept = await planning.create_convening(db, host, _fields("Kept"), now=now)
                backup = await asyncio.to_thread(
                    runner.invoke, app, ["backup", str(tmp_path / "pg.dump")]
                )
                assert backup.exit_code == 0, backup.output
                await planning.create_convening(db, host, _fields("Lost"), now=now)
                await db.dispose()
                restore = await asyncio.to_thread(
                    runner.invoke, app, ["restore", "--yes", str(tmp_path / "pg.dump")]
                )
                assert restore.exit_code == 0, restore.output
                db = Database(url)
                titles = [c.title for c in await planning.list_convenings(db, host)]
                with pytest.raises(NotFound):
                    await planning.get_plan_for_host(db, host, "no-such-id")
                return titles, [kept.title]
            finally:
                await db.dispose()

    titles, expected = asyncio.run(scenario())

    assert titles == expected


def test_restore_refuses_a_backup_from_a_newer_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSROADS_DATA_DIR", str(tmp_path))
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    newer = tmp_path / "newer.sqlite"
    assert runner.invoke(app, ["backup", str(newer)]).exit_code == 0
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE alembic_version SET version_num = '0999'")
    database = tmp_path / "crossroads.db"
    original = database.read_bytes()

    result = runner.invoke(app, ["restore", "--yes", str(newer)])

    assert result.exit_code == 2
    assert result.output.replace("\n", " ").startswith(
        f"Error: {newer} has schema version 0999, newer than this Crossroads knows;"
    )
    assert database.read_bytes() == original


def test_sqlite_backup_while_notes_are_written_holds_every_edit_acknowledged_before_it(
    tmp_path: Path,
) -> None:
    backup_file = tmp_path / "notes-backup.sqlite"
    with running_server(tmp_path / "notes-live") as server:
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
