"""A series' retention setting: personal data of past calls is erased when it runs out."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from typing import Any

import pytest

from crossroads.convenings.series import history_weights
from crossroads.store.database import Database
from tests import database
from tests.integration.conftest import Browserish, create_convening, join
from tests.integration.live_clients import LiveClient, add_round, connect_people
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


def names_in(server: LiveServer, public_id: str) -> list[str]:
    rows = database.rows(
        server.database_url,
        "SELECT p.display_name FROM participant p JOIN convening c ON c.id = p.convening_id"
        " WHERE c.public_id = :p ORDER BY p.id",
        p=public_id,
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


def _pairs_by_name(views: list[dict[str, Any]]) -> set[frozenset[str]]:
    return {frozenset(m["name"] for m in v["group"]["members"]) for v in views}


async def _run_round(
    server: LiveServer, host: Browserish, public_id: str, clients: list[Browserish]
) -> set[frozenset[str]]:
    console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
    await console.send({"type": "hello"})
    sockets = await connect_people(server, public_id, clients)
    await console.send({"type": "start_round"})
    views = [await s.next("snapshot", lambda m: m.get("group") is not None) for s in sockets]
    for s in [console, *sockets]:
        await s.close()
    return _pairs_by_name(views)


def _join_by_links(server: LiveServer, host: Browserish, public_id: str) -> dict[str, Browserish]:
    text = host.get(f"/host/convenings/{public_id}/personal-links.csv").text
    return {
        row["name"]: join(server, row["link"], row["name"])
        for row in csv.DictReader(io.StringIO(text))
    }


def test_history_reaches_the_third_call_through_people_recognised_by_their_link(
    server: LiveServer, host: Browserish
) -> None:
    call1 = create_convening(host, "Chain call")
    add_round(host, call1.public_id)
    names = ["Ama", "Ben", "Cy", "Di"]
    first = {name: join(server, call1.invite_url, name) for name in names}
    met1 = asyncio.run(_run_round(server, host, call1.public_id, list(first.values())))
    page = f"/c/{call1.public_id}/feedback"
    for name, client in first.items():
        client.submit(
            page,
            {"series_consent": "on", "series_email": f"{name.lower()}@example.org"},
            form_page=page,
        )

    call2, _series = make_series(host, call1.public_id)
    second = _join_by_links(server, host, call2)
    met2 = asyncio.run(_run_round(server, host, call2, [second[n] for n in names]))
    call3, _series = make_series(host, call2)
    third = _join_by_links(server, host, call3)
    ids = participant_ids(server, call3)

    async def weights() -> dict[frozenset[int], float]:
        db = Database(server.database_url)
        try:
            return await history_weights(db, convening_id_of(server, call3))
        finally:
            await db.dispose()

    found = asyncio.run(weights())

    assert sorted(third) == names
    assert met1 & met2 == set()  # call 2 already avoided call 1's pairs
    expected = {frozenset(ids[n] for n in pair): 1.0 for pair in met2}
    expected |= {frozenset(ids[n] for n in pair): 0.5 for pair in met1}
    assert found == expected


def participant_ids(server: LiveServer, public_id: str) -> dict[str, int]:
    rows = database.rows(
        server.database_url,
        "SELECT p.display_name, p.id FROM participant p JOIN convening c"
        " ON c.id = p.convening_id WHERE c.public_id = :p",
        p=public_id,
    )
    return dict(rows)  # type: ignore[arg-type]


def convening_id_of(server: LiveServer, public_id: str) -> int:
    return int(
        database.scalar(
            server.database_url, "SELECT id FROM convening WHERE public_id = :p", p=public_id
        )
    )
