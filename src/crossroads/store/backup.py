"""Backups of the whole database: SQLite's online backup API, or pg_dump for PostgreSQL.

Either is taken while the server runs: the backup API, like pg_dump, copies a consistent
snapshot even with writers active. Restoring replaces the database (the SQLite file, or every
table through pg_restore --clean), so the server must be stopped; the backup is checked first
(a SQLite file's integrity; that a dump is one pg_restore reads; the schema version of
either) and nothing is replaced when it fails.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from crossroads.store.errors import StoreError
from crossroads.store.migrate import known_revisions


class BackupFailed(StoreError):
    code = "backup_failed"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupFailed("this SQLite database has no file to back up")
    return Path(database)


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        # Through the environment, not the command line, which other users can read in ps.
        env["PGPASSWORD"] = parsed.password
    args = ["--dbname", parsed.database or ""]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> str:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupFailed(f"{command[0]} is not installed (Debian: postgresql-client)")
    result = subprocess.run(  # noqa: S603  fixed tool, arguments built from our own settings
        [tool, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupFailed(f"{command[0]} failed: {result.stderr.strip()[:500]}")
    return result.stdout


def backup_database(url: str, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupFailed(f"{source_path} does not exist")
        partial = destination.with_suffix(destination.suffix + ".partial")
        with sqlite3.connect(source_path) as source, sqlite3.connect(partial) as target:
            source.backup(target)
        partial.replace(destination)
        return
    args, env = _pg_args(url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(destination), *args], env)


def _check_sqlite_backup(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (status,) = db.execute("PRAGMA integrity_check").fetchone()
            versions = db.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"{path} is not a Crossroads SQLite backup ({exc})") from exc
    if status != "ok":
        raise BackupFailed(f"{path} failed its integrity check: {status}")
    _check_versions(path, {version for (version,) in versions})


def _check_pg_backup(path: Path) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupFailed("pg_restore is not installed (Debian: postgresql-client)")
    try:
        # The dump's alembic_version rows, as the COPY block of a data-only restore to stdout.
        script = _run(
            ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)],
            {**os.environ},
        )
    except BackupFailed as exc:
        raise BackupFailed(f"{path} is not a Crossroads PostgreSQL backup ({exc})") from exc
    lines = script.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("COPY ")), None)
    versions = set()
    if start is not None:
        for line in lines[start + 1 :]:
            if line == "\\.":
                break
            versions.add(line.strip())
    _check_versions(path, versions)


def _check_versions(path: Path, versions: set[str]) -> None:
    if not versions:
        raise BackupFailed(f"{path} has no schema version")
    unknown = sorted(versions - known_revisions())
    if unknown:
        # A backup from a newer Crossroads: this code would run on tables it does not know,
        # and "migrating" cannot go backwards. Upgrade Crossroads first (#12).
        raise BackupFailed(
            f"{path} has schema version {', '.join(unknown)}, newer than this Crossroads "
            "knows; upgrade Crossroads before restoring it"
        )


def restore_database(url: str, source: Path) -> None:
    """Replace the database with a backup. Stop the server first."""
    if not source.exists():
        raise BackupFailed(f"{source} does not exist")
    if url.startswith("sqlite"):
        _check_sqlite_backup(source)
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_suffix(target.suffix + ".restoring")
        shutil.copyfile(source, staged)
        with staged.open("rb") as handle:
            os.fsync(handle.fileno())
        # Old WAL and shared-memory files belong to the replaced database.
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        staged.replace(target)
        return
    _check_pg_backup(source)
    args, env = _pg_args(url)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", *args, str(source)], env)
