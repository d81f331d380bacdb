"""Authentication hardening (#12): rate limits, session rotation, cookie flags, hashed tokens,
and the Content-Security-Policy."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import database
from tests.integration.conftest import (
    Browserish,
    client_for,
    create_convening,
    join,
    login,
)
from tests.servers import HOST_PASSWORD, LiveServer, copy_prepared_database, make_server

pytestmark = pytest.mark.integration

INVITE = re.compile(r'id="invite-link" readonly value="([^"]+)"')
NOTES_TOKEN = re.compile(r'data-token="([^"]+)"')


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with tight limits on joining and on making invites."""
    live = make_server(
        tmp_path_factory.mktemp("limited"),
        rate_limit_join="3/minute",
        rate_limit_invites="3/hour",
    )
    copy_prepared_database(live)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def _names_on(host: Browserish, public_id: str) -> list[str]:
    page = host.get(f"/host/convenings/{public_id}").text
    return [name for name in ("Ana", "Bilal", "Chen", "Dara") if f">{name}<" in page]


def test_joins_beyond_the_limit_get_429_and_add_nobody(limited: LiveServer) -> None:
    host = login(limited, "host@example.org")
    convening = create_convening(host, "Limited joins")
    for name in ("Ana", "Bilal", "Chen"):
        join(limited, convening.invite_url, name)
    dara = client_for(limited)
    path = convening.invite_url.removeprefix(limited.url)

    response = dara.submit(
        path,
        {"display_name": "Dara", "languages": ["en"], "coc_accepted": "on"},
        form_page=path,
    )

    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert _names_on(host, convening.public_id) == ["Ana", "Bilal", "Chen"]
    assert "crossroads_participant" not in dara.cookies


def test_invite_renewals_beyond_the_limit_get_429_and_keep_the_link(limited: LiveServer) -> None:
    host = login(limited, "host@example.org")
    convening = create_convening(host, "Limited invites")
    page = f"/host/convenings/{convening.public_id}"
    for _ in range(3):
        assert host.submit(f"{page}/invite/renew", {}, form_page=page).status_code == 200
    link = INVITE.search(host.get(page).text)
    assert link

    refused = host.submit(f"{page}/invite/renew", {}, form_page=page)
    roster = host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={"roster": ("r.csv", b"name,email\nAna,ana@example.org\n", "text/csv")},
    )

    assert refused.status_code == 429
    assert roster.status_code == 429
    after = INVITE.search(host.get(page).text)
    assert after and after.group(1) == link.group(1)
    links = host.get(f"{page}/personal-links.csv").text
    assert links == "name,email,organisation,language,link\r\n"


def _cookie(client: httpx.Client, name: str) -> str:
    value = client.cookies.get(name)
    assert value, f"no {name} cookie"
    return value


def test_login_replaces_the_session_and_ends_the_old_one(server: LiveServer) -> None:
    client = login(server, "host@example.org")
    first = _cookie(client, "crossroads_host")

    again = client.submit("/login", {"email": "other@example.org", "password": HOST_PASSWORD})
    second = _cookie(client, "crossroads_host")
    replay = client_for(server)
    replay.cookies.set("crossroads_host", first, domain="127.0.0.1")

    assert again.url.path == "/host"
    assert second != first
    assert "Omar Other" in again.text
    assert replay.get("/host").url.path == "/login"


def test_session_id_planted_before_login_is_not_promoted(server: LiveServer) -> None:
    planted = "attacker-chosen-session-value-0123456789"
    victim = client_for(server)
    victim.cookies.set("crossroads_host", planted, domain="127.0.0.1")
    csrf_before = victim.csrf("/login")

    response = victim.post(
        "/login",
        data={"email": "host@example.org", "password": HOST_PASSWORD, "csrf_token": csrf_before},
    )
    attacker = client_for(server)
    attacker.cookies.set("crossroads_host", planted, domain="127.0.0.1")

    assert response.url.path == "/host"
    assert _cookie(victim, "crossroads_host") != planted
    assert attacker.get("/host").url.path == "/login"
    # The CSRF token is new too: a token known before login no longer matches the cookie.
    assert _cookie(victim, "crossroads_csrf") != csrf_before
    stale = victim.post("/host/convenings", data={"title": "x", "csrf_token": csrf_before})
    assert stale.status_code == 403


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    """Set-Cookie headers by cookie name, as sent (flags included)."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def _login_raw(url: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    """Log in without a cookie jar (it would not send Secure cookies over http); return the
    Set-Cookie headers of the login page and of the login response."""
    page = httpx.get(f"{url}/login", headers=headers)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    response = httpx.post(
        f"{url}/login",
        data={"email": "host@example.org", "password": HOST_PASSWORD, "csrf_token": csrf[1]},
        headers={**(headers or {}), "cookie": f"crossroads_csrf={csrf[1]}"},
    )
    assert response.status_code == 303, response.text
    return {**_set_cookies(page), **_set_cookies(response)}


def _flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_cookies_are_httponly_samesite_and_not_secure_over_plain_http(server: LiveServer) -> None:
    cookies = _login_raw(server.url)

    for name in ("crossroads_csrf", "crossroads_host"):
        flags = _flags(cookies[name])
        assert {"httponly", "samesite=lax", "path=/"} <= flags, name
        assert "secure" not in flags, name


def test_cookies_are_secure_when_a_trusted_proxy_says_https(server: LiveServer) -> None:
    # The test client is on loopback, which is the default trusted proxy address.
    cookies = _login_raw(server.url, {"x-forwarded-proto": "https"})

    for name in ("crossroads_csrf", "crossroads_host"):
        assert {"httponly", "samesite=lax", "secure"} <= _flags(cookies[name]), name


def test_forwarded_proto_from_an_untrusted_address_is_ignored(tmp_path: Path) -> None:
    live = make_server(tmp_path / "untrusted", forwarded_allow_ips="192.0.2.10")
    copy_prepared_database(live)
    live.start()
    try:
        cookies = _login_raw(live.url, {"x-forwarded-proto": "https"})
    finally:
        live.stop()

    for name in ("crossroads_csrf", "crossroads_host"):
        assert "secure" not in _flags(cookies[name]), name


def test_secure_cookies_setting_marks_every_cookie_secure(tmp_path: Path) -> None:
    live = make_server(tmp_path / "secure", secure_cookies="true")
    copy_prepared_database(live)
    live.start()
    try:
        cookies = _login_raw(live.url)
    finally:
        live.stop()

    for name in ("crossroads_csrf", "crossroads_host"):
        assert {"httponly", "samesite=lax", "secure"} <= _flags(cookies[name]), name


def _text_cells(url: str) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text, bytes or JSON value in every table."""
    cells = []
    for table, found in database.every_row(url).items():
        for row in found:
            for column, value in row.items():
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                elif isinstance(value, dict | list):
                    value = json.dumps(value, ensure_ascii=False)
                if isinstance(value, str):
                    cells.append((table, column, value))
    return cells


def test_invite_session_and_notes_tokens_are_stored_only_hashed(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Hashed tokens")
    page = f"/host/convenings/{convening.public_id}"
    personal = host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={"roster": ("r.csv", b"name,email\nBilal,bilal@example.org\n", "text/csv")},
    )
    personal_token = personal.text.strip().rsplit("/", 1)[-1]
    ana = join(server, convening.invite_url, "Ana")
    host_notes = NOTES_TOKEN.search(host.get(f"{page}/notes").text)
    ana_notes = NOTES_TOKEN.search(ana.get(f"/c/{convening.public_id}/notes").text)
    assert host_notes and ana_notes
    tokens = {
        "shared invite": convening.invite_url.rsplit("/", 1)[-1],
        "personal invite": personal_token,
        "host session": _cookie(host, "crossroads_host"),
        "participant session": _cookie(ana, "crossroads_participant"),
        "host notes pass": host_notes[1],
        "participant notes pass": ana_notes[1],
    }
    assert all(len(token) >= 20 for token in tokens.values()), tokens

    cells = _text_cells(server.database_url)
    # SQLite's files, WAL included, hold no token even in freed pages. PostgreSQL's files
    # belong to its server (shared with other work): there the table scan is the check.
    raw = b"".join(
        path.read_bytes()
        for path in server.data_dir.glob("crossroads.db*")
        if path.suffix in (".db", ".db-wal") or path.name.endswith("-wal")
    )

    from crossroads.convenings.tokens import hash_token

    # The scan sees the tables: the session's hash is there, the session itself is not.
    session_hash = hash_token(tokens["participant session"])
    assert any(value == session_hash for _t, _c, value in cells)
    for what, token in tokens.items():
        found = [(table, column) for table, column, value in cells if token in value]
        assert found == [], what
        assert token.encode() not in raw, what


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_csp_allows_no_inline_script_or_style_and_no_framing(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "CSP call")
    page = f"/host/convenings/{convening.public_id}"
    responses = [
        client_for(server).get("/login"),
        host.get("/host"),
        host.get(page),
        host.get(f"{page}/notes"),
        host.get("/no/such/page"),
        client_for(server).get(convening.invite_url.removeprefix(server.url)),
    ]
    nonces = set()

    for response in responses:
        csp = _directives(response.headers["content-security-policy"])
        assert csp["script-src"] == ["'self'"], response.url
        (style_self, style_nonce) = csp["style-src"]
        assert style_self == "'self'"
        assert re.fullmatch(r"'nonce-[A-Za-z0-9_-]{20,}'", style_nonce), style_nonce
        nonces.add(style_nonce)
        assert csp["default-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]
        assert response.headers["x-frame-options"] == "DENY"
    assert len(nonces) == len(responses)


@pytest.mark.parametrize(
    "target", ["//evil.example/host", "https://evil.example/", "javascript:alert(1)", "host"]
)
def test_login_never_redirects_off_site(server: LiveServer, target: str) -> None:
    client = client_for(server)
    csrf = client.csrf("/login")

    response = client.post(
        "/login",
        data={
            "email": "host@example.org",
            "password": HOST_PASSWORD,
            "next": target,
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/host"
