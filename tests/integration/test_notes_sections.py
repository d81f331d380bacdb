"""Locked sections, the read-only view and attributed export of the shared notes."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import database
from tests.integration.conftest import Browserish, join, login, serve
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

SECTION = re.compile(r'data-section="prompt:([A-Za-z0-9_-]+)"')


@pytest.fixture(scope="module")
def notes_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(
        backend, Path(tmp_path_factory.mktemp("sections")), notes_compact_after="10"
    ) as server:
        yield server


def prompt_of(host: Browserish, room: str) -> str:
    ids = [i for i in SECTION.findall(host.get(f"/host/convenings/{room}/notes").text)]
    return next(i for i in ids if i != "free")


def set_lock(host: Browserish, room: str, prompt: str, action: str) -> int:
    page = f"/host/convenings/{room}/notes"
    response = host.submit(f"{page}/sections/{prompt}/{action}", {}, form_page=page)
    return response.status_code


async def wait_for(predicate, wait: float = 10) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(wait):
        while not predicate():  # noqa: ASYNC110  a test polling a client's state
            await asyncio.sleep(0.01)


def test_a_locked_section_refuses_edits_even_after_the_room_reloads(
    notes_server: LiveServer,
) -> None:
    host = login(notes_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    prompt = prompt_of(host, room)
    ana = join(notes_server, convening.invite_url, "Ana")
    token = notes_token(ana, f"/c/{room}/notes")

    async def before_and_after_locking() -> None:
        a = await NotesClient.connect(notes_server, room, token)
        await a.type(prompt, "Written in the round. ")
        await a.wait_acked()
        assert await asyncio.to_thread(set_lock, host, room, prompt, "lock") == 200
        await a.type(prompt, "Sneaked in later.")
        await wait_for(lambda: a.denied == 1 and a.acked == a.sent)
        await a.type("free", "Free notes stay open.")
        await a.wait_acked()
        assert a.denied == 1
        await a.close()

    asyncio.run(before_and_after_locking())
    time.sleep(0.5)  # the room unloads; the next connection loads it and its locks again

    async def after_reload() -> None:
        b = await NotesClient.connect(notes_server, room, token)
        await b.wait_text(prompt, "Written in the round. ")
        await b.type(prompt, "Still refused.")
        await wait_for(lambda: b.denied == 1 and b.acked == b.sent)
        await b.close()
        c = await NotesClient.connect(notes_server, room, token)
        await c.wait_text("free", "Free notes stay open.")
        await asyncio.sleep(0.3)
        assert str(c.text(prompt)) == "Written in the round. "
        await c.close()

    asyncio.run(after_reload())
    page = host.get(f"/host/convenings/{room}/notes").text
    assert f'data-section="prompt:{prompt}" data-label' in page
    assert 'data-locked="yes"' in page and "data-locked-label>Locked</span>" in page
    participant_page = ana.get(f"/c/{room}/notes").text
    assert "data-locked-label>Locked</span>" in participant_page
    assert "/notes/sections/" not in participant_page  # only the host gets the lock buttons

    assert set_lock(host, room, prompt, "unlock") == 200

    async def unlocked() -> None:
        d = await NotesClient.connect(notes_server, room, token)
        await d.wait_text(prompt, "Written in the round. ")
        await d.type(prompt, "Open again.")
        await d.wait_acked()
        assert d.denied == 0
        await d.close()

    asyncio.run(unlocked())
    export = host.get(f"/host/convenings/{room}/notes.md").text
    assert "Written in the round. Open again." in export
    assert "Sneaked in later." not in export and "Still refused." not in export


def test_locking_is_scoped_to_the_host_and_their_prompts(notes_server: LiveServer) -> None:
    host = login(notes_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    prompt = prompt_of(host, room)
    other = login(notes_server, "other@example.org")
    other_room = planned_convening(other, rounds=1).public_id
    other_prompt = prompt_of(other, other_room)

    assert set_lock(other, room, prompt, "lock") == 404  # another host's convening
    assert set_lock(host, room, other_prompt, "lock") == 404  # a prompt from elsewhere
    forged = host.post(f"/host/convenings/{room}/notes/sections/{prompt}/lock", data={})
    assert forged.status_code == 403  # no CSRF token

    url = notes_server.database_url
    assert database.scalar(url, "SELECT count(*) FROM notes_lock") == len(
        database.rows(
            url, "SELECT room FROM notes_lock WHERE room NOT IN (:a, :b)", a=room, b=other_room
        )
    )


def test_the_read_only_view_shows_escaped_text_without_an_editor_and_only_to_its_people(
    notes_server: LiveServer,
) -> None:
    host = login(notes_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    prompt = prompt_of(host, room)
    ana = join(notes_server, convening.invite_url, "Ana")
    stranger_convening = planned_convening(host, rounds=1)
    stranger = join(notes_server, stranger_convening.invite_url, "Stranger")

    async def write() -> None:
        a = await NotesClient.connect(notes_server, room, notes_token(ana, f"/c/{room}/notes"))
        await a.type(prompt, "<script>alert(1)</script> & water is life")
        await a.wait_acked()
        await a.close()

    asyncio.run(write())
    page = ana.get(f"/c/{room}/notes/read")

    assert page.status_code == 200
    assert (
        f'data-section-text="{prompt}">&lt;script&gt;alert(1)&lt;/script&gt; &amp; water is life<'
        in page.text
    )
    assert "notes.js" not in page.text and "data-token" not in page.text
    assert stranger.get(f"/c/{room}/notes/read").status_code == 404


def test_the_export_names_only_writers_who_agreed_and_keeps_names_through_compaction(
    notes_server: LiveServer,
) -> None:
    host = login(notes_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    prompt = prompt_of(host, room)
    ana = join(notes_server, convening.invite_url, "Ana Quoted", consent_quoted="on")
    bo = join(notes_server, convening.invite_url, "Bo Unnamed")

    async def write() -> None:
        a = await NotesClient.connect(notes_server, room, notes_token(ana, f"/c/{room}/notes"))
        b = await NotesClient.connect(notes_server, room, notes_token(bo, f"/c/{room}/notes"))
        for word in ["land ", "is ", "life. "]:  # 12 rows: more than compact_after
            await a.type(prompt, word)
            await a.wait_acked()
        await b.wait_text(prompt, "land is life. ")
        for word in ["rivers ", "are ", "kin."]:
            await b.type(prompt, word)
            await b.wait_acked()
        for i in range(6):
            await a.type("free", f"{i}")
            await a.wait_acked()
        await a.close()
        await b.close()

    asyncio.run(write())
    deadline = time.monotonic() + 10
    url = notes_server.database_url
    while time.monotonic() < deadline:
        snapshots = database.scalar(
            url, "SELECT count(*) FROM notes_attribution WHERE room = :r", r=room
        )
        if snapshots:
            break
        time.sleep(0.1)
    assert snapshots == 1  # compacted: the log's authors now live in notes_attribution
    assert database.scalar(url, "SELECT count(*) FROM notes_update WHERE room = :r", r=room) == 0
    export = host.get(f"/host/convenings/{room}/notes.md").text

    assert "land is life. rivers are kin." in export
    assert "- Ana Quoted: land is life." in export
    assert "- Ana Quoted: 012345" in export
    assert "Bo Unnamed" not in export


def test_the_export_names_nobody_in_chatham_house_mode(notes_server: LiveServer) -> None:
    host = login(notes_server, "host@example.org")
    convening = planned_convening(host, rounds=1, privacy_mode="chatham_house")
    room = convening.public_id
    prompt = prompt_of(host, room)
    ana = join(notes_server, convening.invite_url, "Ana Quoted", consent_quoted="on")

    async def write() -> None:
        a = await NotesClient.connect(notes_server, room, notes_token(ana, f"/c/{room}/notes"))
        await a.type(prompt, "Under the rule.")
        await a.wait_acked()
        await a.close()

    asyncio.run(write())
    export = host.get(f"/host/convenings/{room}/notes.md").text

    assert "Under the rule." in export
    assert "Ana Quoted" not in export and "Who wrote what" not in export
