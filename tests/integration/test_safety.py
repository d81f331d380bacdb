"""Safety over a real server: reports to the hosts, mute, lock, and ending the call."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import database
from tests.integration.conftest import Browserish, client_for, join, login, serve
from tests.integration.live_clients import LiveClient, planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = pytest.mark.integration
SELECTED = re.compile(r'<option value="([^"]+)" >([^<]+) \(round (\d+)\)</option>')


@pytest.fixture(scope="module")
def safety_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("safety")), wrap_up_seconds="2") as server:
        yield server


def count(server: LiveServer, table: str) -> int:
    return int(database.scalar(server.database_url, f"SELECT count(*) FROM {table}"))


async def _pair(
    server: LiveServer, host: Browserish, public_id: str, people: list[Browserish]
) -> tuple[LiveClient, list[LiveClient], list[dict]]:  # type: ignore[type-arg]
    """Connect the console and everyone, start a round, return each person's first view."""
    console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
    await console.send({"type": "hello"})
    sockets = []
    for person in people:
        socket = await LiveClient.connect(server, f"/ws/live/{public_id}", person)
        await socket.send({"type": "hello"})
        await socket.next("snapshot")
        sockets.append(socket)
    await console.send({"type": "start_round"})
    views = [await s.next("snapshot", lambda m: m.get("group") is not None) for s in sockets]
    return console, sockets, views


def _report(client: Browserish, public_id: str, **data: object) -> object:
    page = f"/c/{public_id}/report"
    return client.post(page, data={**data, "csrf_token": client.csrf(page)})


def test_a_report_reaches_the_hosts_and_never_the_reported_person(
    safety_server: LiveServer,
) -> None:
    host = login(safety_server, "host@example.org")
    convening = planned_convening(host)
    ana = join(safety_server, convening.invite_url, "Ana")
    bilal = join(safety_server, convening.invite_url, "Bilal")
    secret = "<b>He recorded us</b> & posted it"

    async def scenario() -> None:
        console, sockets, views = await _pair(
            safety_server, host, convening.public_id, [ana, bilal]
        )
        bilal_id = views[1]["you"]["id"]
        form = ana.get(f"/c/{convening.public_id}/report?participant={bilal_id}").text
        assert SELECTED.findall(form.replace(" selected>", " >")) == [(bilal_id, "Bilal", "1")]
        assert f'<option value="{bilal_id}" selected>' in form

        sent = _report(
            ana, convening.public_id, reported=bilal_id, reason="privacy", details=secret
        )

        assert sent.status_code == 200  # type: ignore[attr-defined]
        assert sent.url.path == f"/c/{convening.public_id}/report"  # type: ignore[attr-defined]
        assert "The hosts have your report." in sent.text  # type: ignore[attr-defined]
        hosts_page = host.get(f"/host/convenings/{convening.public_id}/reports").text
        assert "Ana reported Bilal" in hosts_page
        assert "Recording, photos or sharing what was said without consent" in hosts_page
        assert "they were together in round 1" in hosts_page
        assert "&lt;b&gt;He recorded us&lt;/b&gt; &amp; posted it" in hosts_page
        assert "<b>He recorded us</b>" not in hosts_page
        fragment = host.get(f"/host/convenings/{convening.public_id}/reports/list").text
        assert "Ana reported Bilal" in fragment
        # Nothing of it reaches Bilal: not his pages, not his live view.
        for page in ("lobby", "report", "people", "notes"):
            text = bilal.get(f"/c/{convening.public_id}/{page}").text
            assert "recorded us" not in text and "Ana reported" not in text, page
        await sockets[1].send({"type": "hello"})
        view = await sockets[1].next("snapshot")
        assert "recorded" not in str(view) and "report" not in str(view)
        not_host = bilal.get(f"/host/convenings/{convening.public_id}/reports")
        assert not_host.url.path == "/login"
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(scenario())


def test_a_report_with_bad_input_is_refused_and_stores_nothing(
    safety_server: LiveServer,
) -> None:
    host = login(safety_server, "host@example.org")
    other = login(safety_server, "other@example.org")
    convening = planned_convening(host)
    elsewhere = planned_convening(other)
    ana = join(safety_server, convening.invite_url, "Ana")
    bilal = join(safety_server, convening.invite_url, "Bilal")
    stranger = join(safety_server, elsewhere.invite_url, "Stranger")

    async def scenario() -> tuple[str, str]:
        console, sockets, views = await _pair(
            safety_server, host, convening.public_id, [ana, bilal]
        )
        for s in [console, *sockets]:
            await s.close()
        return views[0]["you"]["id"], views[1]["you"]["id"]

    ana_id, bilal_id = asyncio.run(scenario())
    # Cara arrived after the round: Ana never met her.
    cara = join(safety_server, convening.invite_url, "Cara")
    cara_page = cara.get(f"/c/{convening.public_id}/report").text
    assert "You can report someone once you have been in a group with them." in cara_page
    lobby = ana.get(f"/c/{convening.public_id}/people").text
    assert "Cara" in lobby
    before = count(safety_server, "participant_report")
    pid = convening.public_id

    no_reason = _report(ana, pid, reported=bilal_id, details="x")
    bad_reason = _report(ana, pid, reported=bilal_id, reason="annoying")
    too_long = _report(ana, pid, reported=bilal_id, reason="other", details="x" * 2001)
    yourself = _report(ana, pid, reported=ana_id, reason="other")
    no_csrf = ana.post(f"/c/{pid}/report", data={"reported": bilal_id, "reason": "other"})
    other_convening = _report(stranger, pid, reported=bilal_id, reason="other")

    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    assert 'id="reason-error"' in no_reason.text  # type: ignore[attr-defined]
    assert bad_reason.status_code == 422  # type: ignore[attr-defined]
    assert too_long.status_code == 422  # type: ignore[attr-defined]
    assert 'id="details-error"' in too_long.text  # type: ignore[attr-defined]
    assert yourself.status_code == 404  # type: ignore[attr-defined]
    assert no_csrf.status_code == 403
    assert other_convening.status_code == 404  # type: ignore[attr-defined]
    assert count(safety_server, "participant_report") == before
    # Cara is in this convening, but Ana never met her: a clear error, nothing stored.
    cara_view = host.get(f"/host/convenings/{pid}/reports").text
    assert "No reports so far." in cara_view
    everyone = re.findall(
        r'"id": "([^"]+)", "name": "Cara"', _host_people(safety_server, host, pid)
    )
    (cara_id,) = everyone
    not_met = _report(ana, pid, reported=cara_id, reason="other")
    assert not_met.status_code == 422  # type: ignore[attr-defined]
    assert "Choose someone you were in a group with." in not_met.text  # type: ignore[attr-defined]
    assert count(safety_server, "participant_report") == before


def _host_people(server: LiveServer, host: Browserish, public_id: str) -> str:
    async def read() -> str:
        console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
        await console.send({"type": "hello"})
        view = await console.next("snapshot")
        await console.close()
        import json

        return json.dumps(view["people"])

    return asyncio.run(read())


def test_a_muted_person_cannot_edit_the_notes_and_the_console_shows_it(
    safety_server: LiveServer,
) -> None:
    host = login(safety_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    ana = join(safety_server, convening.invite_url, "Ana")
    bilal = join(safety_server, convening.invite_url, "Bilal")
    room = convening.public_id
    ana_token = notes_token(ana, f"/c/{room}/notes")
    bilal_token = notes_token(bilal, f"/c/{room}/notes")

    async def scenario() -> None:
        console, sockets, views = await _pair(safety_server, host, room, [ana, bilal])
        ana_id = views[0]["you"]["id"]
        writer = await NotesClient.connect(safety_server, room, ana_token)
        reader = await NotesClient.connect(safety_server, room, bilal_token)
        await writer.type("free", "before ")
        await writer.wait_acked()

        await console.send({"type": "mute", "participant": ana_id, "muted": True})

        assert await writer.closed() == 4423
        shown = await console.next(
            "snapshot", lambda m: any(p.get("muted") for p in m.get("people", []))
        )
        assert [p["name"] for p in shown["people"] if p["muted"]] == ["Ana"]
        told = await sockets[0].next("snapshot", lambda m: m["you"].get("muted") is True)
        assert told["you"]["muted"] is True
        stored = count(safety_server, "notes_update")
        muted_writer = await NotesClient.connect(safety_server, room, ana_token)
        await muted_writer.type("free", "while muted")
        with contextlib.suppress(TimeoutError):
            await muted_writer.wait_acked(wait=2)
        assert muted_writer.acked < muted_writer.sent
        assert str(reader.text("free")) == "before "
        assert count(safety_server, "notes_update") == stored
        page = ana.get(f"/c/{room}/notes").text
        assert 'data-muted="yes"' in page

        await console.send({"type": "mute", "participant": ana_id, "muted": False})

        assert await muted_writer.closed() == 4424
        again = await NotesClient.connect(safety_server, room, ana_token)
        await asyncio.wait_for(again.synced.wait(), 10)
        await again.type("free", "after")
        await again.wait_acked()
        await reader.wait_text("free", "before after")
        for s in [console, *sockets, reader, again, writer]:
            await s.close()

    asyncio.run(scenario())


def test_mute_of_an_unknown_person_is_an_error_and_changes_nothing(
    safety_server: LiveServer,
) -> None:
    host = login(safety_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    before = count(safety_server, "participant_mute")

    async def scenario() -> dict:  # type: ignore[type-arg]
        console = await LiveClient.connect(safety_server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "mute", "participant": "nobody-here", "muted": True})
        reply = await console.next("error")
        await console.close()
        return reply

    assert asyncio.run(scenario())["code"] == "not_found"
    assert count(safety_server, "participant_mute") == before


def test_a_locked_convening_turns_newcomers_away_and_keeps_people_in(
    safety_server: LiveServer,
) -> None:
    host = login(safety_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    ana = join(safety_server, convening.invite_url, "Ana")
    path = convening.invite_url.removeprefix(safety_server.url)

    async def lock(locked: bool) -> dict:  # type: ignore[type-arg]
        console = await LiveClient.connect(safety_server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "hello"})
        await console.send({"type": "lock", "locked": locked})
        view = await console.next("snapshot", lambda m: m.get("locked") is locked)
        await console.close()
        return view

    assert asyncio.run(lock(True))["locked"] is True
    before = count(safety_server, "participant")
    newcomer = client_for(safety_server)
    page = newcomer.get(path)
    token = ana.csrf(f"/c/{convening.public_id}/lobby")
    posted = ana.post(
        path,
        data={
            "display_name": "Late",
            "languages": ["en"],
            "coc_accepted": "on",
            "csrf_token": token,
        },
    )

    assert page.status_code == 403
    assert "The hosts have locked this call: nobody new can join now." in page.text
    assert posted.status_code == 403
    assert count(safety_server, "participant") == before
    assert ana.get(f"/c/{convening.public_id}/lobby").status_code == 200

    assert asyncio.run(lock(False))["locked"] is False
    join(safety_server, convening.invite_url, "Late")
    assert count(safety_server, "participant") == before + 1


def test_ending_the_call_ends_the_running_round_and_no_round_starts_after(
    safety_server: LiveServer,
) -> None:
    host = login(safety_server, "host@example.org")
    convening = planned_convening(host, rounds=2)
    people = [join(safety_server, convening.invite_url, name) for name in ("Ana", "Bilal")]

    async def scenario() -> None:
        console, sockets, views = await _pair(safety_server, host, convening.public_id, people)
        assert {v["phase"] for v in views} == {"running"}

        await console.send({"type": "end_call"})

        for socket in sockets:
            ended = await socket.next("snapshot", lambda m: m["phase"] == "ended")
            assert ended["phase"] == "ended"
        await console.send({"type": "start_round"})
        refused = await console.next("error")
        assert refused["code"] == "not_allowed"
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(scenario())


def test_the_join_form_always_shows_a_code_of_conduct_to_accept(
    safety_server: LiveServer,
) -> None:
    host = login(safety_server, "host@example.org")
    own = planned_convening(host, rounds=1, code_of_conduct="Speak <kindly>.")
    none = planned_convening(host, rounds=1, code_of_conduct="")
    visitor = client_for(safety_server)

    with_own = visitor.get(own.invite_url.removeprefix(safety_server.url)).text
    with_default = visitor.get(none.invite_url.removeprefix(safety_server.url)).text

    assert "Speak &lt;kindly&gt;." in with_own
    assert "Treat everyone with respect" not in with_own
    assert "Treat everyone with respect: no harassment, insults or discrimination." in with_default
    for page in (with_own, with_default):
        assert 'name="coc_accepted" required' in page
        assert '<a href="/privacy"' in page


def test_the_privacy_page_says_what_is_kept_who_sees_it_and_for_how_long(
    safety_server: LiveServer,
) -> None:
    visitor = client_for(safety_server)
    host = login(safety_server, "host@example.org")

    page = visitor.get("/privacy")

    assert page.status_code == 200
    for heading in ("What we collect, and why", "Who sees it", "Chatham House mode"):
        assert f">{heading}</h2>" in page.text
    assert "Your session ends after 14 days" in page.text
    assert "Invite links stop working after 30 days." in page.text
    # Linked from every page's footer, for hosts and participants alike.
    for client, path in ((visitor, "/login"), (host, "/host"), (visitor, "/no/such/page")):
        assert '<footer class="container site-footer">' in client.get(path).text
        assert '<a href="/privacy">Privacy: what we collect and why</a>' in client.get(path).text
