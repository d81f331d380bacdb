"""What the benchmarks share: a free loopback port, waiting for a server, reading /proc, a
migrated SQLite file.

Imported by the scripts beside it (``python bench/<name>.py`` puts this folder on the path).
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_listening(port: int) -> None:
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (VmRSS), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def migrated_sqlite(path: Path) -> str:
    """Migrate a new SQLite file at ``path`` to the current schema; its path, as a string."""
    # Imported here: the scripts put src/ on the path only after importing this module.
    from crossroads.store.database import Database

    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    await db.dispose()
    return str(path)
