"""Several real `crossroads serve` nodes sharing one PostgreSQL database and one Redis.

Each node is a `LiveServer` (tests/servers.py) on its own loopback port, named by its address
(`127.0.0.1:<port>`, its internal URL too), with the same secret key. Every cluster gets a
fresh database on the PostgreSQL server CI starts and its own key prefix in Redis, so
clusters never see each other's nodes, presence or leases. Tests that need this skip with a
reason when CI did not provide the servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.integration.postgres import throwaway_database
from tests.servers import LiveServer, copy_prepared_database, free_port, make_server

SECRET = "several-nodes-share-this-secret-0123456789abcdef"

requires_cluster = pytest.mark.skipif(
    TEST_DATABASE_URL is None or TEST_REDIS_URL is None,
    reason=(
        "CROSSROADS_TEST_DATABASE_URL and CROSSROADS_TEST_REDIS_URL are needed for several "
        "nodes (`make test` starts PostgreSQL and Redis through scripts/test-services)"
    ),
)


@dataclass
class Nodes:
    servers: list[LiveServer]
    database_url: str
    redis_url: str
    prefix: str

    def __getitem__(self, index: int) -> LiveServer:
        return self.servers[index]

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def node_id(self, server: LiveServer) -> str:
        return f"127.0.0.1:{server.port}"

    def owner_of(self, room: str) -> str | None:
        """The node holding a notes room's lease, as Redis says."""
        with self.redis() as client:
            value = client.get(f"{self.prefix}notes-lease:{room}")
        return None if value is None else value.decode()

    def server_of(self, node_id: str) -> LiveServer:
        return next(s for s in self.servers if self.node_id(s) == node_id)

    def logs(self) -> str:
        return "\n".join(f"--- {self.node_id(s)}\n{s.logs()}" for s in self.servers)


def add_node(nodes: Nodes, data_dir: Path, **settings: str) -> LiveServer:
    server = make_server(
        data_dir,
        **{
            "database_url": nodes.database_url,
            "redis_url": nodes.redis_url,
            "redis_prefix": nodes.prefix,
            "secret_key": SECRET,
            "rate_limit_login": "1000/minute",
            "rate_limit_join": "1000/minute",
            "rate_limit_invites": "1000/minute",
            **settings,
        },
    )
    server.env["CROSSROADS_NODE_ID"] = f"127.0.0.1:{server.port}"
    nodes.servers.append(server)
    return server


@contextmanager
def running_nodes(
    data_dir: Path, count: int, *, redis_url: str | None = None, **settings: str
) -> Iterator[Nodes]:
    """``count`` started nodes with two host accounts; ``redis_url`` defaults to CI's."""
    url = redis_url or TEST_REDIS_URL
    assert url is not None
    with throwaway_database() as database_url:
        nodes = Nodes([], database_url, url, f"test-{secrets.token_hex(4)}:")
        for index in range(count):
            add_node(nodes, data_dir / f"node{index}", **settings)
        first = nodes[0]
        copy_prepared_database(first)
        try:
            for server in nodes.servers:
                server.start()
            yield nodes
        finally:
            for server in nodes.servers:
                server.stop()
            with contextlib.suppress(redis.ConnectionError), nodes.redis() as client:
                keys = list(client.scan_iter(f"{nodes.prefix}*"))
                if keys:
                    client.delete(*keys)


def database_groups(nodes: Nodes, convening: str) -> tuple[int, set[frozenset[str]]]:
    """The current round's number and its groups (public ids of the seated, not away), read
    straight from the database: what every client's view must agree with."""

    async def read() -> tuple[int, set[frozenset[str]]]:
        engine = create_async_engine(nodes.database_url)
        try:
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(
                        text(
                            "SELECT r.number, m.group_id, p.public_id FROM convening c "
                            "JOIN live_state s ON s.convening_id = c.id "
                            "JOIN round_run r ON r.id = s.current_run_id "
                            "JOIN live_member m ON m.run_id = r.id AND NOT m.away "
                            "JOIN participant p ON p.id = m.participant_id "
                            "WHERE c.public_id = :convening"
                        ),
                        {"convening": convening},
                    )
                ).all()
        finally:
            await engine.dispose()
        groups: dict[int, set[str]] = {}
        for _number, group, person in rows:
            groups.setdefault(group, set()).add(person)
        return (rows[0][0] if rows else 0), {frozenset(g) for g in groups.values()}

    return asyncio.run(read())


class RedisProcess:
    """A throwaway redis-server on a free loopback port, for tests that restart Redis (the
    shared one is never touched). Nothing is persisted: a restart comes back empty."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with redis.Redis.from_url(self.url) as client:
                    client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def node_status(server: LiveServer) -> dict[str, Any]:
    """A node's /internal/status, asked with a peer pass as another node would."""
    from crossroads.notes.tokens import mint_peer

    response = httpx.get(
        f"{server.url}/internal/status",
        headers={"X-Crossroads-Peer": mint_peer(SECRET, "tests", "status")},
        timeout=10,
    )
    response.raise_for_status()
    return dict(response.json())
