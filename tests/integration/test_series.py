"""A series' retention setting: personal data of past calls is erased when it runs out."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.integration.conftest import Browserish, create_convening, join
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


def names_in(server: LiveServer, public_id: str) -> list[str]:
    with sqlite3.connect(server.database_path) as db:
        rows = db.execute(
            "SELECT p.display_name FROM participant p JOIN convening c ON c.id = p.convening_id"
            " WHERE c.public_id = ? ORDER BY p.id",
            (public_id,),
        )
        return [name for (name,) in rows]


def make_series(host: Browserish, public_id: str) -> tuple[str, str]:
    """Create the next call of ``public_id``; returns (next call id, series id)."""
    feedback = f"/host/convenings/{public_id}/feedback"
    response = host.submit(
        f"/host/convenings/{public_id}/next", {"starts_at": "2031-01-10T10:00"}, form_page=feedback
    )
    assert response.status_code == 200, response.text
    series = re.search(r'href="/host/series/([^"]+)"', response.text)
    assert series
    return response.url.path.rsplit("/", 1)[-1], series.group(1)


def test_retention_erases_past_calls_of_the_series_only(
    server: LiveServer, host: Browserish
) -> None:
    past = create_convening(host, "Past call", starts_at="2020-03-01T10:00")
    join(server, past.invite_url, "Old Olga")
    outside = create_convening(host, "Past call outside any series", starts_at="2020-03-01T10:00")
    join(server, outside.invite_url, "Kept Kofi")
    upcoming, series_id = make_series(host, past.public_id)
    page = f"/host/series/{series_id}"

    saved = host.submit(f"{page}/retention", {"retention_days": "30"}, form_page=page)
    output = server.cli("apply-retention")

    assert "Participants' personal data is deleted 30 days after each call." in saved.text
    assert output.strip() == "Deleted the personal data of 1 participant(s)."
    assert names_in(server, past.public_id) == []
    assert names_in(server, outside.public_id) == ["Kept Kofi"]
    assert server.cli("apply-retention").strip() == "Deleted the personal data of 0 participant(s)."
    assert upcoming != past.public_id


def test_retention_refuses_bad_input_and_other_hosts(
    server: LiveServer, host: Browserish, other_host: Browserish
) -> None:
    call = create_convening(host, "Retention input call")
    _next, series_id = make_series(host, call.public_id)
    page = f"/host/series/{series_id}"

    negative = host.submit(f"{page}/retention", {"retention_days": "-1"}, form_page=page)
    huge = host.submit(f"{page}/retention", {"retention_days": "99999"}, form_page=page)
    foreign = other_host.submit(f"{page}/retention", {"retention_days": "1"}, form_page="/host")

    assert negative.status_code == 422
    assert "Give a whole number of days." in negative.text
    assert huge.status_code == 422
    assert "Give a number of days from 0 (keep) to 3650." in huge.text
    assert foreign.status_code == 404
    assert other_host.get(page).status_code == 404
    assert "kept until they or you delete it" in host.get(page).text
