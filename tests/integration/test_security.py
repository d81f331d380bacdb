"""CSRF on every state change, user text escaped, and scoped ids (no IDOR)."""

from __future__ import annotations

import re

import pytest

from crossroads.web.app import create_app
from tests.integration.conftest import Browserish, create_convening, join
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

PAYLOAD = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def _post_routes() -> list[str]:
    # The OpenAPI schema lists every route with its methods, however routers are nested.
    schema = create_app().openapi()
    return sorted(path for path, methods in schema["paths"].items() if "post" in methods)


def test_every_post_route_without_csrf_token_gets_403(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "CSRF call")
    values = {
        "{public_id}": convening.public_id,
        "{round_id}": "r",
        "{prompt_id}": "p",
        "{token}": convening.invite_url.rsplit("/", 1)[-1],
    }
    routes = _post_routes()
    assert len(routes) >= 12

    for path in routes:
        url = path
        for key, value in values.items():
            url = url.replace(key, value)
        response = host.post(url, data={"title": "x"})
        assert response.status_code == 403, path
        assert "This form has expired" in response.text


def test_csrf_token_from_another_browser_is_refused(
    server: LiveServer, host: Browserish, other_host: Browserish
) -> None:
    stolen = other_host.csrf("/host")

    response = host.post("/host/convenings", data={"title": "x", "csrf_token": stolen})

    assert response.status_code == 403


def test_hostile_display_name_is_text_in_lobby_and_host_page(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "XSS call")
    mallory = join(server, convening.invite_url, PAYLOAD, organisation=PAYLOAD, about=PAYLOAD)

    lobby = mallory.get(f"/c/{convening.public_id}/lobby").text
    host_page = host.get(f"/host/convenings/{convening.public_id}").text

    for html in (lobby, host_page):
        assert PAYLOAD not in html
        assert ESCAPED in html


def test_hostile_convening_title_and_prompt_are_escaped(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, PAYLOAD, description=PAYLOAD, code_of_conduct=PAYLOAD)
    base = f"/host/convenings/{convening.public_id}"
    host.submit(
        f"{base}/rounds",
        {"kind": "pairs", "group_size": "2", "duration_minutes": "5"},
        form_page=base,
    )
    (round_id,) = re.findall(r'data-round-id="([^"]+)"', host.get(base).text)
    host.submit(f"{base}/rounds/{round_id}/prompts", {"text_en": PAYLOAD}, form_page=base)
    ana = join(server, convening.invite_url, "Ana")

    pages = [
        host.get(base).text,
        host.get("/host").text,
        ana.get(f"/c/{convening.public_id}/lobby").text,
    ]

    for html in pages:
        assert PAYLOAD not in html
        assert ESCAPED in html


def test_participant_of_one_convening_gets_404_on_another(
    server: LiveServer, host: Browserish
) -> None:
    mine = create_convening(host, "Mine")
    theirs = create_convening(host, "Theirs")
    join(server, theirs.invite_url, "Someone in the other call")
    ana = join(server, mine.invite_url, "Ana")

    for path in ("lobby", "people", "calendar.ics"):
        response = ana.get(f"/c/{theirs.public_id}/{path}")
        assert response.status_code == 404, path
        assert "Someone in the other call" not in response.text
    assert ana.get(f"/host/convenings/{theirs.public_id}").url.path == "/login"


def test_host_gets_404_for_another_hosts_convening(
    server: LiveServer, host: Browserish, other_host: Browserish
) -> None:
    convening = create_convening(host, "Private planning")
    base = f"/host/convenings/{convening.public_id}"
    token = other_host.csrf("/host")

    for path in ("", "/edit", "/calendar.ics", "/personal-links.csv"):
        response = other_host.get(f"{base}{path}")
        assert response.status_code == 404, path
        assert "Private planning" not in response.text
    response = other_host.post(
        f"{base}/rounds",
        data={"csrf_token": token, "kind": "pairs", "group_size": "2", "duration_minutes": "5"},
    )
    assert response.status_code == 404
    assert re.findall(r'data-round-id="([^"]+)"', host.get(base).text) == []


def test_responses_carry_security_headers(server: LiveServer, host: Browserish) -> None:
    response = host.get("/host")

    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite(server: LiveServer) -> None:
    from tests.integration.conftest import login

    client = login(server, "host@example.org")
    cookie = next(c for c in client.cookies.jar if c.name == "crossroads_host")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite") == "lax"


def test_login_with_wrong_password_is_refused(server: LiveServer) -> None:
    from tests.integration.conftest import client_for

    client = client_for(server)

    response = client.submit("/login", {"email": "host@example.org", "password": "wrong password"})

    assert response.status_code == 400
    assert "Wrong email or password." in response.text
    assert client.get("/host").url.path == "/login"


def test_login_attempts_beyond_the_limit_get_429(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.conftest import client_for
    from tests.servers import make_server

    live = make_server(tmp_path / "limited", rate_limit_login="3/minute")
    live.cli("migrate")
    live.start()
    try:
        client = client_for(live)
        statuses = [
            client.submit(
                "/login", {"email": "x@example.org", "password": "wrong password"}
            ).status_code
            for _ in range(4)
        ]
    finally:
        live.stop()

    assert statuses == [400, 400, 400, 429]
