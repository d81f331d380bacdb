"""PostgreSQL restarted while people type and the host runs the call (#11).

A server runs on a throwaway PostgreSQL cluster (never the shared one), with two busy
processes beside it (tests/reliability/load.py). Twelve writers type into the shared notes
while PostgreSQL is stopped (fast, then immediate: as in a crash; three times, or
CROSSROADS_RELIABILITY_REPEAT / 2) and started again. The notes writer retries meanwhile;
afterwards every word a client saw acknowledged is in the document, also once the server has
restarted and read it back from PostgreSQL. During the first outage the host starts a round:
the reply is a clear ``store_unavailable`` error and nothing of the round is stored; once
PostgreSQL is back the same command pairs everyone. Then outages longer than the writer's
retries (shortened here): the writer gives up, the room's writers are closed and come back,
and still nothing acknowledged is lost. Writers reconnect with the documents they had; at
the end each must read as the server's. Bounded (outages of a few seconds, a few minutes in
all), loopback only, and it stops by itself. Skips, saying why, where no PostgreSQL server
binaries can run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crossroads.store.database import Database
from crossroads.store.errors import StoreUnavailable
from tests import database
from tests.integration.conftest import Browserish, Convening, join, login
from tests.integration.live_clients import LiveClient, planned_convening
from tests.integration.notes_client import notes_token
from tests.reliability.load import REPEAT, busy_machine, long_outages, restarts
from tests.reliability.postgres_cluster import (
    Cluster,
    ClusterUnavailable,
    skip_reason,
    throwaway_cluster,
)
from tests.reliability.typists import Typing, enough_acknowledged, read_text, type_until
from tests.servers import LiveServer, make_server

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.skipif(skip_reason() is not None, reason=str(skip_reason())),
    pytest.mark.timeout(300 + 30 * REPEAT),
]

WRITERS = 12
PEOPLE = 4
OUTAGES = tuple(("fast", "immediate", "immediate")[i % 3] for i in range(restarts()))
LONG_OUTAGES = long_outages()
DOWN_FOR = 1.5  # seconds PostgreSQL stays stopped: writers keep typing into the retries
ENOUGH = WRITERS * 5  # acknowledged words, at the least, for a run to prove something


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with contextlib.ExitStack() as stack:
        try:
            started = stack.enter_context(throwaway_cluster())
        except ClusterUnavailable as exc:
            pytest.skip(f"could not start a throwaway PostgreSQL cluster: {exc}")
        yield started


def _server(cluster: Cluster, data_dir: Path, **settings: str) -> LiveServer:
    server = make_server(
        data_dir,
        database_url=cluster.url,
        rate_limit_login="1000/minute",
        rate_limit_join="1000/minute",
        **settings,
    )
    server.cli("migrate")
    server.create_host("host@example.org", "Hana Host")
    return server


def _typists(server: LiveServer) -> tuple[Browserish, Convening, list[str]]:
    """The host, a planned convening, and a notes ticket for each of the writers."""
    host = login(server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    page = f"/c/{convening.public_id}/notes"
    tokens = [
        notes_token(join(server, convening.invite_url, f"Typist {i}"), page) for i in range(WRITERS)
    ]
    return host, convening, tokens


async def _outages(cluster: Cluster, modes: tuple[str, ...], down_for: float) -> None:
    for mode in modes:
        await asyncio.to_thread(cluster.stop, mode)
        await asyncio.sleep(down_for)
        await asyncio.to_thread(cluster.start)
        await asyncio.sleep(1.5)  # typing, and the retried batches committing, before the next


def _stored_text_after_restart(server: LiveServer, room: str, token: str) -> str:
    """The document as PostgreSQL holds it, not the room the server kept in memory."""
    server.stop()
    server.start(within=120)  # a loaded machine: see test_notes_crash.py
    return asyncio.run(read_text(server, room, token))


def test_store_is_unavailable_while_postgres_is_down_and_works_once_it_is_back(
    cluster: Cluster,
) -> None:
    async def scenario() -> tuple[list[str], int]:
        db = Database(cluster.url)
        try:
            await db.migrate()
            codes = []
            for mode in ("fast", "immediate"):
                await asyncio.to_thread(cluster.stop, mode)
                with pytest.raises(StoreUnavailable) as raised:
                    async with db.transaction() as tx:
                        await tx.execute(text("SELECT 1"))
                codes.append(raised.value.code)
                await asyncio.to_thread(cluster.start)
            # The pool's connections died with the server: pre-ping replaces them unseen.
            async with db.transaction() as tx:
                one = int(await tx.scalar(text("SELECT 1")) or 0)
            return codes, one
        finally:
            await db.dispose()

    codes, one = asyncio.run(scenario())

    assert codes == ["store_unavailable", "store_unavailable"]
    assert one == 1


def test_postgres_restarts_lose_no_acknowledged_edit_and_rounds_work_after(
    cluster: Cluster, tmp_path: Path
) -> None:
    server = _server(cluster, tmp_path / "server")
    server.start()
    try:
        host, convening, tokens = _typists(server)
        room = convening.public_id
        people = [join(server, convening.invite_url, f"Person {i}") for i in range(PEOPLE)]
        with busy_machine():
            typing, during, after, groups = asyncio.run(
                _type_and_run_a_round(server, cluster, room, host, people, tokens)
            )
        live_text = asyncio.run(read_text(server, room, tokens[0]))
        runs_stored = database.scalar(server.database_url, "SELECT count(*) FROM round_run")
        stored_text = _stored_text_after_restart(server, room, tokens[0])
        retried = server.logs().count("notes_write_retry")
    finally:
        server.stop()

    assert len(typing.acknowledged) >= ENOUGH, "the writers barely typed: this proves nothing"
    assert retried > 0, "no write met the outage: this proves nothing"
    assert [w for w in typing.acknowledged if w not in live_text] == []
    assert [w for w in typing.acknowledged if w not in stored_text] == []
    assert typing.diverged == [], typing.diverged
    assert typing.server_text == live_text == stored_text
    assert (during["type"], during["code"]) == ("error", "store_unavailable")
    assert during["error"] == "the database is unavailable; try again in a moment"
    assert (after["type"], after["command"]) == ("done", "start_round")
    assert runs_stored == 1  # the refused start left nothing behind
    assert sorted(len(g) for g in groups) == [2, 2]
    assert len(set().union(*groups)) == PEOPLE
    print(
        f"{len(typing.acknowledged)} acknowledged of {typing.sent} sent over "
        f"{typing.connections} connections; {len(OUTAGES)} restarts; {retried} retries logged;"
        f" 0 lost; {WRITERS} documents converged"
    )


def test_postgres_down_longer_than_the_retries_closes_writers_who_lose_nothing_acknowledged(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Past CROSSROADS_NOTES_RETRY_SECONDS the writer gives up: the room is dropped (its
    document held updates PostgreSQL never got), its sockets close with 1011, writers reconnect
    once PostgreSQL is back, and what was acknowledged is still all there when read back."""
    server = _server(cluster, tmp_path / "server", notes_retry_seconds="0.5")
    server.start()
    try:
        _host, convening, tokens = _typists(server)
        room = convening.public_id

        async def scenario() -> Typing:
            stop = asyncio.Event()
            progress = Typing()
            typing = asyncio.create_task(type_until(server, room, tokens, stop, progress))
            await asyncio.sleep(1.0)
            await _outages(cluster, ("immediate",) * LONG_OUTAGES, down_for=2.5)
            await enough_acknowledged(progress, ENOUGH)
            stop.set()
            return await typing

        with busy_machine():
            typing = asyncio.run(scenario())
        live_text = asyncio.run(read_text(server, room, tokens[0]))
        stored_text = _stored_text_after_restart(server, room, tokens[0])
        gave_up = server.logs().count("notes_write_gave_up")
    finally:
        server.stop()

    assert gave_up > 0, "the writer never gave up: this proves nothing"
    assert typing.connections > WRITERS  # closed with 1011, they came back
    assert len(typing.acknowledged) >= ENOUGH, "the writers barely typed: this proves nothing"
    assert [w for w in typing.acknowledged if w not in live_text] == []
    assert [w for w in typing.acknowledged if w not in stored_text] == []
    assert typing.diverged == [], typing.diverged
    assert typing.server_text == live_text == stored_text
    print(
        f"{len(typing.acknowledged)} acknowledged of {typing.sent} sent over "
        f"{typing.connections} connections; {LONG_OUTAGES} outages past the retries;"
        f" {gave_up} give-ups logged; 0 lost; {WRITERS} documents converged"
    )


async def _type_and_run_a_round(
    server: LiveServer,
    cluster: Cluster,
    room: str,
    host: Browserish,
    people: list[Browserish],
    tokens: list[str],
) -> tuple[Typing, dict[str, Any], dict[str, Any], list[set[str]]]:
    console = await LiveClient.connect(server, f"/ws/host/{room}", host)
    await console.send({"type": "hello"})
    await console.next("snapshot")
    sockets = []
    for person in people:
        socket = await LiveClient.connect(server, f"/ws/live/{room}", person)
        await socket.send({"v": 1, "type": "hello", "last_seq": 0})
        await socket.next("snapshot")
        sockets.append(socket)

    stop = asyncio.Event()
    progress = Typing()
    typing_task = asyncio.create_task(type_until(server, room, tokens, stop, progress))
    await asyncio.sleep(1.0)
    # First outage: the host starts a round while PostgreSQL is down.
    await asyncio.to_thread(cluster.stop, OUTAGES[0])
    await console.send({"type": "start_round"})
    during = await console.next("error", wait=30)
    await asyncio.sleep(DOWN_FOR)
    await asyncio.to_thread(cluster.start)
    await asyncio.sleep(1.5)
    await _outages(cluster, OUTAGES[1:], down_for=DOWN_FOR)
    await enough_acknowledged(progress, ENOUGH)
    stop.set()
    typing = await typing_task

    await console.send({"type": "start_round"})
    after = await console.next("done", wait=30)
    views = [await s.next("snapshot", lambda m: m.get("group") is not None) for s in sockets]
    groups = {v["group"]["number"]: {m["id"] for m in v["group"]["members"]} for v in views}
    for s in [console, *sockets]:
        await s.close()
    return typing, during, after, list(groups.values())
