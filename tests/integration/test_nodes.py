"""Two real nodes on one PostgreSQL and one Redis: presence, host actions and round plans
reach across nodes (#11). Notes room affinity is in test_notes_nodes.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Browserish, client_for, join, login
from tests.integration.live_clients import LiveClient, latest_snapshot, planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.nodes import Nodes, requires_cluster, running_nodes
from tests.servers import LiveServer

pytestmark = [pytest.mark.integration, requires_cluster]

GRACE = 1.5
LOGINS = 10  # per minute, per address and email


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    with running_nodes(
        Path(tmp_path_factory.mktemp("nodes")),
        2,
        partner_grace_seconds=str(GRACE),
        node_ttl_seconds="1.5",
        notes_lease_seconds="1.5",
        rate_limit_login=f"{LOGINS}/minute",
    ) as running:
        yield running


async def _person(server: LiveServer, public_id: str, client: Browserish) -> LiveClient:
    socket = await LiveClient.connect(server, f"/ws/live/{public_id}", client)
    await socket.send({"v": 1, "type": "hello", "last_seq": 0})
    await socket.next("snapshot")
    return socket


def _in_group(message: dict) -> bool:  # type: ignore[type-arg]
    return message.get("group") is not None and len(message["group"]["members"]) >= 2


def _members(view: dict) -> list[str]:  # type: ignore[type-arg]
    return sorted(m["name"] for m in view["group"]["members"])


async def _quiet(socket: LiveClient, wait: float = 5) -> None:
    with contextlib.suppress(Exception):
        await socket.next("never", wait=wait)


def test_a_round_pairs_people_connected_to_different_nodes(nodes: Nodes) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host)
    ana = join(nodes[0], convening.invite_url, "Ana")
    bilal = join(nodes[0], convening.invite_url, "Bilal")

    async def scenario() -> None:
        console = await LiveClient.connect(nodes[0], f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "hello"})
        sockets = [
            await _person(nodes[0], convening.public_id, ana),
            await _person(nodes[1], convening.public_id, bilal),
        ]
        lobby = await console.next("snapshot", lambda m: m.get("connected") == 2)
        await console.send({"type": "start_round"})
        views = [await s.next("snapshot", _in_group) for s in sockets]

        assert sorted(p["name"] for p in lobby["people"] if p["connected"]) == ["Ana", "Bilal"]
        assert [_members(v) for v in views] == [["Ana", "Bilal"], ["Ana", "Bilal"]]
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(scenario())


def test_a_departure_from_one_node_keeps_someone_back_on_another_in_their_group(
    nodes: Nodes,
) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host)
    names = ["Chen", "Dara", "Emeka", "Fatou"]
    people = [join(nodes[0], convening.invite_url, n) for n in names]

    async def scenario() -> None:
        console = await LiveClient.connect(nodes[0], f"/ws/host/{convening.public_id}", host)
        sockets = [await _person(nodes[0], convening.public_id, p) for p in people]
        await console.send({"type": "start_round"})
        before = [await s.next("snapshot", _in_group) for s in sockets]
        # Chen's socket on node 0 drops; Chen is back on node 1 well within the grace.
        await sockets[0].close()
        back = await _person(nodes[1], convening.public_id, people[0])
        await asyncio.sleep(GRACE * 3)  # node 0's departure timer has long fired
        await console.send({"type": "hello"})
        after = await latest_snapshot(console)

        assert sorted(_groups_by_name(after)) == sorted({tuple(_members(v)) for v in before})
        assert [g["away"] for g in after["groups"]] == [[], []]
        for s in [console, back, *sockets[1:]]:
            await s.close()

    asyncio.run(scenario())


def _groups_by_name(host_view: dict) -> list[tuple[str, ...]]:  # type: ignore[type-arg]
    names = {p["id"]: p["name"] for p in host_view["people"]}
    return [tuple(sorted(names[m["id"]] for m in g["members"])) for g in host_view["groups"]]


def test_a_removal_on_one_node_closes_the_sockets_on_the_other(nodes: Nodes) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host)
    gita = join(nodes[0], convening.invite_url, "Gita")
    hugo = join(nodes[0], convening.invite_url, "Hugo")
    notes = notes_token(gita, f"/c/{convening.public_id}/notes")

    async def scenario() -> None:
        console = await LiveClient.connect(nodes[0], f"/ws/host/{convening.public_id}", host)
        target = await _person(nodes[1], convening.public_id, gita)
        other = await _person(nodes[0], convening.public_id, hugo)
        writer = await NotesClient.connect(nodes[1], convening.public_id, notes)
        async with asyncio.timeout(10):
            await writer.synced.wait()
        await console.send({"type": "start_round"})
        view = await target.next("snapshot", _in_group)
        await console.send({"type": "remove", "participant": view["you"]["id"]})
        await _quiet(target)

        assert target.socket.close_code == 4410
        assert await writer.closed() == 4410
        for s in [console, other]:
            await s.close()

    asyncio.run(scenario())


def test_a_plan_worked_out_on_one_node_is_not_written_after_another_node_started(
    nodes: Nodes,
) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host)
    names = ["Ines", "Jonas", "Kofi", "Lena"]
    people = [join(nodes[0], convening.invite_url, n) for n in names]

    async def scenario() -> None:
        # The host has the console open on both nodes; each works the next round out ahead.
        consoles = [
            await LiveClient.connect(n, f"/ws/host/{convening.public_id}", host)
            for n in nodes.servers
        ]
        sockets = [
            await _person(nodes[i % 2], convening.public_id, p) for i, p in enumerate(people)
        ]
        for console in consoles:
            await console.next("snapshot", lambda m: m.get("connected") == 4)
        await asyncio.sleep(1.0)  # the plans settle (web/round_plans.py)
        await consoles[0].send({"type": "start_round"})
        first = [await s.next("snapshot", _in_group) for s in sockets]
        await consoles[1].send({"type": "start_round"})
        second = [
            await s.next("snapshot", lambda m: _in_group(m) and m["round"]["number"] == 2)
            for s in sockets
        ]

        # Node 1's plan was made for round 1 before node 0 started it: it must not be
        # written; round 2 is paired afresh, and nobody meets their round-1 partner again.
        pairs_1 = {tuple(_members(v)) for v in first}
        pairs_2 = {tuple(_members(v)) for v in second}
        assert [v["round"]["number"] for v in first] == [1, 1, 1, 1]
        assert len(pairs_1) == 2
        assert len(pairs_2) == 2
        assert pairs_1 & pairs_2 == set()
        for s in [*consoles, *sockets]:
            await s.close()

    asyncio.run(scenario())


def test_login_attempts_through_different_nodes_count_together(nodes: Nodes) -> None:
    clients = [client_for(n) for n in nodes.servers]
    form = {"email": "nobody@example.org", "password": "not this one", "next": "/host"}

    statuses = [clients[i % 2].submit("/login", form).status_code for i in range(LOGINS + 1)]

    assert statuses == [400] * LOGINS + [429]
    for client in clients:
        client.close()


def test_call_signalling_and_chat_reach_a_partner_on_another_node(nodes: Nodes) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host)
    mei = join(nodes[0], convening.invite_url, "Mei")
    nia = join(nodes[0], convening.invite_url, "Nia")

    async def scenario() -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
        console = await LiveClient.connect(nodes[0], f"/ws/host/{convening.public_id}", host)
        sockets = [
            await _person(nodes[0], convening.public_id, mei),
            await _person(nodes[1], convening.public_id, nia),
        ]
        await console.next("snapshot", lambda m: m.get("connected") == 2)
        await console.send({"type": "start_round"})
        views = [await s.next("snapshot", _in_group) for s in sockets]
        ids = [v["you"]["id"] for v in views]
        await sockets[0].send({"type": "call_offer", "to": ids[1], "sdp": "v=0 across nodes"})
        offer = await sockets[1].next("call_offer")
        await sockets[1].send({"type": "call_answer", "to": ids[0], "sdp": "v=0 answer"})
        answer = await sockets[0].next("call_answer")
        await sockets[1].send({"type": "chat", "text": "hello from node 1"})
        line = await sockets[0].next("chat")
        for s in [console, *sockets]:
            await s.close()
        return offer, answer, {"from": line["from"], "text": line["text"], "ids": ids}

    offer, answer, line = asyncio.run(scenario())

    ids = line.pop("ids")
    assert offer == {"v": 1, "type": "call_offer", "from": ids[0], "sdp": "v=0 across nodes"}
    assert answer == {"v": 1, "type": "call_answer", "from": ids[1], "sdp": "v=0 answer"}
    assert line == {"from": ids[1], "text": "hello from node 1"}
