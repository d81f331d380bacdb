"""Notes room affinity on two real nodes (#11): the owner holds the room, the other node
passes its clients on, host actions reach the owner, and node-to-node trust is checked."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from crossroads.notes import ring, tokens
from tests.integration.conftest import Browserish, join, login
from tests.integration.live_clients import LiveClient, planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.nodes import SECRET, Nodes, node_status, requires_cluster, running_nodes
from tests.servers import LiveServer

pytestmark = [pytest.mark.integration, requires_cluster]

SECTION = re.compile(r'data-section="prompt:([A-Za-z0-9_-]+)"')


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    with running_nodes(
        Path(tmp_path_factory.mktemp("notes-nodes")),
        2,
        node_ttl_seconds="1.5",
        notes_lease_seconds="1.5",
    ) as running:
        yield running


def _owner_and_other(nodes: Nodes, room: str) -> tuple[LiveServer, LiveServer]:
    """The node the ring gives the room to, and the other one."""
    owner_id = ring.owner(ring.room_key(room), [nodes.node_id(s) for s in nodes.servers])
    assert owner_id is not None
    owner = nodes.server_of(owner_id)
    return owner, next(s for s in nodes.servers if s is not owner)


async def _synced(server: LiveServer, room: str, token: str) -> NotesClient:
    client = await NotesClient.connect(server, room, token)
    async with asyncio.timeout(10):
        await client.synced.wait()
    return client


async def _close_code(server: LiveServer, room: str, token: str, peer: str) -> int | None:
    url = server.url.replace("http", "ws", 1) + f"/ws/notes/{room}?token={token}"
    headers = {"Origin": server.url, "X-Crossroads-Peer": peer}
    async with websockets.connect(url, additional_headers=headers) as socket:
        await socket.wait_closed()
        return socket.close_code


def test_notes_typed_through_the_other_node_reach_the_owners_clients(nodes: Nodes) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    owner, other = _owner_and_other(nodes, room)
    ana = notes_token(join(nodes[0], convening.invite_url, "Ana"), f"/c/{room}/notes")
    bilal = notes_token(join(nodes[0], convening.invite_url, "Bilal"), f"/c/{room}/notes")

    async def scenario() -> None:
        # Bilal lands on the other node first: it passes him on; the owner takes the room.
        far = await _synced(other, room, bilal)
        near = await _synced(owner, room, ana)
        await far.type("free", "typed far away; ")
        await far.wait_acked()
        await near.wait_text("free", "typed far away; ")
        await near.type("free", "typed at the owner.")
        await near.wait_acked()
        await far.wait_text("free", "typed far away; typed at the owner.")
        assert nodes.owner_of(room) == nodes.node_id(owner)
        assert [node_status(s)["notes_rooms"] for s in (owner, other)] == [[room], []]
        assert node_status(other)["notes_proxied"] == 1
        await far.close()
        await near.close()

    asyncio.run(scenario())


def test_a_peer_pass_that_is_forged_or_for_another_room_is_refused(nodes: Nodes) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    token = notes_token(join(nodes[0], convening.invite_url, "Chen"), f"/c/{room}/notes")
    forged = tokens.mint_peer("not-the-secret-" * 4, nodes.node_id(nodes[1]), room)
    elsewhere = tokens.mint_peer(SECRET, nodes.node_id(nodes[1]), "another-room")
    genuine = tokens.mint_peer(SECRET, nodes.node_id(nodes[1]), room)

    async def scenario() -> list[int | None]:
        refused = [
            await _close_code(nodes[0], room, token, peer)
            for peer in (forged, elsewhere, "127.0.0.1:1.9999999999.0000")
        ]
        # A genuine pass is served (never passed on again): the socket syncs.
        url = nodes[0].url.replace("http", "ws", 1) + f"/ws/notes/{room}?token={token}"
        headers = {"Origin": nodes[0].url, "X-Crossroads-Peer": genuine}
        async with websockets.connect(url, additional_headers=headers) as socket:
            first = await asyncio.wait_for(socket.recv(), 10)
        assert isinstance(first, bytes)
        assert first[:2] in (b"\x00\x00", b"\x01")  # sync step 1, or presence, then step 1
        return refused

    assert asyncio.run(scenario()) == [4403, 4403, 4403]


def _prompt_of(host: Browserish, room: str) -> str:
    ids = SECTION.findall(host.get(f"/host/convenings/{room}/notes").text)
    return next(i for i in ids if i != "free")


def test_a_lock_and_a_mute_made_on_the_other_node_take_effect_at_the_owner(
    nodes: Nodes,
) -> None:
    room_host = login(nodes[0], "host@example.org")
    convening = planned_convening(room_host, rounds=1)
    room = convening.public_id
    owner, other = _owner_and_other(nodes, room)
    host = login(other, "host@example.org")
    prompt = _prompt_of(host, room)
    dara = join(nodes[0], convening.invite_url, "Dara")
    token = notes_token(dara, f"/c/{room}/notes")

    async def scenario() -> None:
        writer = await _synced(owner, room, token)
        await writer.type(prompt, "before the lock. ")
        await writer.wait_acked()
        page = f"/host/convenings/{room}/notes"
        locked = await asyncio.to_thread(
            host.submit, f"{page}/sections/{prompt}/lock", {}, form_page=page
        )
        assert locked.status_code == 200
        await asyncio.sleep(0.5)  # the lock travels over the bus to the owner
        await writer.type(prompt, "after the lock.")
        async with asyncio.timeout(10):
            while writer.denied == 0:  # noqa: ASYNC110  a test polling a client's state
                await asyncio.sleep(0.01)

        # The host's console is on the other node too; Dara's notes socket is at the owner.
        console = await LiveClient.connect(other, f"/ws/host/{room}", host)
        live = await LiveClient.connect(owner, f"/ws/live/{room}", dara)
        await live.send({"type": "hello", "last_seq": 0})
        you = (await live.next("snapshot"))["you"]["id"]
        await console.send({"type": "mute", "participant": you, "muted": True})

        assert await writer.closed() == 4423
        reader = await _synced(other, room, token)
        assert str(reader.text(prompt)) == "before the lock. "
        for socket in (console, live):
            await socket.close()
        await reader.close()

    asyncio.run(scenario())


def test_node_status_answers_only_a_peer_pass(nodes: Nodes) -> None:
    plain = httpx.get(f"{nodes[0].url}/internal/status", timeout=10)
    forged = httpx.get(
        f"{nodes[0].url}/internal/status",
        headers={"X-Crossroads-Peer": tokens.mint_peer("x" * 40, "tests", "status")},
        timeout=10,
    )

    assert [plain.status_code, forged.status_code] == [404, 404]
    assert node_status(nodes[0])["node"] == nodes.node_id(nodes[0])
