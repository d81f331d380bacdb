"""Hybrid gatherings (#32) over real HTTP and WebSockets: the venue forms, scoping, joining
with a venue, and what the round screens and the projector receive."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from tests.integration.conftest import Browserish, join, login, serve
from tests.integration.live_clients import LiveClient, connect_people, planned_convening
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("venues"))) as server:
        yield server


def add_venue(host: Browserish, public_id: str, name: str, tables: str) -> str:
    page = f"/host/convenings/{public_id}/venues"
    response = host.submit(page, {"name": name, "room": "Room 2", "tables": tables}, form_page=page)
    assert response.status_code == 200, response.text
    ids = re.findall(r'data-venue="([A-Za-z0-9_-]+)"', response.text)
    return ids[-1]


def set_mode(host: Browserish, public_id: str, mode: str, which: int = 0) -> None:
    page = f"/host/convenings/{public_id}/venues"
    rounds = re.findall(r'name="round" value="([A-Za-z0-9_-]+)"', host.get(page).text)
    response = host.submit(
        f"/host/convenings/{public_id}/round-modes",
        {"round": rounds[which], "mode": mode},
        form_page=page,
    )
    assert response.status_code == 200, response.text
    assert re.search(rf'value="{mode}" selected', host.get(page).text)


def test_the_venue_form_refuses_bad_tables_field_by_field_and_changes_nothing(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    page = f"/host/convenings/{convening.public_id}/venues"
    bad = host.submit(page, {"name": "Hall", "tables": "5-1"}, form_page=page)
    assert bad.status_code == 422
    assert 'id="new-tables-error"' in bad.text and "The range 5-1 runs backwards." in bad.text
    assert 'id="new-name-error"' not in bad.text
    assert "No venue yet" in host.get(page).text
    nameless = host.submit(page, {"name": "  ", "tables": "1-3"}, form_page=page)
    assert nameless.status_code == 422 and 'id="new-name-error"' in nameless.text
    twice = host.submit(page, {"name": "Hall", "tables": "1, 2, 1"}, form_page=page)
    assert "Table 1 is listed twice." in twice.text

    venue = add_venue(host, convening.public_id, "Hall", "1-3, Stage")
    text = host.get(page).text
    assert "4 tables: 1-3, Stage" in text
    edit = f"{page}/{venue}"
    refused = host.submit(edit, {"name": "Hall", "tables": "1-999"}, form_page=page)
    assert refused.status_code == 422 and 'id="venue-' + venue + '-tables-error"' in refused.text
    assert "At most 300 tables." in refused.text
    assert "4 tables: 1-3, Stage" in host.get(page).text
    # Without the form's token nothing changes.
    forged = host.post(edit, data={"name": "Forged", "tables": "1"})
    assert forged.status_code == 403
    assert "Forged" not in host.get(page).text
    saved = host.submit(edit, {"name": "Main hall", "room": "", "tables": "10-11"}, form_page=page)
    assert (
        saved.status_code == 200 and "2 tables: 10-11" in saved.text and "Main hall" in saved.text
    )


def test_venues_are_scoped_to_their_convening_and_host(live_server: LiveServer) -> None:
    host = login(live_server, "host@example.org")
    other = login(live_server, "other@example.org")
    first = planned_convening(host, rounds=1)
    second = planned_convening(host, rounds=1)
    venue = add_venue(host, first.public_id, "Hall", "1-2")
    base = f"/host/convenings/{second.public_id}/venues/{venue}"
    # Another convening's venue id under this convening: not found, whatever the route.
    assert host.get(f"{base}/cards").status_code == 404
    assert host.get(f"{base}/qr.svg").status_code == 404
    page = f"/host/convenings/{second.public_id}/venues"
    assert host.submit(base, {"name": "X", "tables": "1"}, form_page=page).status_code == 404
    assert host.submit(f"{base}/delete", {}, form_page=page).status_code == 404
    # Another host sees none of it.
    own = f"/host/convenings/{first.public_id}/venues"
    assert other.get(own).status_code == 404
    assert other.get(f"{own}/{venue}/cards").status_code == 404
    assert other.get(f"/v/{venue}/projector").status_code == 404
    # The projector needs the venue's key or its host's session.
    assert host.get(f"/v/{venue}/projector").status_code == 200
    assert other.get(f"/v/{venue}/projector?key=wrong").status_code == 404
    # A person's place can only be a venue of their own convening.
    person = join(live_server, second.invite_url, "Ana")
    people = re.findall(r'name="participant" value="([^"]+)"', host.get(page).text)
    assert people == []  # no venue in the second convening: no "who is where" yet
    add_venue(host, second.public_id, "Annex", "1")
    people = re.findall(r'name="participant" value="([^"]+)"', host.get(page).text)
    moved = host.submit(
        f"/host/convenings/{second.public_id}/places",
        {"participant": people[0], "place": venue},
        form_page=page,
    )
    assert moved.status_code == 422 and "Choose a venue of this convening" in moved.text
    person.close()

    async def socket_refused() -> int:
        socket = await LiveClient.connect(live_server, f"/ws/projector/{venue}?key=wrong", None)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.socket.recv()
        return closed.value.rcvd.code if closed.value.rcvd else 0

    assert asyncio.run(socket_refused()) == 4404


def test_a_mixed_round_joins_each_table_to_an_online_partner_through_one_device(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host, rounds=2)
    venue = add_venue(host, convening.public_id, "Hall", "1-2")
    page = host.get(f"/host/convenings/{convening.public_id}/venues").text
    join_link = re.search(rf'value="([^"]+\?venue={venue})"', page)
    assert join_link
    key = re.search(rf"/v/{venue}/projector\?key=([A-Za-z0-9_-]+)", page)
    assert key
    # The QR code's link opens the join form with the venue chosen.
    form = Browserish(base_url=live_server.url).get(
        join_link.group(1).removeprefix(live_server.url)
    )
    assert re.search(rf'value="{venue}" checked', form.text)
    invite = join_link.group(1).split("?")[0]
    room = [join(live_server, invite, f"Room {i}", place=venue) for i in range(4)]
    online = [join(live_server, invite, f"Online {i}") for i in range(4)]
    set_mode(host, convening.public_id, "mixed")
    set_mode(host, convening.public_id, "in_person", which=1)

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "hello"})
        projector = await LiveClient.connect(
            live_server, f"/ws/projector/{venue}?key={key.group(1)}", None
        )
        await projector.send({"v": 1, "type": "hello", "last_seq": 0})
        first = await projector.next("snapshot")
        assert first["phase"] == "lobby" and first["tables"] == []
        sockets = await connect_people(live_server, convening.public_id, room + online)
        await console.send({"type": "start_round"})
        views = [await s.next("snapshot", lambda m: m.get("group") is not None) for s in sockets]
        room_views, online_views = views[:4], views[4:]
        ids = {v["you"]["id"]: v for v in views}
        tables: dict[str, list[dict]] = {}  # type: ignore[type-arg]
        for view in room_views:
            place = view["place"]
            assert place["mode"] == "mixed" and place["in_room"]
            assert place["heading"].startswith(f"Table {place['table']}, with ")
            tables.setdefault(place["table"], []).append(view)
        assert sorted(tables) == ["1", "2"]
        for table in tables.values():
            assert len(table) == 2
            devices = [v for v in table if v["place"]["device"]]
            assert len(devices) == 1
            device = devices[0]
            # Only the device holds the call; the other phone at the table does not.
            assert "call" in device and all("call" not in v for v in table if v is not device)
            partners = [m["id"] for m in device["group"]["members"] if ids[m["id"]] in online_views]
            assert len(partners) == 1
            partner = ids[partners[0]]
            assert partner["place"]["mode"] == "mixed" and not partner["place"]["in_room"]
            assert "call" in partner
            assert set(partner["place"]["call_members"]) == {partners[0], device["you"]["id"]}
            assert f"at Table {device['place']['table']} in Hall" in partner["place"]["heading"]
        # The two online people left meet each other in a plain call.
        plain = [v for v in online_views if "place" not in v]
        assert len(plain) == 2 and all("call" in v for v in plain)
        assert {m["id"] for m in plain[0]["group"]["members"]} == {v["you"]["id"] for v in plain}

        wall = await projector.next("snapshot", lambda m: m["phase"] == "running")
        assert wall["round"]["number"] == 1
        assert wall["round"]["prompts"][0]["text"] == "What brought you here?"
        assert wall["round"]["ends_at"] > wall["now"]
        assert sorted(t["table"] for t in wall["tables"]) == ["Table 1", "Table 2"]
        assert all(t["online"] == 1 and len(t["people"]) == 2 for t in wall["tables"])
        assert all(not p.startswith("Online") for t in wall["tables"] for p in t["people"])

        # The next round is in person: the room meets at tables, without any call.
        await console.send({"type": "start_round"})
        views = [
            await s.next("snapshot", lambda m: m.get("round", {}) and m["round"]["number"] == 2)
            for s in sockets
        ]
        for view in views[:4]:
            assert view["place"]["mode"] == "in_person" and "call" not in view
            members = {m["id"] for m in view["group"]["members"]}
            assert members <= {v["you"]["id"] for v in views[:4]}
        for view in views[4:]:
            assert "place" not in view and "call" in view
        for socket in [console, projector, *sockets]:
            await socket.close()

    asyncio.run(scenario())


def test_the_host_adds_someone_without_a_phone_who_meets_at_a_table(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    venue = add_venue(host, convening.public_id, "Hall", "7")
    page = f"/host/convenings/{convening.public_id}/venues"
    add = f"/host/convenings/{convening.public_id}/people-without-phone"
    refused = host.submit(add, {"display_name": "", "place": venue}, form_page=page)
    assert refused.status_code == 422 and 'id="no_phone_display_name-error"' in refused.text
    added = host.submit(
        add, {"display_name": "Kofi", "place": venue, "languages": "en"}, form_page=page
    )
    assert added.status_code == 200 and "Kofi" in added.text and "(no phone)" in added.text
    ana = join(live_server, convening.invite_url, "Ana", place=venue)
    set_mode(host, convening.public_id, "in_person")

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "hello"})
        [socket] = await connect_people(live_server, convening.public_id, [ana])
        await console.send({"type": "start_round"})
        view = await socket.next("snapshot", lambda m: m.get("group") is not None)
        assert view["place"]["heading"] == "Table 7, with Kofi"
        assert "call" not in view
        await socket.close()
        await console.close()

    asyncio.run(scenario())
