"""A new convening's time zone starts as the host's browser zone (#31)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import login
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("time-zone"))) as server:
        yield server


def test_new_convening_defaults_to_the_browsers_zone(live: LiveServer, new_context) -> None:  # type: ignore[no-untyped-def]
    client = login(live, "host@example.org")
    context = new_context(timezone_id="America/Bogota")
    context.add_cookies(
        [{"name": n, "value": v, "url": live.url} for n, v in client.cookies.items()]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    page.goto(f"{live.url}/host/convenings/new")

    assert page.input_value("#timezone") == "America/Bogota"
    page.fill("#title", "Zoned call")
    page.fill("#starts_at", "2030-05-04T14:00")
    page.check("input[name=languages][value=en]")
    page.fill("#code_of_conduct", "Be kind.")
    page.click("form[action='/host/convenings'] button[type=submit]")
    page.wait_for_url("**/host/convenings/*")
    assert "(America/Bogota)" in page.content()
    # No request of the page failed; Chromium's own /favicon.ico request (we serve none) is
    # the one "Failed to load resource" it logs, and it is not among the page's responses.
    assert failed == []
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []
