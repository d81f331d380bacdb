"""`crossroads backup` and `crossroads restore`: a round trip brings back exactly the backup."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossroads.cli import app
from crossroads.convenings import hosts, planning
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from tests.integration.conftest import create_convening, login
from tests.integration.postgres import fresh_database, requires_postgres
from tests.integration.test_store_postgres import _fields
from tests.servers import make_server

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
