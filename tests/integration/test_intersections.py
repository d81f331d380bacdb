"""Where work meets: the host's map, the opted-in participant's view under consents and
Chatham House, and introductions made only when both sides ask."""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import Browserish, create_convening, join
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


def overlap_rows(html: str) -> list[tuple[str, str]]:
    if 'class="overlaps"' not in html:
        return []  # no area shared by two people yet
    table = html.split('class="overlaps"')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]*)</th>\s*<td>(.*?)</td>', table, re.S)
    return [(area, re.sub(r"\s+", " ", people).strip()) for area, people in rows]


def opt_in(client: Browserish, public_id: str) -> None:
    page = f"/c/{public_id}/connections"
    client.submit(f"{page}/opt-in", {"opt_in": "on"}, form_page=page)


def names(html: str, section: str) -> list[str]:
    part = html.split(f'id="{section}"')[1].split("</section>")[0]
    return re.findall(r'<strong class="person-name">([^<]*)</strong>', part)


def public_id_of(html: str, name: str) -> str:
    found = re.search(
        rf"{re.escape(name)}</strong>.*?/connections/([A-Za-z0-9_-]+)/introduce", html, re.S
    )
    assert found, html
    return found.group(1)


def test_intersections_respect_consents_and_introduce_only_when_both_ask(
    server: LiveServer, host: Browserish, other_host: Browserish
) -> None:
    call = create_convening(host, "Intersections call", privacy_mode="chatham_house")
    people = {
        "Ana": join(
            server,
            call.invite_url,
            "Ana",
            organisation="Tierra Viva",
            movements="Water, Land",
            region="Andes",
        ),
        "Bilal": join(
            server,
            call.invite_url,
            "Bilal",
            organisation="Sahel Wells",
            movements="water",
            region="Sahel",
        ),
        "Chen": join(
            server,
            call.invite_url,
            "Chen",
            organisation="Quiet Org",
            movements="Water",
            consent_listed="",
        ),
        "Dara": join(server, call.invite_url, "Dara", movements="Water"),
    }
    page = f"/c/{call.public_id}/connections"

    host_map = host.get(f"/host/convenings/{call.public_id}/intersections").text
    before = people["Ana"].get(page).text
    for name in ("Ana", "Bilal", "Chen"):
        opt_in(people[name], call.public_id)
    ana_view = people["Ana"].get(page).text

    assert overlap_rows(host_map) == [
        ("Water", "Ana (Tierra Viva), Bilal (Sahel Wells), Chen (Quiet Org), Dara")
    ]
    assert "Bilal" not in before and "Opt in to see who works on what" in before
    # Listed people only, no organisations (Chatham House); Chen is unlisted.
    assert overlap_rows(ana_view) == [("Water", "Ana, Bilal, Dara")]
    # Suggestions come from people who opted in (Dara did not), other regions first.
    assert names(ana_view, "suggestions") == ["Bilal", "Chen"]
    assert "Tierra Viva" not in ana_view and "Sahel Wells" not in ana_view

    bilal_id = public_id_of(ana_view, "Bilal")
    people["Ana"].submit(f"{page}/{bilal_id}/introduce", {}, form_page=page)
    ana_waiting = people["Ana"].get(page).text
    bilal_before = people["Bilal"].get(page).text
    ana_id = public_id_of(bilal_before, "Ana")
    people["Bilal"].submit(f"{page}/{ana_id}/introduce", {}, form_page=page)

    assert names(ana_waiting, "introductions") == ["Bilal"]
    assert "Waiting for their answer" in ana_waiting
    assert names(bilal_before, "introductions") == []
    assert names(people["Ana"].get(page).text, "introductions") == ["Bilal"]
    assert names(people["Bilal"].get(page).text, "introductions") == ["Ana"]
    assert "Waiting for their answer" not in people["Ana"].get(page).text


def test_introductions_need_both_opted_in_and_the_same_convening(
    server: LiveServer, host: Browserish, other_host: Browserish
) -> None:
    call = create_convening(host, "Introductions scope call")
    elsewhere = create_convening(other_host, "Another call")
    ana = join(server, call.invite_url, "Ana Scope", movements="Seeds")
    bo = join(server, call.invite_url, "Bo Scope", movements="Seeds")
    stranger = join(server, elsewhere.invite_url, "Stranger", movements="Seeds")
    page = f"/c/{call.public_id}/connections"
    opt_in(ana, call.public_id)
    opt_in(stranger, elsewhere.public_id)
    bo_id = re.search(r"/c/[^/]+/connections/([^/\"]+)/introduce", ana.get(page).text)

    assert bo_id is None  # Bo did not opt in: not suggested
    opt_in(bo, call.public_id)
    found = re.search(r"/connections/([A-Za-z0-9_-]+)/introduce", ana.get(page).text)
    assert found
    stranger_view = stranger.get(f"/c/{elsewhere.public_id}/connections").text
    stranger_id = re.search(r"/connections/([A-Za-z0-9_-]+)/introduce", stranger_view)

    assert stranger_id is None
    assert ana.submit(f"{page}/not-a-person/introduce", {}, form_page=page).status_code == 404
    assert stranger.get(page).status_code == 404
    assert other_host.get(f"/host/convenings/{call.public_id}/intersections").status_code == 404
    assert ana.post(f"{page}/{found.group(1)}/introduce").status_code == 403


def test_issue_areas_people_wrote_about_in_the_notes_join_the_map_in_named_mode(
    server: LiveServer, host: Browserish
) -> None:
    import asyncio

    from tests.integration.live_clients import add_round
    from tests.integration.notes_client import NotesClient, notes_token

    call = create_convening(host, "Notes intersections call")
    add_round(host, call.public_id)
    join(server, call.invite_url, "Ana", movements="Seeds, Water", region="Andes")
    bilal = join(server, call.invite_url, "Bilal", movements="Housing", region="Sahel")

    async def write() -> None:
        notes = await NotesClient.connect(
            server, call.public_id, notes_token(bilal, f"/c/{call.public_id}/notes")
        )
        await notes.type("free", "Our wells and water rights are the fight this year. ")
        await notes.wait_acked()
        await notes.close()

    before = overlap_rows(host.get(f"/host/convenings/{call.public_id}/intersections").text)
    asyncio.run(write())
    after = overlap_rows(host.get(f"/host/convenings/{call.public_id}/intersections").text)

    assert before == []
    assert after == [("Water", "Ana, Bilal")]
