"""The sample deployment (deploy/): nginx accepts nginx.conf, the compose file and nginx.conf
name the same nodes, and real traffic through nginx lands each notes room on its owner,
before and after a node dies (#11).

deploy/nginx.conf is used as written, except what a test on loopback must change: the
upstream servers become real nodes' loopback addresses, the ports free ones, the
certificate a self-signed one, and log and temporary paths the test's folder.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import websockets

from crossroads.notes import ring
from tests.integration.conftest import create_convening, login
from tests.integration.notes_client import notes_token
from tests.nodes import Nodes, node_status, requires_cluster, running_nodes
from tests.servers import free_port

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVER_LINE = re.compile(r"server (app\d+:8000)")
requires_nginx = pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None,
    reason="nginx and openssl are needed (make test installs Debian's nginx)",
)


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _render(folder: Path, upstreams: dict[str, str], http: int, https: int) -> Path:
    """deploy/nginx.conf for loopback, inside a main configuration of the test's own."""
    cert, key = _certificate(folder)
    site = (DEPLOY / "nginx.conf").read_text()
    for name, address in upstreams.items():
        site = site.replace(f"server {name} ", f"server {address} ")
    site = site.replace("listen [::]:80;", "").replace("listen [::]:443 ssl;", "")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
    site = site.replace("/etc/nginx/certs/fullchain.pem", str(cert))
    site = site.replace("/etc/nginx/certs/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/access.log", str(folder / "access.log"))
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy"))
    main.write_text(
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        "worker_processes 1;\nevents {}\n"
        f"http {{ {temp} fastcgi_temp_path {folder / 'f'}; uwsgi_temp_path {folder / 'u'}; "
        f"scgi_temp_path {folder / 's'}; include {folder / 'site.conf'}; }}\n"
    )
    return main


def _nginx(main: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["nginx", "-c", str(main), "-p", str(main.parent), *args],
        capture_output=True,
        text=True,
        check=False,
    )


@contextmanager
def running_nginx(main: Path, port: int) -> Iterator[None]:
    started = _nginx(main)
    assert started.returncode == 0, started.stderr
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket_to(port):
                    break
            except OSError:
                time.sleep(0.05)
        yield
    finally:
        _nginx(main, "-s", "stop")


@contextmanager
def socket_to(port: int) -> Iterator[None]:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=1):
        yield


@requires_nginx
def test_nginx_accepts_the_sample_configuration(tmp_path: Path) -> None:
    upstreams = {f"app{i}:8000": f"127.0.0.1:{free_port()}" for i in (1, 2, 3)}
    main = _render(tmp_path, upstreams, free_port(), free_port())

    checked = _nginx(main, "-t")

    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


def test_compose_nodes_are_the_servers_of_both_nginx_upstreams() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    site = (DEPLOY / "nginx.conf").read_text()
    upstreams = re.findall(r"upstream (\w+) \{(.*?)\}", site, flags=re.S)

    nodes = {
        name: service["environment"]["CROSSROADS_NODE_ID"]
        for name, service in compose["services"].items()
        if "CROSSROADS_NODE_ID" in service.get("environment", {})
    }

    assert nodes == {"app1": "app1:8000", "app2": "app2:8000", "app3": "app3:8000"}
    assert {n: SERVER_LINE.findall(body) for n, body in upstreams} == {
        "crossroads": sorted(nodes.values()),
        "crossroads_notes": sorted(nodes.values()),
    }
    assert {name: compose["services"][name]["hostname"] for name in nodes} == {
        name: name for name in nodes
    }


@requires_nginx
@requires_cluster
def test_nginx_lands_every_notes_room_on_its_owner_before_and_after_a_node_dies(
    tmp_path: Path,
) -> None:
    http, https = free_port(), free_port()
    settings = {
        "node_ttl_seconds": "1.5",
        "notes_lease_seconds": "1.5",
        "public_base_url": f"https://127.0.0.1:{https}",
        # One host opens all twelve rooms: past the per-person cap (8 a node) once a dead
        # node's rooms land on the others. Routing is what this test is about.
        "max_sockets_per_person": "64",
    }
    with running_nodes(tmp_path / "nodes", 3, **settings) as nodes:
        upstreams = {f"app{i + 1}:8000": nodes.node_id(s) for i, s in enumerate(nodes.servers)}
        (tmp_path / "nginx").mkdir()
        main = _render(tmp_path / "nginx", upstreams, http, https)
        with running_nginx(main, https):
            _rooms_through_nginx(nodes, https)


def _rooms_through_nginx(nodes: Nodes, https: int) -> None:
    host = login(nodes[0], "host@example.org")
    rooms = [create_convening(host, f"Room {i}").public_id for i in range(12)]
    tokens = {r: notes_token(host, f"/host/convenings/{r}/notes") for r in rooms}
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    origin = f"https://127.0.0.1:{https}"

    async def open_one(room: str) -> websockets.ClientConnection:
        url = f"wss://127.0.0.1:{https}/ws/notes/{room}?token={tokens[room]}"
        async with asyncio.timeout(20):
            while True:  # 1013 while a dead node's lease lapses
                socket = await websockets.connect(
                    url, ssl=insecure, additional_headers={"Origin": origin}
                )
                try:
                    await asyncio.wait_for(socket.recv(), 2)  # the owner's sync step 1
                    return socket
                except (websockets.ConnectionClosed, TimeoutError):
                    await socket.close()
                    await asyncio.sleep(0.3)

    def owners(live: list[str]) -> dict[str, str | None]:
        return {r: ring.owner(ring.room_key(r), live) for r in rooms}

    async def scenario() -> None:
        everyone = [nodes.node_id(s) for s in nodes.servers]
        sockets = await asyncio.gather(*(open_one(r) for r in rooms))
        first = {r: nodes.owner_of(r) for r in rooms}
        proxied_before = [node_status(s)["notes_proxied_total"] for s in nodes.servers]

        victim = nodes.servers[0]
        assert victim.process is not None
        victim.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(victim.process.wait, 10)
        alive = [s for s in nodes.servers if s is not victim]
        moved = [r for r in rooms if first[r] == nodes.node_id(victim)]
        # Their browsers reconnect to the same address; nginx sends them on.
        again = await asyncio.gather(*(open_one(r) for r in moved))
        after = {r: nodes.owner_of(r) for r in moved}

        assert first == owners(everyone)
        assert len(set(first.values())) == 3  # twelve rooms spread over all three nodes
        assert proxied_before == [0, 0, 0]
        assert moved != []
        assert after == {r: o for r, o in owners(everyone[1:]).items() if r in moved}
        assert [node_status(s)["notes_proxied_total"] for s in alive] == [0, 0]
        for socket in [*sockets, *again]:
            await socket.close()

    asyncio.run(scenario())
