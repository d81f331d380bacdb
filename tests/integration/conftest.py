"""A live server shared by the integration tests, and clients acting as named people.

Every live server here runs on each database backend: SQLite, and PostgreSQL when CI gives one
(CROSSROADS_TEST_DATABASE_URL; each server gets a database of its own, dropped afterwards). A
test that reaches a server through ``server`` or takes ``backend`` for its own is collected
once per backend, ids ``[sqlite]`` and ``[postgresql]``; without PostgreSQL the second skips
with the reason.

Which tests run on PostgreSQL too: every one on a live server (the journey from planning to
reflection, live rounds, notes, IDOR, XSS, personal data erasure, feedback, series, safety,
calls, backup), so each route and use case meets asyncpg at least once. That costs about five
minutes of CI on two cores, most of it starting servers. Left out, marked
``sqlite_only(reason=...)``: the schemathesis contract and the socket fuzzing, whose checks
do not depend on the database (the reasons are in those modules), and tests that start their
own server for one setting (rate limits, cookies, call modes), which stay on the default
SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.postgres import requires_postgres, throwaway_database
from tests.servers import HOST_PASSWORD, LiveServer, running_server

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    only = metafunc.definition.get_closest_marker("sqlite_only")
    if only is not None and not only.kwargs.get("reason"):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
    params = [pytest.param("sqlite", id="sqlite")]
    if only is None:
        params.append(pytest.param("postgresql", id="postgresql", marks=requires_postgres))
    # Session scope: pytest then runs every test of one backend before the next, so each
    # shared server starts once per backend.
    metafunc.parametrize("backend", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    assert name in BACKENDS, name
    return name


@contextmanager
def database_settings(backend: str) -> Iterator[dict[str, str]]:
    """Settings pointing a new server at an empty database of ``backend``: SQLite's file in
    the server's data folder (the default), or a throwaway PostgreSQL database."""
    if backend == "sqlite":
        yield {}
        return
    with throwaway_database() as url:
        yield {"database_url": url}


@contextmanager
def serve(backend: str, data_dir: Path, **settings: str) -> Iterator[LiveServer]:
    """``running_server`` on an empty database of ``backend``."""
    with (
        database_settings(backend) as database,
        running_server(data_dir, **database, **settings) as live,
    ):
        yield live


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Roster uploads too: the suite uploads far more often than a host would.
    with serve(
        backend, tmp_path_factory.mktemp(f"server-{backend}"), rate_limit_roster="1000/minute"
    ) as live:
        try:
            yield live
        finally:
            print(live.logs())


class Browserish(httpx.Client):
    """An httpx client that reads the CSRF token off pages, like a browser submitting forms."""

    def csrf(self, path: str = "/login") -> str:
        match = CSRF.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def submit(
        self, path: str, data: dict[str, object], *, form_page: str = "/login"
    ) -> httpx.Response:
        return self.post(path, data={**data, "csrf_token": self.csrf(form_page)})


def client_for(server: LiveServer) -> Browserish:
    return Browserish(base_url=server.url, follow_redirects=True, timeout=30)


def login(server: LiveServer, email: str) -> Browserish:
    client = client_for(server)
    response = client.submit("/login", {"email": email, "password": HOST_PASSWORD, "next": "/host"})
    assert response.url.path == "/host", response.text
    return client


@pytest.fixture
def host(server: LiveServer) -> Iterator[Browserish]:
    client = login(server, "host@example.org")
    yield client
    client.close()


@pytest.fixture
def other_host(server: LiveServer) -> Iterator[Browserish]:
    client = login(server, "other@example.org")
    yield client
    client.close()


@dataclass(frozen=True)
class Convening:
    public_id: str
    invite_url: str


def create_convening(
    client: Browserish, title: str = "Coalition call", **fields: object
) -> Convening:
    data: dict[str, object] = {
        "title": title,
        "starts_at": "2030-05-04T14:00",
        "timezone": "Europe/Paris",
        "duration_minutes": "90",
        "languages": ["en", "es"],
        "privacy_mode": "named",
        "code_of_conduct": "Be kind.",
    }
    data.update(fields)
    response = client.submit("/host/convenings", data, form_page="/host/convenings/new")
    assert response.status_code == 200, response.text
    public_id = response.url.path.rsplit("/", 1)[-1]
    invite = re.search(r'id="invite-link" readonly value="([^"]+)"', response.text)
    assert invite, response.text
    return Convening(public_id=public_id, invite_url=invite.group(1))


def join(server: LiveServer, invite_url: str, name: str, **fields: object) -> Browserish:
    client = client_for(server)
    path = invite_url.removeprefix(server.url)
    data: dict[str, object] = {
        "display_name": name,
        "languages": ["en"],
        "consent_listed": "on",
        "coc_accepted": "on",
    }
    data.update(fields)
    response = client.submit(path, data, form_page=path)
    # The form answers with the lobby itself (one round trip less on a slow link, #10).
    assert response.status_code == 200, response.text
    assert re.search(r'data-page-path="/c/[^"/]+/lobby"', response.text), response.text
    return client
