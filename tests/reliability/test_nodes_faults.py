"""Several real nodes through faults (#11): Redis restarted mid-round, a node killed -9.

Real `crossroads serve` processes on the CI PostgreSQL; for the Redis restart, a redis-server
of the test's own (the shared one is never restarted). Each client's view is compared with
the groups in the database. Bounded: a few people, a few seconds of faults; loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from crossroads.notes import ring
from tests.integration.conftest import Browserish, join, login
from tests.integration.live_clients import LiveClient, latest_snapshot, planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.nodes import (
    Nodes,
    RedisProcess,
    database_groups,
    requires_cluster,
    running_nodes,
)
from tests.servers import LiveServer

pytestmark = [pytest.mark.reliability, requires_cluster]

FAST = {"node_ttl_seconds": "1.5", "notes_lease_seconds": "1.5"}


async def _person(server: LiveServer, public_id: str, client: Browserish) -> LiveClient:
    socket = await LiveClient.connect(server, f"/ws/live/{public_id}", client)
    await socket.send({"v": 1, "type": "hello", "last_seq": 0})
    await socket.next("snapshot")
    return socket


def _in_round(number: int) -> Any:
    return lambda m: m.get("group") is not None and (m.get("round") or {}).get("number") == number


def _group_of(view: dict[str, Any]) -> frozenset[str]:
    return frozenset(m["id"] for m in view["group"]["members"])


async def _host_until_done(console: LiveClient, message: dict[str, Any], wait: float = 20) -> None:
    """Send a host command until it is done. "Try again in a moment" (Redis just came back,
    the nodes are rewriting who is where) is what a host would see; they would press again."""
    async with asyncio.timeout(wait):
        while True:
            await console.send(message)
            while True:
                reply = json.loads(await console.socket.recv())
                console.seen.append(reply)
                if reply.get("type") == "done" and reply.get("command") == message["type"]:
                    return
                if reply.get("type") == "error":
                    assert reply["code"] == "cluster_unavailable", reply
                    break
            await asyncio.sleep(0.5)


def test_redis_restarted_mid_round_events_resume_and_no_view_is_stale(tmp_path: Path) -> None:
    """Also: a mute made while Redis was away reaches the notes room once it is back."""
    redis_server = RedisProcess(tmp_path / "redis")
    redis_server.start()
    try:
        with running_nodes(tmp_path, 2, redis_url=redis_server.url, **FAST) as nodes:
            _redis_restart(nodes, redis_server)
    finally:
        redis_server.kill()


def _redis_restart(nodes: Nodes, redis_server: RedisProcess) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host)
    room = convening.public_id
    people = [join(nodes[0], convening.invite_url, f"Person {i}") for i in range(8)]
    muted = 2  # also typing in the notes
    notes = notes_token(people[muted], f"/c/{room}/notes")

    async def scenario() -> None:
        console = await LiveClient.connect(nodes[0], f"/ws/host/{room}", host)
        await console.send({"type": "hello"})
        sockets = [await _person(nodes[i % 2], room, p) for i, p in enumerate(people)]
        await console.next("snapshot", lambda m: m.get("connected") == 8, wait=15)
        await console.send({"type": "start_round"})
        first = [await s.next("snapshot", _in_round(1)) for s in sockets]
        writer = await NotesClient.connect(nodes[0], room, notes)
        async with asyncio.timeout(10):
            await writer.synced.wait()

        # Redis goes away. The host moves someone on node 1 into another group and mutes
        # someone typing in the notes: the database takes both, their events are lost.
        redis_server.kill()
        await asyncio.sleep(1.0)
        await console.send({"type": "mute", "participant": first[muted]["you"]["id"]})
        await console.next("done", lambda m: m["command"] == "mute")
        mover = 1
        target = next(v["group"]["number"] for v in first if _group_of(v) != _group_of(first[1]))
        moved = {"type": "move", "participant": first[mover]["you"]["id"], "group": target}
        await console.send(moved)
        await console.next("done", lambda m: m["command"] == "move")
        redis_server.start()  # empty: no presence, no nodes, no leases

        # The bus reconnects and every node rebuilds its views from the database.
        _number, groups = await asyncio.to_thread(database_groups, nodes, room)
        mine = next(g for g in groups if first[mover]["you"]["id"] in g)
        resynced = await sockets[mover].next(
            "snapshot", lambda m: m.get("group") is not None and _group_of(m) == mine, wait=20
        )
        # The notes room's node re-reads who is muted: the writer's socket is closed as muted.
        muted_close = await writer.closed(wait=20)
        # Events flow again: a broadcast reaches everyone, then the next round starts.
        await _host_until_done(console, {"type": "broadcast", "text": "We are back."})
        for s in sockets:
            await s.next("broadcast", lambda m: m["text"] == "We are back.")
        await _host_until_done(console, {"type": "start_round"})
        second = [await s.next("snapshot", _in_round(2), wait=20) for s in sockets]
        latest = [await latest_snapshot(s) for s in sockets]
        number, groups = await asyncio.to_thread(database_groups, nodes, room)

        assert _group_of(resynced) == mine
        assert muted_close == 4423
        assert number == 2
        assert sum(len(g) for g in groups) == 8  # everyone connected was paired
        assert [_group_of(v) in groups for v in second] == [True] * 8
        assert [_group_of(v) == _group_of(s) for v, s in zip(latest, second, strict=True)] == [
            True
        ] * 8
        for s in [console, *sockets]:
            await s.close()

    try:
        asyncio.run(scenario())
    except BaseException:
        print(nodes.logs())
        raise


def test_a_node_killed_mid_round_its_people_go_on_from_another_node(tmp_path: Path) -> None:
    with running_nodes(tmp_path, 3, partner_grace_seconds="3", **FAST) as nodes:
        _node_kill(nodes)


class _Writer:
    """Appends numbered words to the free notes, reconnecting (to a live node) as needed,
    and keeps the words the server acknowledged."""

    def __init__(self, name: str, token: str, room: str) -> None:
        self.name, self.token, self.room = name, token, room
        self.acknowledged: list[str] = []
        self.client: NotesClient | None = None
        self.counter = 0

    async def connect(self, server: LiveServer, wait: float = 20) -> None:
        """Until a node serves the room (1013 while its lease moves to a live node)."""
        async with asyncio.timeout(wait):
            while True:
                client = await NotesClient.connect(server, self.room, self.token)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(2):
                        await client.synced.wait()
                    self.client = client
                    return
                await client.close()
                await asyncio.sleep(0.3)

    async def type_until(self, stop: asyncio.Event) -> None:
        typed: list[tuple[int, str]] = []
        client = self.client
        assert client is not None
        try:
            while not stop.is_set():
                self.counter += 1
                word = f"{self.name}{self.counter};"
                await client.type("free", word)
                typed.append((client.sent, word))
                await asyncio.sleep(0.05)
        except Exception:  # the node died under us
            pass
        finally:
            self.acknowledged += [w for n, w in typed if n <= client.acked]


PEOPLE = 9  # three per node


def _node_kill(nodes: Nodes) -> None:
    host = login(nodes[0], "host@example.org")
    convening = planned_convening(host)
    room = convening.public_id
    ids = [nodes.node_id(s) for s in nodes.servers]
    victim = nodes.server_of(ring.owner(ring.room_key(room), ids) or "")
    alive = [s for s in nodes.servers if s is not victim]
    people = [join(nodes[0], convening.invite_url, f"Person {i}") for i in range(PEOPLE)]
    where = [nodes.servers[i % 3] for i in range(PEOPLE)]
    tokens = [notes_token(people[i], f"/c/{room}/notes") for i in (0, 1)]

    async def scenario() -> None:
        console = await LiveClient.connect(alive[0], f"/ws/host/{room}", host)
        await console.send({"type": "hello"})
        sockets = [await _person(where[i], room, p) for i, p in enumerate(people)]
        await console.next("snapshot", lambda m: m.get("connected") == PEOPLE, wait=15)
        await console.send({"type": "start_round"})
        before = [await s.next("snapshot", _in_round(1)) for s in sockets]
        # One writer at the room's owner (the victim), one passed on to it by a live node.
        writers = [_Writer("a", tokens[0], room), _Writer("b", tokens[1], room)]
        await writers[0].connect(victim)
        await writers[1].connect(alive[1])
        stop = asyncio.Event()
        typing = [asyncio.create_task(w.type_until(stop)) for w in writers]
        await asyncio.sleep(1.5)

        assert victim.process is not None
        victim.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(victim.process.wait)
        stop.set()
        await asyncio.gather(*typing)

        # The victim's people reconnect to a live node, as a load balancer would send them;
        # all but one, who closed the laptop.
        *orphans, lost = [i for i in range(PEOPLE) if where[i] is victim]
        for n, i in enumerate(orphans):
            with contextlib.suppress(Exception):
                await sockets[i].close()
            sockets[i] = await LiveClient.connect(alive[n % 2], f"/ws/live/{room}", people[i])
            # From scratch, like a reloaded page: the whole view comes from the database.
            await sockets[i].send({"type": "hello", "last_seq": 0})
        back = {i: await sockets[i].next("snapshot", _in_round(1)) for i in orphans}
        # The notes room moves to a live node, with every acknowledged word in it.
        reader = _Writer("r", tokens[0], room)
        await reader.connect(alive[0])
        assert reader.client is not None
        text = str(reader.client.text("free"))
        await reader.client.type("free", "after;")
        await reader.client.wait_acked()
        # Longer than the reaper and the partner grace: whoever came back keeps their group;
        # the one who did not is marked away, and a partner left alone is placed elsewhere.
        await asyncio.sleep(3 * 1.5 + 3 + 1)
        staying = [s for i, s in enumerate(sockets) if i != lost]
        await console.send({"type": "extend", "minutes": 5})
        ends = before[0]["round"]["ends_at"]
        extended = [
            await s.next("snapshot", lambda m: m["round"]["ends_at"] > ends) for s in staying
        ]
        _number, groups = await asyncio.to_thread(database_groups, nodes, room)
        gone = before[lost]["you"]["id"]
        untouched = {_group_of(v) for v in before if gone not in _group_of(v)}

        assert [w.acknowledged != [] for w in writers] == [True, True]
        missing = [w for wr in writers for w in wr.acknowledged if w not in text]
        assert missing == []
        assert nodes.owner_of(room) in {nodes.node_id(s) for s in alive}
        assert {i: _group_of(v) for i, v in back.items()} == {
            i: _group_of(before[i]) for i in orphans
        }
        assert [g for g in groups if gone in g] == []
        assert sum(len(g) for g in groups) == PEOPLE - 1  # everyone else is seated
        assert [any(g <= d for d in groups) for g in untouched] == [True] * len(untouched)
        assert [_group_of(v) in groups for v in extended] == [True] * (PEOPLE - 1)
        assert [v["phase"] for v in extended] == ["running"] * (PEOPLE - 1)
        await reader.client.close()
        for s in [console, *sockets]:
            with contextlib.suppress(Exception):
                await s.close()

    try:
        asyncio.run(scenario())
    except BaseException:
        print(nodes.logs())
        raise
