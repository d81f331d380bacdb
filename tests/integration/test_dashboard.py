"""The host's dashboard: each call's date and status, and how many were invited and came;
the next call of a series gets a title of its own (#31)."""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import Browserish, create_convening, join
from tests.integration.test_series import make_series
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


def _row(dashboard: str, title: str) -> str:
    rows = re.findall(r'<tr class="convening-row">.*?</tr>', dashboard, re.S)
    found = [row for row in rows if f">{title}</a>" in row]
    assert len(found) == 1, (title, rows)
    return found[0]


def test_next_call_of_a_series_has_its_own_dated_title(
    server: LiveServer, host: Browserish
) -> None:
    first = create_convening(host, "Monthly coalition call", languages=["es", "en"])
    upcoming, _series = make_series(host, first.public_id)

    dashboard = host.get("/host").text

    # 2031-01-10T10:00 in Paris, written the call's first language's way.
    assert "10 ene 2031" in _row(dashboard, "Monthly coalition call — 10 ene 2031")
    _row(dashboard, "Monthly coalition call")
    make_series(host, upcoming)
    assert "Monthly coalition call — 10 ene 2031 — " not in host.get("/host").text


def test_dashboard_shows_status_and_who_came(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Counted call")
    page = f"/host/convenings/{convening.public_id}"
    host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={"roster": ("r.csv", b"name,email\nAna,ana@example.org\nBo,bo@example.org\n")},
    )
    join(server, convening.invite_url, "Walk-in")

    row = _row(host.get("/host").text, "Counted call")

    assert "2 invited · 0 mailed · 1 joined" in row
    assert 'class="status-draft"' in row or 'class="status-open"' in row


def test_city_name_finds_its_zone_and_dates_are_in_the_readers_language(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Bogotá call", timezone="Bogota")
    page = host.get(f"/host/convenings/{convening.public_id}")
    assert "(America/Bogota)" in page.text
    # 2030-05-04T14:00 in Bogotá, a Saturday.
    assert "Sat, 4 May 2030, 14:00 (America/Bogota)" in page.text

    host.cookies.set("crossroads_lang", "es")
    try:
        spanish = host.get("/host").text
    finally:
        host.cookies.delete("crossroads_lang")
    assert "sáb, 4 may 2030, 14:00 (America/Bogota)" in _row(spanish, "Bogotá call")


def test_new_convening_form_offers_every_iana_zone(server: LiveServer, host: Browserish) -> None:
    form = host.get("/host/convenings/new").text
    zones = re.findall(r'<option value="([^"]+)">', form)
    assert {"America/Bogota", "Asia/Kathmandu", "Pacific/Chatham"} <= set(zones)
    assert len(zones) > 300
    assert "data-browser-zone" in form
