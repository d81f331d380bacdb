"""`crossroads serve` replaces a server process whose event loop stops (issue #26).

A panic in the CRDT engine can leave it spinning inside one call: the process stays alive
and answers nothing. From outside that looks like a stopped process, so the test stops the
child (SIGSTOP) and expects the supervisor to kill it and start a fresh one on the same port.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import copy_prepared_database, make_server

pytestmark = pytest.mark.reliability


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_a_stalled_server_process_is_replaced(tmp_path: Path) -> None:
    server = make_server(tmp_path / "server", watchdog_seconds="3")
    copy_prepared_database(server)
    server.start()
    try:
        assert server.process is not None
        (first,) = children(server.process.pid)
        os.kill(first, signal.SIGSTOP)  # like a loop held by native code
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, server.logs()
            now = children(server.process.pid)
            if now and now != [first]:
                try:
                    if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
            time.sleep(0.2)
        assert "stopped answering; killing it" in server.logs()
        assert (
            not Path(f"/proc/{first}").exists()
            or "Z" in Path(f"/proc/{first}/stat").read_text().split()[2]
        )
    finally:
        server.stop()
