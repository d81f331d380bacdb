"""A real Crossroads server: `crossroads serve` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST_PASSWORD = "correct horse battery"
# How long a server may take to answer its first health check. A start takes 1-2 s on an idle
# machine, but beside a parallel test worker on two cores, or on a shared machine, it took
# over 30 s (the bound this replaces), and every test on that server then errored.
START_WITHIN = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    data_dir: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_path(self) -> Path:
        """The SQLite file; only meaningful when ``database_url`` is not PostgreSQL's."""
        return self.data_dir / "crossroads.db"

    @property
    def database_url(self) -> str:
        """The database this server runs on, as the server itself resolves it."""
        return self.env.get("CROSSROADS_DATABASE_URL") or (
            f"sqlite+aiosqlite:///{self.database_path.resolve()}"
        )

    @property
    def backend(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

    def cli(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "crossroads.cli", *args],
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"crossroads {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def create_host(self, email: str, name: str) -> None:
        self.cli(
            "create-host",
            "--email",
            email,
            "--name",
            name,
            extra_env={"CROSSROADS_HOST_PASSWORD": HOST_PASSWORD},
        )

    def start(self, within: float = START_WITHIN) -> None:
        """Start the server and wait up to ``within`` seconds for its health check. The wait
        ends as soon as the server answers, so a generous bound costs a healthy run nothing."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crossroads.cli", "serve"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.logs()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start in {within:.0f} s:\n{self.logs()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def make_server(data_dir: Path, **settings: str) -> LiveServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSROADS_")}
    env.update(
        {
            "CROSSROADS_DATA_DIR": str(data_dir),
            "CROSSROADS_PORT": str(port),
            "CROSSROADS_HOST": "127.0.0.1",
            "CROSSROADS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "CROSSROADS_LOG_LEVEL": "warning",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    env.update({f"CROSSROADS_{k.upper()}": v for k, v in settings.items()})
    return LiveServer(data_dir=data_dir, port=port, env=env)


@contextmanager
def running_server(data_dir: Path, **settings: str) -> Iterator[LiveServer]:
    """A migrated, started server with two host accounts, stopped afterwards; the limits on
    login, joining and invites are raised because tests do these far more often than people."""
    server = make_server(
        data_dir,
        **{
            "rate_limit_login": "1000/minute",
            "rate_limit_login_address": "1000/minute",
            "rate_limit_join": "1000/minute",
            "rate_limit_invites": "1000/minute",
            **settings,
        },
    )
    copy_prepared_database(server)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def prepare_database(server: LiveServer) -> None:
    """Migrate and add the two host accounts, through the real command line."""
    server.cli("migrate")
    server.create_host("host@example.org", "Hana Host")
    server.create_host("other@example.org", "Omar Other")


# One prepared database per backend per test session, copied for each server: the three
# command runs above cost about 7 s a server (dozens of servers a run), a copy milliseconds.
_templates: dict[str, str] = {}
_template_cleanup: list[Callable[[], object]] = []


def _template_for(backend: str) -> str:
    """A prepared SQLite file's path, or a prepared PostgreSQL database's name."""
    if backend in _templates:
        return _templates[backend]
    directory = Path(tempfile.mkdtemp(prefix="crossroads-template-"))
    _template_cleanup.append(lambda: shutil.rmtree(directory, ignore_errors=True))
    if backend == "sqlite":
        template = make_server(directory)
        prepare_database(template)
        _templates[backend] = str(template.database_path)
    else:
        from tests.integration.postgres import (
            create_database,
            database_name,
            drop_database,
            unique_name,
        )

        name = unique_name("template")
        url = create_database(name)
        _template_cleanup.append(lambda: drop_database(name))
        prepare_database(make_server(directory, database_url=url))
        _templates[backend] = database_name(url)
    return _templates[backend]


def drop_templates() -> None:
    """Remove the prepared databases (the test session's end calls this)."""
    while _template_cleanup:
        _template_cleanup.pop()()
    _templates.clear()


def copy_prepared_database(server: LiveServer) -> None:
    """Give ``server`` (not started) a migrated database holding the two host accounts."""
    template = _template_for(server.backend)
    if server.backend == "sqlite":
        with (
            closing(sqlite3.connect(template)) as source,
            closing(sqlite3.connect(server.database_path)) as target,
        ):
            source.backup(target)
        return
    from tests.integration.postgres import create_database, database_name, drop_database

    # The server's database was created empty for it: it becomes a copy of the template.
    name = database_name(server.database_url)
    drop_database(name)
    create_database(name, template=template)
