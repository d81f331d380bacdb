"""First visit: with no host account yet, the setup page creates one; then it closes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import client_for
from tests.servers import make_server

pytestmark = pytest.mark.integration


def test_first_visit_sets_up_the_host_and_then_setup_is_closed(tmp_path: Path) -> None:
    server = make_server(tmp_path / "fresh")
    server.start()
    try:
        visitor = client_for(server)
        first = visitor.get("/")
        created = visitor.submit(
            "/setup",
            {"display_name": "Hana", "email": "Hana@Example.org", "password": "a long password"},
            form_page="/setup",
        )
        dashboard = visitor.get("/host")
        later = client_for(server)
        second_visit = later.get("/setup")
        second_setup = later.post(
            "/setup",
            data={
                "display_name": "Mallory",
                "email": "m@example.org",
                "password": "another long one",
                "csrf_token": later.csrf("/login"),
            },
        )
    finally:
        server.stop()

    assert first.url.path == "/setup"
    assert created.url.path == "/host"
    assert "Signed in as Hana" in dashboard.text
    assert second_visit.url.path == "/login"
    assert second_setup.status_code == 409
    assert "Setup is already done" in second_setup.text


def test_setup_with_short_password_shows_the_field_error(tmp_path: Path) -> None:
    server = make_server(tmp_path / "fresh-short")
    server.start()
    try:
        visitor = client_for(server)
        response = visitor.submit(
            "/setup",
            {"display_name": "Hana", "email": "hana@example.org", "password": "short"},
            form_page="/setup",
        )
        still_open = visitor.get("/setup")
    finally:
        server.stop()

    assert response.status_code == 422
    assert 'id="password-error"' in response.text
    assert still_open.url.path == "/setup"
