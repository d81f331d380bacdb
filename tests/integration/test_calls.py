"""Pair calls over real WebSockets (#7): the call offer in each view, signalling relayed only
inside one's group, and the group chat kept for the round and harvested only with consent."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from crossroads.convenings.calls import consented_chat
from crossroads.store.database import Database
from tests import database
from tests.integration.conftest import join, login, serve
from tests.integration.live_clients import LiveClient, planned_convening
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.integration

TURN_SECRET = "north-star"


@pytest.fixture(scope="module")
def calls_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(
        backend,
        Path(tmp_path_factory.mktemp("calls")),
        turn_urls="turn:turn.example.org:3478?transport=udp",
        turn_secret=TURN_SECRET,
        stun_urls="stun:stun.example.org:3478",
        rate_limit_chat="5/minute",
    ) as server:
        yield server


def in_pair(message: dict[str, Any]) -> bool:
    return message.get("group") is not None and len(message["group"]["members"]) == 2


async def two_pairs(server: LiveServer, tag: str) -> tuple[list[LiveClient], list[dict[str, Any]]]:
    """Four people in two pairs; returned ordered so that 0+1 and 2+3 are partners."""
    host = login(server, "host@example.org")
    convening = planned_convening(host)
    people = [join(server, convening.invite_url, f"{tag} {i}") for i in range(4)]
    console = await LiveClient.connect(server, f"/ws/host/{convening.public_id}", host)
    sockets = []
    for client in people:
        socket = await LiveClient.connect(server, f"/ws/live/{convening.public_id}", client)
        await socket.send({"type": "hello", "last_seq": 0})
        await socket.next("snapshot")
        sockets.append(socket)
    await console.send({"type": "start_round"})
    views = [await s.next("snapshot", in_pair) for s in sockets]
    await console.close()
    by_id = {v["you"]["id"]: i for i, v in enumerate(views)}
    first = views[0]
    partner = by_id[
        next(m["id"] for m in first["group"]["members"] if m["id"] != first["you"]["id"])
    ]
    rest = [i for i in range(4) if i not in (0, partner)]
    order = [0, partner, *rest]
    return [sockets[i] for i in order], [views[i] for i in order]


async def own_echo(socket: LiveClient, text: str) -> dict[str, Any]:
    """Send a chat line and wait for it to come back: every relay published before it has
    been delivered by then (one bus channel per convening keeps the order)."""
    await socket.send({"type": "chat", "text": text})
    return await socket.next("chat", lambda m: m["text"] == text)


def test_calls_view_offers_builtin_call_with_stun_and_turn_credentials_to_group_members(
    calls_server: LiveServer,
) -> None:
    async def scenario() -> None:
        sockets, views = await two_pairs(calls_server, "Ice")
        for view in views:
            call = view["call"]
            assert call["mode"] == "builtin"
            stun, turn = call["ice_servers"]
            assert stun == {"urls": ["stun:stun.example.org:3478"]}
            assert turn["urls"] == ["turn:turn.example.org:3478?transport=udp"]
            expiry, user = turn["username"].split(":")
            assert user == view["you"]["id"]
            assert int(expiry) > 0
            assert len(turn["credential"]) == 28  # base64 of a 20-byte HMAC-SHA1
        for s in sockets:
            await s.close()

    asyncio.run(scenario())


def test_calls_signalling_reaches_the_partner_and_is_refused_outside_the_group(
    calls_server: LiveServer,
) -> None:
    async def scenario() -> None:
        sockets, views = await two_pairs(calls_server, "Sig")
        ana, bilal, chen, dana = sockets
        ids = [v["you"]["id"] for v in views]

        await ana.send({"type": "call_offer", "to": ids[2], "sdp": "v=0 for chen"})
        refused = await ana.next("error")
        await ana.send({"type": "call_candidate", "to": "nobody-at-all", "candidate": "c"})
        refused_unknown = await ana.next("error")
        await ana.send({"type": "call_offer", "to": ids[0], "sdp": "v=0 for myself"})
        refused_self = await ana.next("error")
        await ana.send({"type": "call_offer", "to": ids[1], "sdp": "v=0 for bilal"})
        offer = await bilal.next("call_offer")
        await bilal.send({"type": "call_answer", "to": ids[0], "sdp": "v=0 answer"})
        answer = await ana.next("call_answer")
        await own_echo(chen, "chen is here")
        await own_echo(dana, "dana is here")

        assert refused["code"] == "not_in_group"
        assert refused_unknown["code"] == "not_in_group"
        assert refused_self["code"] == "not_in_group"
        assert offer == {"v": 1, "type": "call_offer", "from": ids[0], "sdp": "v=0 for bilal"}
        assert answer == {"v": 1, "type": "call_answer", "from": ids[1], "sdp": "v=0 answer"}
        for outsider in (chen, dana):
            assert [m["type"] for m in outsider.seen if m["type"].startswith("call_")] == []
        for s in sockets:
            await s.close()

    asyncio.run(scenario())


def test_calls_signalling_with_ids_of_another_convening_is_refused(
    calls_server: LiveServer,
) -> None:
    async def scenario() -> None:
        first, first_views = await two_pairs(calls_server, "North")
        second, _ = await two_pairs(calls_server, "South")

        await second[0].send(
            {"type": "call_offer", "to": first_views[0]["you"]["id"], "sdp": "v=0 across"}
        )
        refused = await second[0].next("error")
        await own_echo(first[0], "still here")

        assert refused["code"] == "not_in_group"
        assert [m for m in first[0].seen if m["type"] == "call_offer"] == []
        for s in [*first, *second]:
            await s.close()

    asyncio.run(scenario())


def test_calls_oversize_sdp_is_refused_with_a_clear_error(calls_server: LiveServer) -> None:
    async def scenario() -> None:
        sockets, views = await two_pairs(calls_server, "Big")

        await sockets[0].send(
            {"type": "call_offer", "to": views[1]["you"]["id"], "sdp": "a" * 13_000}
        )
        error = await sockets[0].next("error")

        assert error["code"] == "invalid"
        assert error["error"].startswith("sdp:")
        for s in sockets:
            await s.close()

    asyncio.run(scenario())


def test_calls_chat_reaches_the_group_and_nobody_outside_it(calls_server: LiveServer) -> None:
    async def scenario() -> None:
        sockets, views = await two_pairs(calls_server, "Chat")
        ana, bilal, chen, dana = sockets

        await ana.send({"type": "chat", "text": "<b>Hola</b> from Ana", "share": True})
        got = [await s.next("chat") for s in (ana, bilal)]
        await own_echo(chen, "chen here")
        await own_echo(dana, "dana here")

        for message in got:
            assert message["text"] == "<b>Hola</b> from Ana"
            assert message["from"] == views[0]["you"]["id"]
            assert message["name"] == "Chat 0"
        for outsider in (chen, dana):
            texts = [m["text"] for m in outsider.seen if m["type"] == "chat"]
            assert "<b>Hola</b> from Ana" not in texts
        for s in sockets:
            await s.close()

    asyncio.run(scenario())


def test_calls_chat_history_comes_back_after_reconnect_and_only_shared_lines_are_harvested(
    calls_server: LiveServer,
) -> None:
    host = login(calls_server, "host@example.org")
    convening = planned_convening(host)
    ana_client = join(calls_server, convening.invite_url, "Ana")
    bilal_client = join(calls_server, convening.invite_url, "Bilal")
    path = f"/ws/live/{convening.public_id}"

    async def scenario() -> dict[str, Any]:
        console = await LiveClient.connect(calls_server, f"/ws/host/{convening.public_id}", host)
        ana = await LiveClient.connect(calls_server, path, ana_client)
        bilal = await LiveClient.connect(calls_server, path, bilal_client)
        for s in (ana, bilal):
            await s.send({"type": "hello", "last_seq": 0})
            await s.next("snapshot")
        await console.send({"type": "start_round"})
        await ana.next("snapshot", in_pair)
        await bilal.next("snapshot", in_pair)
        await ana.send({"type": "chat", "text": "Shared idea: a joint campaign", "share": True})
        await bilal.next("chat")
        await bilal.send({"type": "chat", "text": "Private aside", "share": False})
        await ana.next("chat", lambda m: m["text"] == "Private aside")
        await bilal.close()

        again = await LiveClient.connect(calls_server, path, bilal_client)
        await again.send({"type": "hello", "last_seq": 0})
        history = await again.next("chat_history")
        for s in (console, ana, again):
            await s.close()
        return history

    history = asyncio.run(scenario())

    assert [(m["name"], m["text"]) for m in history["messages"]] == [
        ("Ana", "Shared idea: a joint campaign"),
        ("Bilal", "Private aside"),
    ]

    async def harvested() -> list[str]:
        db = Database(calls_server.database_url)
        try:
            plan_id = _convening_id(calls_server, convening.public_id)
            return [c.text for c in await consented_chat(db, plan_id)]
        finally:
            await db.dispose()

    assert asyncio.run(harvested()) == ["Shared idea: a joint campaign"]


def _convening_id(server: LiveServer, public_id: str) -> int:
    return int(
        database.scalar(
            server.database_url, "SELECT id FROM convening WHERE public_id = :p", p=public_id
        )
    )


def test_calls_chat_is_rate_limited_and_bad_lines_change_nothing(
    calls_server: LiveServer,
) -> None:
    async def scenario() -> None:
        sockets, _ = await two_pairs(calls_server, "Rate")
        ana = sockets[0]

        await ana.send({"type": "chat", "text": "   "})
        blank = await ana.next("error")
        await ana.send({"type": "chat", "text": "x" * 1001})
        too_long = await ana.next("error")
        for i in range(5):
            await own_echo(ana, f"line {i}")
        await ana.send({"type": "chat", "text": "one too many"})
        limited = await ana.next("error")

        assert blank["code"] == "field_invalid"
        assert too_long["code"] == "invalid"
        assert limited["code"] == "rate_limited"
        assert [m["text"] for m in ana.seen if m["type"] == "chat"] == [
            f"line {i}" for i in range(5)
        ]
        for s in sockets:
            await s.close()

    asyncio.run(scenario())


JITSI_SECRET = "a-jitsi-app-secret-of-32-bytes-or-more"


def test_calls_jitsi_mode_gives_each_group_its_own_room_with_a_jwt(
    tmp_path: Path,
) -> None:
    with running_server(
        tmp_path / "jitsi",
        call_mode="jitsi",
        jitsi_url="https://meet.example.org",
        jitsi_app_id="crossroads",
        jitsi_app_secret=JITSI_SECRET,
    ) as server:

        async def scenario() -> list[dict[str, Any]]:
            sockets, views = await two_pairs(server, "Jitsi")
            for s in sockets:
                await s.close()
            return views

        views = asyncio.run(scenario())

    urls = [v["call"]["url"] for v in views]
    rooms = [u.split("?")[0].rsplit("/", 1)[1] for u in urls]
    assert all(u.startswith("https://meet.example.org/") for u in urls)
    assert rooms[0] == rooms[1]
    assert rooms[2] == rooms[3]
    assert rooms[0] != rooms[2]
    assert len(rooms[0]) == 40
    for view, url, room in zip(views, urls, rooms, strict=True):
        claims = jwt.decode(
            url.split("?jwt=")[1], JITSI_SECRET, algorithms=["HS256"], audience="jitsi"
        )
        assert claims["room"] == room
        assert claims["context"]["user"]["name"] == next(
            m["name"] for m in view["group"]["members"] if m["id"] == view["you"]["id"]
        )


def test_calls_external_mode_shows_the_zoom_room_and_the_host_downloads_the_csv(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "zoom", call_mode="external") as server:
        host = login(server, "host@example.org")
        convening = planned_convening(host)
        page_url = f"/host/convenings/{convening.public_id}"
        roster = "name,email\n" + "".join(f"Zoomer {i},z{i}@example.org\n" for i in range(3))
        uploaded = host.post(
            f"{page_url}/roster",
            data={"csrf_token": host.csrf(page_url)},
            files={"roster": ("roster.csv", roster.encode(), "text/csv")},
        )
        links = [row["link"] for row in csv.DictReader(io.StringIO(uploaded.text))]
        people = [join(server, link, f"Zoomer {i}") for i, link in enumerate(links)]
        join(server, convening.invite_url, "No Mail")
        base = f"/host/convenings/{convening.public_id}"

        planned = host.get(f"{base}/zoom.csv")
        page = host.get(f"{base}/zoom")
        other = login(server, "other@example.org")
        refused = other.get(f"{base}/zoom.csv")

        async def scenario() -> list[dict[str, Any]]:
            console = await LiveClient.connect(server, f"/ws/host/{convening.public_id}", host)
            sockets = []
            for client in people:
                socket = await LiveClient.connect(server, f"/ws/live/{convening.public_id}", client)
                await socket.send({"type": "hello", "last_seq": 0})
                await socket.next("snapshot")
                sockets.append(socket)
            await console.send({"type": "start_round"})
            views = [await s.next("snapshot", lambda m: m.get("call") is not None) for s in sockets]
            for s in [console, *sockets]:
                await s.close()
            return views

        views = asyncio.run(scenario())
        running = host.get(f"{base}/zoom.csv")

    assert planned.status_code == 200
    assert planned.headers["content-type"] == "text/csv; charset=utf-8"
    lines = planned.text.splitlines()
    assert lines[0] == "Pre-assign Room Name,Email Address"
    # Before anyone connects, everyone who joined is planned: 4 people, 2 rooms, 3 emails.
    assert sorted(line.split(",")[1] for line in lines[1:]) == [
        "z0@example.org",
        "z1@example.org",
        "z2@example.org",
    ]
    assert {line.split(",")[0] for line in lines[1:]} <= {"Round 1 - Room 1", "Round 1 - Room 2"}
    assert "No Mail" in page.text
    assert refused.status_code == 404
    # Live: three connected people form one trio; each sees the room of the running round.
    assert [v["call"] for v in views] == [{"mode": "external", "room": "Round 1 - Room 1"}] * 3
    assert sorted(running.text.splitlines()[1:]) == [
        f"Round 1 - Room 1,z{i}@example.org" for i in range(3)
    ]


def test_calls_a_convening_can_choose_its_own_call_mode(calls_server: LiveServer) -> None:
    host = login(calls_server, "host@example.org")
    convening = planned_convening(host, call_mode="jitsi")
    edit_page = host.get(f"/host/convenings/{convening.public_id}/edit").text
    people = [join(calls_server, convening.invite_url, f"Own {i}") for i in range(2)]

    async def scenario() -> list[dict[str, Any]]:
        console = await LiveClient.connect(calls_server, f"/ws/host/{convening.public_id}", host)
        sockets = []
        for client in people:
            socket = await LiveClient.connect(
                calls_server, f"/ws/live/{convening.public_id}", client
            )
            await socket.send({"type": "hello", "last_seq": 0})
            await socket.next("snapshot")
            sockets.append(socket)
        await console.send({"type": "start_round"})
        views = [await s.next("snapshot", in_pair) for s in sockets]
        for s in [console, *sockets]:
            await s.close()
        return views

    views = asyncio.run(scenario())

    assert 'name="call_mode" value="jitsi" checked' in edit_page
    # The server's default is built in (with TURN); this convening chose Jitsi, no JWT set up.
    assert [v["call"]["mode"] for v in views] == ["jitsi", "jitsi"]
    assert views[0]["call"]["url"] == views[1]["call"]["url"]
    assert views[0]["call"]["url"].startswith("https://meet.jit.si/")
    assert "jwt=" not in views[0]["call"]["url"]


def test_calls_an_unknown_call_mode_is_refused_and_changes_nothing(
    calls_server: LiveServer,
) -> None:
    host = login(calls_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    edit = f"/host/convenings/{convening.public_id}/edit"
    fields = {
        "title": "Live call",
        "starts_at": "2030-05-04T14:00",
        "timezone": "Europe/Paris",
        "duration_minutes": "90",
        "languages": ["en"],
        "privacy_mode": "named",
        "call_mode": "skype",
    }

    response = host.submit(f"/host/convenings/{convening.public_id}", fields, form_page=edit)

    assert response.status_code == 422
    assert 'name="call_mode" value="" checked' in host.get(edit).text
