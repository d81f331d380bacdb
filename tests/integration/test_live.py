"""Live rounds over real WebSockets: pairing pushed to everyone, late join, drop, bad input."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import join, login, serve
from tests.integration.live_clients import LiveClient, connect_people, planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Short grace periods so a drop-out's partner is re-paired within the test's patience.
    with serve(
        backend,
        Path(tmp_path_factory.mktemp("live")),
        partner_grace_seconds="1.5",
        wrap_up_seconds="2",
    ) as server:
        yield server


def in_group(message: dict) -> bool:  # type: ignore[type-arg]
    return message.get("group") is not None and len(message["group"]["members"]) >= 2


def test_a_round_pairs_everyone_present_and_each_sees_partner_prompts_and_clock(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [
        join(live_server, convening.invite_url, f"Person {i}", about=f"Works on {i}")
        for i in range(5)
    ]

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "hello"})
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        views = [await s.next("snapshot", in_group) for s in sockets]
        for view in views:
            assert view["phase"] == "running"
            assert view["round"]["prompts"][0]["text"] == "What brought you here?"
            assert view["round"]["ends_at"] > view["now"]
            members = view["group"]["members"]
            assert 2 <= len(members) <= 3
            assert sum(m["id"] == view["you"]["id"] for m in members) == 1
            partner = next(m for m in members if m["id"] != view["you"]["id"])
            assert partner["about"].startswith("Works on")
            assert view["group"]["shared_languages"] == ["en"]
        # Everyone is in exactly one group, and the groups agree with each other.
        groups = {v["group"]["number"]: {m["id"] for m in v["group"]["members"]} for v in views}
        me = [v["you"]["id"] for v in views]
        assert sorted(me) == sorted(i for g in groups.values() for i in g)
        host_view = await console.next(
            "snapshot", lambda m: len(m.get("groups", [])) == len(groups)
        )
        assert host_view["connected"] == 5
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(scenario())


def test_a_dropped_partner_is_repaired_and_late_joiners_are_placed(live_server: LiveServer) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"Early {i}") for i in range(4)]
    late = join(live_server, convening.invite_url, "Late Lee")

    def me(view: dict) -> str:  # type: ignore[type-arg]
        return view["you"]["id"]

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        views = [await s.next("snapshot", in_group) for s in sockets]
        pairs = {v["group"]["number"] for v in views}
        assert pairs == {1, 2}

        # One person drops out. After the grace period their partner joins the other pair
        # (a trio), and that pair keeps its people.
        leaver = 0
        partner = next(
            i
            for i, v in enumerate(views)
            if i != leaver and v["group"]["number"] == views[leaver]["group"]["number"]
        )
        others = [i for i in range(4) if i not in (leaver, partner)]
        await sockets[leaver].close()
        moved = await sockets[partner].next(
            "snapshot",
            lambda m: m.get("group") is not None and len(m["group"]["members"]) == 3,
            wait=15,
        )
        assert me(views[leaver]) not in {x["id"] for x in moved["group"]["members"]}
        assert {me(views[i]) for i in others} < {x["id"] for x in moved["group"]["members"]}

        # A late joiner finds no group with room (the trio is full): they wait, visibly.
        late_socket = await LiveClient.connect(live_server, f"/ws/live/{convening.public_id}", late)
        await late_socket.send({"type": "hello", "last_seq": 0})
        waiting = await late_socket.next("snapshot", lambda m: m.get("group") is not None)
        assert [m["id"] for m in waiting["group"]["members"]] == [waiting["you"]["id"]]

        # The person who left comes back and ends the newcomer's wait: nobody else moves.
        back = await LiveClient.connect(
            live_server, f"/ws/live/{convening.public_id}", people[leaver]
        )
        await back.send({"type": "hello", "last_seq": 0})
        returned = await back.next("snapshot", in_group)
        names = {m["name"] for m in returned["group"]["members"]}
        assert names == {"Late Lee", f"Early {leaver}"}
        paired = await late_socket.next("snapshot", in_group)
        assert paired["group"]["number"] == returned["group"]["number"]
        host_view = await console.next(
            "snapshot", lambda m: len(m.get("groups", [])) == 2 and m["connected"] == 5
        )
        assert sorted(len(g["members"]) for g in host_view["groups"]) == [2, 3]
        for s in [console, late_socket, back, *sockets[1:]]:
            await s.close()

    asyncio.run(scenario())


def test_broadcast_reaches_everyone_and_a_reconnect_resumes_the_view(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"B {i}") for i in range(3)]

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        first = await sockets[0].next("snapshot", in_group)
        await console.send({"type": "broadcast", "text": "Five minutes left <b>everyone</b>"})
        for s in sockets:
            message = await s.next("broadcast")
            assert message["text"] == "Five minutes left <b>everyone</b>"
        # Reconnect with the last sequence number: the same group comes back.
        await sockets[0].close()
        again = await LiveClient.connect(live_server, f"/ws/live/{convening.public_id}", people[0])
        await again.send({"type": "hello", "last_seq": 1})
        restored = await again.next("snapshot")
        assert restored["group"]["number"] == first["group"]["number"]
        assert restored["broadcasts"][-1]["text"] == "Five minutes left <b>everyone</b>"
        # Up to date already: the server says so instead of resending everything.
        await again.send({"type": "hello", "last_seq": restored["seq"]})
        assert (await again.next("resumed"))["seq"] == restored["seq"]
        for s in [console, again, *sockets[1:]]:
            await s.close()

    asyncio.run(scenario())


def test_host_extends_ends_and_moves_and_sees_help_calls(live_server: LiveServer) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"H {i}") for i in range(4)]

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        view = await sockets[0].next("snapshot", in_group)
        await console.send({"type": "extend", "minutes": 5})
        longer = await sockets[0].next(
            "snapshot", lambda m: m["round"]["ends_at"] > view["round"]["ends_at"]
        )
        assert longer["phase"] == "running"
        await sockets[1].send({"type": "help"})
        await sockets[1].next("help_sent")
        state = await console.next("snapshot", lambda m: len(m.get("help_calls", [])) == 1)
        assert state["help_calls"][0]["name"] == "H 1"
        await console.send({"type": "resolve_help", "id": state["help_calls"][0]["id"]})
        await console.next("snapshot", lambda m: m.get("help_calls") == [])
        me = view["you"]["id"]
        await console.send({"type": "move", "participant": me, "group": None})
        moved = await sockets[0].next(
            "snapshot", lambda m: m.get("group") and len(m["group"]["members"]) == 1
        )
        assert moved["group"]["number"] > 2
        await console.send({"type": "end_round"})
        ended = await sockets[0].next("snapshot", lambda m: m["phase"] == "wrap_up")
        assert ended["group"] is not None  # the soft end keeps the group together
        await console.send({"type": "end_call"})
        assert (await sockets[2].next("snapshot", lambda m: m["phase"] == "ended"))[
            "phase"
        ] == "ended"
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(scenario())


def test_bad_frames_get_an_error_and_other_connections_carry_on(live_server: LiveServer) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"F {i}") for i in range(2)]

    async def scenario() -> None:
        bad, good = await connect_people(live_server, convening.public_id, people)
        for frame, code in [
            ("{not json", "malformed"),
            ("[1, 2]", "malformed"),
            (json.dumps({"type": "dance"}), "unknown_type"),
            (json.dumps({"type": "sit_out", "sitting_out": "maybe"}), "invalid"),
            (json.dumps({"type": "hello", "last_seq": -4}), "invalid"),
            (json.dumps({"type": "start_round"}), "forbidden"),
            (json.dumps({"type": "broadcast", "text": "I am not the host"}), "forbidden"),
        ]:
            await bad.send(frame)
            error = await bad.next("error")
            assert error["code"] == code, frame
        await good.send({"type": "ping"})
        assert (await good.next("pong"))["type"] == "pong"
        # An oversize frame closes only that connection, with 1009.
        await bad.send("x" * 20_000)
        with pytest.raises(Exception):  # noqa: B017  the close surfaces as an exception
            await bad.next("never")
        assert bad.socket.close_code == 1009
        await good.send({"type": "ping"})
        assert (await good.next("pong"))["type"] == "pong"
        await good.close()

    asyncio.run(scenario())


def test_sockets_refuse_strangers_other_convenings_and_foreign_origins(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    other = login(live_server, "other@example.org")
    mine = planned_convening(host)
    theirs = planned_convening(other)
    person = join(live_server, mine.invite_url, "Scoped Sam")

    async def close_code(path: str, client: object, origin: str | None = None) -> int | None:
        socket = await LiveClient.connect(live_server, path, client, origin=origin)  # type: ignore[arg-type]
        with contextlib.suppress(Exception):
            await socket.next("never", wait=5)
        return socket.socket.close_code

    async def scenario() -> None:
        assert await close_code(f"/ws/live/{mine.public_id}", None) == 4401
        assert await close_code(f"/ws/live/{theirs.public_id}", person) == 4404
        assert (
            await close_code(f"/ws/live/{mine.public_id}", person, origin="https://evil.example")
            == 4403
        )
        assert await close_code(f"/ws/host/{theirs.public_id}", host) == 4404
        # A participant's cookie is no host session.
        assert await close_code(f"/ws/host/{mine.public_id}", person) == 4401

    asyncio.run(scenario())


def test_a_block_splits_the_pair_now_and_they_are_never_grouped_again(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host, rounds=4)
    people = [join(live_server, convening.invite_url, f"K {i}") for i in range(4)]

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        view = await sockets[0].next("snapshot", in_group)
        me = view["you"]["id"]
        partner = next(m["id"] for m in view["group"]["members"] if m["id"] != me)
        await sockets[0].send({"type": "block", "participant": partner})
        await sockets[0].next("blocked")
        apart = await sockets[0].next(
            "snapshot",
            lambda m: (
                m.get("group") is not None
                and partner not in {x["id"] for x in m["group"]["members"]}
            ),
        )
        assert me in {x["id"] for x in apart["group"]["members"]}
        for round_number in (2, 3, 4):
            await console.send({"type": "start_round"})
            later = await sockets[0].next(
                "snapshot", lambda m, n=round_number: in_group(m) and m["round"]["number"] == n
            )
            assert partner not in {x["id"] for x in later["group"]["members"]}
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(scenario())


def test_a_removed_person_is_disconnected_and_cannot_come_back(live_server: LiveServer) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"R {i}") for i in range(3)]
    notes = notes_token(people[0], f"/c/{convening.public_id}/notes")

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        view = await sockets[0].next("snapshot", in_group)
        target = view["you"]["id"]
        await console.send({"type": "remove", "participant": target})
        with contextlib.suppress(Exception):
            await sockets[0].next("never", wait=5)
        assert sockets[0].socket.close_code == 4410
        # Their session is gone: no lobby, no live socket.
        assert people[0].get(f"/c/{convening.public_id}/lobby").status_code == 404
        again = await LiveClient.connect(live_server, f"/ws/live/{convening.public_id}", people[0])
        with contextlib.suppress(Exception):
            await again.next("never", wait=5)
        assert again.socket.close_code == 4401
        # Nor the shared notes, even with a notes token minted before the removal.
        writer = await NotesClient.connect(live_server, convening.public_id, notes)
        assert await writer.closed() == 4410
        # Nobody else is left with them: the host sees them in no group.
        state = await console.next(
            "snapshot",
            lambda m: all(
                target not in {x["id"] for x in g["members"]} for g in m.get("groups", [{}])
            ),
        )
        assert sum(len(g["members"]) for g in state["groups"]) == 2
        for s in [console, *sockets[1:]]:
            await s.close()

    asyncio.run(scenario())


def test_a_removed_person_cannot_rejoin_through_their_personal_link(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    page = f"/host/convenings/{convening.public_id}"
    host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={"roster": ("roster.csv", b"name,email\nPat,pat@example.org\n", "text/csv")},
    )
    rows = list(csv.DictReader(io.StringIO(host.get(f"{page}/personal-links.csv").text)))
    personal = rows[0]["link"]
    pat = join(live_server, personal, "Pat")

    async def remove() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "hello"})
        state = await console.next(
            "snapshot", lambda m: any(p["name"] == "Pat" for p in m.get("people", []))
        )
        target = next(p["id"] for p in state["people"] if p["name"] == "Pat")
        await console.send({"type": "remove", "participant": target})
        await console.next("done")
        await console.close()

    asyncio.run(remove())
    assert pat.get(f"/c/{convening.public_id}/lobby").status_code == 404
    path = personal.removeprefix(live_server.url)
    again = pat.post(
        path,
        data={
            "display_name": "Pat again",
            "languages": ["en"],
            "coc_accepted": "on",
            "csrf_token": pat.csrf(path),
        },
    )
    assert again.status_code == 403


def test_the_host_console_sees_people_arrive_and_leave_the_lobby(live_server: LiveServer) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"Lobby {i}") for i in range(3)]

    async def scenario() -> None:
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        await console.send({"v": 1, "type": "hello", "last_seq": 0})
        first = await console.next("snapshot")
        sockets = await connect_people(live_server, convening.public_id, people)
        # Nothing else changes in the lobby: the console hears of arrivals on its own.
        everyone = await console.next("snapshot", lambda m: m["connected"] == 3)
        await sockets[0].close()
        fewer = await console.next("snapshot", lambda m: m["connected"] == 2)
        for s in [console, *sockets[1:]]:
            await s.close()
        assert first["connected"] == 0
        assert {p["name"] for p in everyone["people"] if p["connected"]} == {
            "Lobby 0",
            "Lobby 1",
            "Lobby 2",
        }
        assert [p["name"] for p in fewer["people"] if not p["connected"]] == ["Lobby 0"]

    asyncio.run(scenario())


def test_a_help_call_id_beyond_a_database_integer_is_refused_and_the_console_goes_on(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)

    async def scenario() -> list[dict]:  # type: ignore[type-arg]
        console = await LiveClient.connect(live_server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "hello"})
        await console.next("snapshot")
        replies = []
        # Past PostgreSQL's 32-bit INTEGER, then past SQLite's 64 bits; then the largest id.
        for help_id in (2**31, 2**70, 2**31 - 1):
            await console.send({"type": "resolve_help", "id": help_id})
            replies.append(await console.next("error"))
        await console.send({"type": "broadcast", "text": "still here"})
        await console.next("done")
        await console.close()
        return replies

    replies = asyncio.run(scenario())

    assert [r["code"] for r in replies] == ["invalid", "invalid", "not_found"]
