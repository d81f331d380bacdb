"""A live server shared by the integration tests, and clients acting as named people."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.servers import HOST_PASSWORD, LiveServer, make_server

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Generous limits: the suite logs in and joins far more often than a person would.
    live = make_server(
        tmp_path_factory.mktemp("server"),
        rate_limit_login="1000/minute",
        rate_limit_join="1000/minute",
        rate_limit_roster="1000/minute",
        rate_limit_invites="1000/minute",
    )
    live.cli("migrate")
    live.create_host("host@example.org", "Hana Host")
    live.create_host("other@example.org", "Omar Other")
    live.start()
    try:
        yield live
    finally:
        live.stop()
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
