"""The demo mails the roster's invitations to its own loopback SMTP server and prints them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import make_server

pytestmark = pytest.mark.integration


def test_demo_prints_the_invitations_it_sent(tmp_path: Path) -> None:
    server = make_server(tmp_path / "demo")
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "crossroads.cli", "demo", "--no-simulate"),
                *("--data-dir", str(server.data_dir), "--port", str(server.port)),
            ],
            env=server.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and log.read_text().count("[mail] to ") < 3:
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
        finally:
            process.terminate()
            process.wait(timeout=20)
    text = log.read_text()
    mails = [line for line in text.splitlines() if "[mail] to " in line]
    assert len(mails) == 3, text
    assert any("Pablo" in line and "Invitación:" in line for line in mails), mails
    assert all("/join/" in line for line in mails)
