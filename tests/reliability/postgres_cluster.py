"""A throwaway PostgreSQL cluster a fault test may stop and start: never the shared server.

initdb in a temporary folder, listening on 127.0.0.1 on a free port, its socket in that
folder too; as the `postgres` user when the test runs as root (PostgreSQL refuses to run as
root), else as the current user. `skip_reason()` says why it cannot run here.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port

USER = "crossroads"


def _bin_dir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts)
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def skip_reason() -> str | None:
    """Why a throwaway cluster cannot run here, or None when it can."""
    if _bin_dir() is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as postgres"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run PostgreSQL as"
    return None


class ClusterUnavailable(RuntimeError):
    """The cluster could not be created or started here (not a fault of the code under test)."""


@dataclass
class Cluster:
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{USER}@127.0.0.1:{self.port}/{USER}"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None
        result = subprocess.run(
            [*_as_postgres(), str(bin_dir / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stderr or result.stdout}\n{self.logs()}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", USER, "-A", "trust", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, USER)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: clients are disconnected, a clean shutdown; ``immediate``: the server
        quits at once, as in a crash, and replays its WAL on the next start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def stop_quietly(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")

    def logs(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A started cluster with a superuser and database named ``crossroads``, removed after."""
    # Not under pytest's tmp_path: its folders are private to root, and postgres must enter.
    directory = Path(tempfile.mkdtemp(prefix="crossroads-pg-"))
    directory.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(directory, user="postgres", group="postgres")
    cluster = Cluster(directory=directory, port=free_port())
    try:
        try:
            cluster.init()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            raise ClusterUnavailable(str(exc)) from exc
        yield cluster
    finally:
        cluster.stop_quietly()
        shutil.rmtree(directory, ignore_errors=True)
