"""The host console that guides (#29), over real WebSockets against a real server: the next
round's groups before Start (moves kept, Start writes exactly them), help calls joined and
resolved, reports acted on, a microphone muted."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Browserish, join, login, serve
from tests.integration.live_clients import LiveClient, connect_people, planned_convening
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

Message = dict  # type: ignore[type-arg]


@pytest.fixture(scope="module")
def live_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(
        backend,
        Path(tmp_path_factory.mktemp("console")),
        partner_grace_seconds="30",
        wrap_up_seconds="2",
    ) as server:
        yield server


def _members(preview: Message) -> dict[str, int]:
    """Each person's group number in a preview."""
    return {m["id"]: g["number"] for g in preview["groups"] for m in g["members"]}


def _covers(n: int) -> object:
    return lambda m: sum(len(g["members"]) for g in m.get("groups", [])) == n


async def _console(server: LiveServer, public_id: str, host: Browserish) -> LiveClient:
    console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
    await console.send({"type": "hello"})
    return console


async def _close(*sockets: LiveClient) -> None:
    for s in sockets:
        await s.close()


def test_the_host_moves_a_person_in_the_preview_and_start_puts_them_there(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"P {i}") for i in range(6)]

    async def scenario() -> None:
        console = await _console(live_server, convening.public_id, host)
        sockets = await connect_people(live_server, convening.public_id, people)
        preview = await console.next("preview", _covers(6))
        assert len(preview["groups"]) == 3 and preview["token"]
        where = _members(preview)
        # Move someone of group 1 into group 2 (a trio there, one alone in group 1).
        mover = preview["groups"][0]["members"][0]["id"]
        companions = {m["id"] for m in preview["groups"][1]["members"]}
        await console.send({"type": "preview_move", "participant": mover, "group": 2})
        moved = await console.next("preview", lambda m: m.get("moves") == 1)
        after = _members(moved)
        assert {p for p, n in after.items() if n == after[mover]} == companions | {mover}
        mover_card = next(m for g in moved["groups"] for m in g["members"] if m["id"] == mover)
        assert mover_card["moved"] is True
        # Nobody else moved.
        assert all(
            after[p] == after[q]
            for p in where
            for q in where
            if where[p] == where[q] and mover not in (p, q) and where[p] != where[mover]
        )
        await console.send({"type": "start_round", "preview": moved["token"]})
        await console.next("done", lambda m: m.get("command") == "start_round")
        views = {}
        for s in sockets:
            view = await s.next("snapshot", lambda m: m.get("group") is not None)
            views[view["you"]["id"]] = {x["id"] for x in view["group"]["members"]}
        # Start wrote exactly the groups the host saw.
        for person, number in after.items():
            assert views[person] == {p for p, n in after.items() if n == number}
        await _close(console, *sockets)

    asyncio.run(scenario())


def test_a_stale_preview_is_refused_and_arrivals_keep_the_hosts_moves(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"Q {i}") for i in range(5)]

    async def scenario() -> None:
        console = await _console(live_server, convening.public_id, host)
        sockets = await connect_people(live_server, convening.public_id, people[:4])
        preview = await console.next("preview", _covers(4))
        mover = preview["groups"][0]["members"][0]["id"]
        companions = {m["id"] for m in preview["groups"][1]["members"]}
        await console.send({"type": "preview_move", "participant": mover, "group": 2})
        moved = await console.next("preview", lambda m: m.get("moves") == 1)
        # Someone arrives: the groups are worked out again, the move is kept and said so.
        late = await connect_people(live_server, convening.public_id, people[4:])
        again = await console.next("preview", _covers(5))
        assert again["arrived"] == ["Q 4"] and again["recomputed"] is True
        after = _members(again)
        assert companions <= {p for p, n in after.items() if n == after[mover]}
        # Start with the preview from before the arrival: refused, nothing written.
        await console.send({"type": "start_round", "preview": moved["token"]})
        refused = await console.next("error")
        assert refused["code"] == "preview_changed"
        await console.send({"type": "hello"})
        state = await console.next("snapshot")
        assert state["phase"] == "lobby"
        # A move to a group the preview does not have, or of a stranger: clear refusals.
        await console.send({"type": "preview_move", "participant": mover, "group": 99})
        assert (await console.next("error"))["code"] == "field_invalid"
        await console.send({"type": "preview_move", "participant": "nobody-here", "group": 1})
        assert (await console.next("error"))["code"] == "not_found"
        await console.send({"type": "start_round", "preview": again["token"]})
        await console.next("done", lambda m: m.get("command") == "start_round")
        view = await sockets[0].next("snapshot", lambda m: m.get("group") is not None)
        assert view["phase"] == "running"
        await _close(console, *sockets, *late)

    asyncio.run(scenario())


def test_a_call_for_help_is_joined_and_resolved_and_the_caller_is_told(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"R {i}") for i in range(4)]

    async def scenario() -> None:
        console = await _console(live_server, convening.public_id, host)
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        view = await sockets[0].next("snapshot", lambda m: m.get("group") is not None)
        mates = {m["id"] for m in view["group"]["members"]}
        await sockets[0].send({"type": "help"})
        await sockets[0].next("help_sent")
        state = await console.next("snapshot", lambda m: len(m.get("help_calls", [])) == 1)
        help_id = state["help_calls"][0]["id"]
        await console.send({"type": "join_group", "help": help_id})
        joined = await console.next("joined_group")
        assert joined["group"] == view["group"]["number"]
        assert {m["id"] for m in joined["members"]} == mates
        assert joined["call"]["mode"] == "builtin"
        told = await sockets[0].next("host_joined")
        assert told["name"]
        # Signalling between the host and the group, both ways, and nobody else.
        partner = next(m for m in mates if m != view["you"]["id"])
        await console.send({"type": "call_offer", "to": partner, "sdp": "v=0 host"})
        index = [s for s in sockets if s is not sockets[0]]
        got = None
        for s in index:
            try:
                got = await s.next("call_offer", wait=2)
                break
            except TimeoutError:
                continue
        assert got is not None and got["from"] == "host" and got["sdp"] == "v=0 host"
        await sockets[0].send({"type": "call_answer", "to": "host", "sdp": "v=0 back"})
        answer = await console.next("call_answer")
        assert answer["from"] == view["you"]["id"] and answer["group"] == joined["group"]
        # The host may only signal the group they joined.
        outsiders = [s for s in sockets if s is not sockets[0]]
        other_ids = []
        for s in outsiders:
            snap = s.seen[-1] if s.seen and s.seen[-1].get("type") == "snapshot" else None
            if snap and snap.get("you", {}).get("id") not in mates:
                other_ids.append(snap["you"]["id"])
        if other_ids:
            await console.send({"type": "call_offer", "to": other_ids[0], "sdp": "v=0"})
            assert (await console.next("error"))["code"] == "not_in_group"
        await console.send({"type": "resolve_help", "id": help_id})
        resolved = await sockets[0].next("help_resolved")
        assert resolved["id"] == help_id
        await console.next("snapshot", lambda m: m.get("help_calls") == [])
        # After the call ends, a call for help is refused.
        await console.send({"type": "end_call"})
        await sockets[0].next("snapshot", lambda m: m["phase"] == "ended")
        await sockets[0].send({"type": "help"})
        assert (await sockets[0].next("error"))["code"] == "call_ended"
        await _close(console, *sockets)

    asyncio.run(scenario())


def test_another_convenings_host_cannot_join_resolve_or_mute_here(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    stranger = login(live_server, "other@example.org")
    convening = planned_convening(host)
    theirs = planned_convening(stranger)
    people = [join(live_server, convening.invite_url, f"S {i}") for i in range(2)]

    async def scenario() -> None:
        console = await _console(live_server, convening.public_id, host)
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        view = await sockets[0].next("snapshot", lambda m: m.get("group") is not None)
        await sockets[0].send({"type": "help"})
        state = await console.next("snapshot", lambda m: len(m.get("help_calls", [])) == 1)
        help_id = state["help_calls"][0]["id"]
        other = await _console(live_server, theirs.public_id, stranger)
        await other.send({"type": "join_group", "help": help_id})
        assert (await other.next("error"))["code"] == "not_found"
        await other.send({"type": "mute_audio", "participant": view["you"]["id"]})
        assert (await other.next("error"))["code"] == "not_found"
        await other.send({"type": "dismiss_report", "id": 1})
        assert (await other.next("error"))["code"] == "not_found"
        # A participant of another convening cannot open this console at all.
        refused = await LiveClient.connect(
            live_server, f"/ws/host/{convening.public_id}", people[1]
        )
        with pytest.raises(Exception):  # noqa: B017  closed with 4401 at once
            await refused.next("snapshot", wait=3)
        await _close(console, other, *sockets)

    asyncio.run(scenario())


def test_the_host_mutes_a_microphone_and_only_that_person_is_told(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"M {i}") for i in range(2)]

    async def scenario() -> None:
        console = await _console(live_server, convening.public_id, host)
        sockets = await connect_people(live_server, convening.public_id, people)
        me = sockets[0].seen[-1]["you"]["id"]
        await console.send({"type": "mute_audio", "participant": me})
        await console.next("done", lambda m: m.get("command") == "mute_audio")
        assert (await sockets[0].next("audio_muted"))["type"] == "audio_muted"
        with pytest.raises(TimeoutError):
            await sockets[1].next("audio_muted", wait=1)
        await _close(console, *sockets)

    asyncio.run(scenario())


def test_reports_can_be_dismissed_and_the_reported_person_muted_or_removed(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening = planned_convening(host)
    people = [join(live_server, convening.invite_url, f"T {i}") for i in range(2)]
    base = f"/c/{convening.public_id}"
    reports = f"/host/convenings/{convening.public_id}/reports/list"

    async def scenario() -> None:
        console = await _console(live_server, convening.public_id, host)
        sockets = await connect_people(live_server, convening.public_id, people)
        await console.send({"type": "start_round"})
        view = await sockets[0].next("snapshot", lambda m: m.get("group") is not None)
        partner = next(m["id"] for m in view["group"]["members"] if m["id"] != view["you"]["id"])
        response = people[0].submit(
            f"{base}/report",
            {"reported": partner, "reason": "disruption", "details": "<b>loud</b>"},
            form_page=f"{base}/report?participant={partner}",
        )
        assert response.status_code in (200, 303), response.text
        listing = host.get(reports).text
        report_id = int(re.findall(r'data-report="(\d+)"', listing)[0])
        assert "&lt;b&gt;loud&lt;/b&gt;" in listing  # escaped
        assert f'data-report-action="dismiss" data-report-id="{report_id}"' in listing
        assert f'data-report-action="mute" data-participant="{partner}"' in listing
        assert f'data-report-action="remove" data-participant="{partner}"' in listing
        await console.send({"type": "dismiss_report", "id": report_id})
        await console.next("done", lambda m: m.get("command") == "dismiss_report")
        listing = host.get(reports).text
        assert f'data-report-action="dismiss" data-report-id="{report_id}"' not in listing
        assert "data-report-dismissed" in listing
        await console.send({"type": "dismiss_report", "id": report_id + 1000})
        assert (await console.next("error"))["code"] == "not_found"
        await _close(console, *sockets)

    asyncio.run(scenario())
