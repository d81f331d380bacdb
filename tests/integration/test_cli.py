"""The `crossroads` command: help everywhere, one-line errors, and the demo's links."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from crossroads.cli import app
from tests.servers import make_server

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [[], ["serve"], ["migrate"], ["create-host"], ["demo"], ["pair"], ["apply-retention"]],
)
def test_cli_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_cli_migrate_creates_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSROADS_DATA_DIR", str(tmp_path))

    result = runner.invoke(app, ["migrate"])

    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "crossroads.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert {"host_account", "convening", "round", "prompt", "invite", "participant"} <= tables


def test_cli_create_host_with_short_password_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSROADS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CROSSROADS_HOST_PASSWORD", "short")

    result = runner.invoke(app, ["create-host", "--email", "a@example.org", "--name", "A"])

    assert result.exit_code == 2
    assert result.output.strip() == "Error: password: Use at least 10 characters for the password."


def test_cli_create_host_twice_reports_the_taken_email(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSROADS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CROSSROADS_HOST_PASSWORD", "long enough password")
    args = ["create-host", "--email", "a@example.org", "--name", "A"]

    first = runner.invoke(app, args)
    second = runner.invoke(app, args)

    assert first.exit_code == 0, first.output
    assert second.exit_code == 2
    assert second.output.strip() == "Error: email is already taken"


def test_demo_prints_links_that_work_on_the_served_demo(tmp_path: Path) -> None:
    server = make_server(tmp_path / "demo-serve")
    setup = server.cli(
        "demo", "--setup-only", "--data-dir", str(server.data_dir), "--port", str(server.port)
    )
    password = re.search(r"Host password:\s+(\S+)", setup)
    host_link = re.search(r"Host link:\s+(\S+)", setup)
    participant_links = re.findall(r"Participant link for \w+: (\S+)", setup)
    reflection_link = re.search(r"Reflection note:\s+(\S+)", setup)
    assert password and host_link and reflection_link
    assert len(participant_links) == 3

    server.start()
    try:
        with httpx.Client(follow_redirects=True, timeout=30) as client:
            login_page = client.get(host_link.group(1))
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text)
            assert csrf
            convening = client.post(
                f"{server.url}/login",
                data={
                    "email": "host@demo.crossroads.local",
                    "password": password.group(1),
                    "csrf_token": csrf.group(1),
                    "next": host_link.group(1).split("next=")[1],
                },
            )
            join_page = httpx.get(participant_links[0], timeout=30)
            reflection = client.get(reflection_link.group(1))
            word = client.get(reflection_link.group(1) + ".docx")
    finally:
        server.stop()

    assert convening.status_code == 200
    assert "Crossroads demo: where does our work meet?" in convening.text
    assert convening.text.count('class="participant"') == 12
    assert join_page.status_code == 200
    assert 'value="Noor"' in join_page.text
    assert reflection.status_code == 200
    assert reflection.text.count('data-section="prompt:') == 3
    assert "Bilal: We won a rent freeze" not in reflection.text  # names are stripped from text
    assert "&gt; — Bilal, Tenants Together" in reflection.text  # quoted: Bilal agreed
    assert "Amara, Coastal" not in reflection.text  # Amara did not agree to be quoted
    assert word.status_code == 200
    assert word.content.startswith(b"PK")


def test_cli_serve_with_redis_but_no_secret_key_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each node would generate a key of its own and refuse the others' tokens (#11).
    monkeypatch.setenv("CROSSROADS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CROSSROADS_REDIS_URL", "redis://127.0.0.1:1/0")

    result = runner.invoke(app, ["serve"])

    assert result.exit_code == 2
    assert result.output == (
        "Error: set CROSSROADS_SECRET_KEY: nodes sharing CROSSROADS_REDIS_URL must share it\n"
    )


def test_demo_listens_on_the_port_its_printed_links_use(tmp_path: Path) -> None:
    # CROSSROADS_PORT and CROSSROADS_PUBLIC_BASE_URL set, no --port (#26): the links printed
    # must reach the demo, not a server on --port's old default of 8000.
    import subprocess
    import sys
    import time

    server = make_server(tmp_path / "demo-port")
    env = {**server.env, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "crossroads.cli", "demo", "--no-simulate"]
    process = subprocess.Popen(
        [*command, "--data-dir", str(server.data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = ""
        while "Shared invite:" not in printed:
            line = process.stdout.readline()
            assert line, printed
            printed += line
        shared = re.search(r"Shared invite:\s+(\S+)", printed)
        assert shared and shared.group(1).startswith(f"{server.url}/join/")
        answer = None
        for _attempt in range(100):  # bounded: the server starts within seconds
            try:
                answer = httpx.get(shared.group(1), timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200
        assert "Crossroads demo: where does our work meet?" in answer.text
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_demo_refuses_a_port_its_links_would_not_reach(tmp_path: Path) -> None:
    server = make_server(tmp_path / "demo-clash")

    result = runner.invoke(
        app,
        ["demo", "--setup-only", "--data-dir", str(server.data_dir), "--port", "1"],
        env=server.env,
    )

    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: CROSSROADS_PUBLIC_BASE_URL is {server.url}, but the demo would listen on port 1 "
        "(--port or CROSSROADS_PORT): its links would point nowhere. Make the two agree."
    )
    assert not (server.data_dir / "crossroads.db").exists()
