"""Each group's block of the shared notes: written by its group only, read by everyone (#29).

Real server, real sockets, real CRDT: a round of two pairs starts; each person writes into
their group's block (``group:<prompt>:<run>:<group>``, notes/blocks.py). A writer of one
group who sends an update into another group's block gets a permission-denied frame and
nothing of the update is applied, relayed or stored; a host may write any block.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pycrdt import Text

from crossroads.notes import protocol
from crossroads.notes.blocks import block_name
from tests.integration.conftest import Browserish, join, login, serve
from tests.integration.live_clients import LiveClient, connect_people, planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def blocks_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("blocks"))) as server:
        yield server


async def wait_for(predicate, wait: float = 10) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(wait):
        while not predicate():  # noqa: ASYNC110  a test polling a client's state
            await asyncio.sleep(0.01)


async def write(client: NotesClient, root: str, words: str) -> None:
    """Append to any root Y.Text and send the update, as an editor bound to it would."""
    before = client.doc.get_state()
    text = client.doc.get(root, type=Text)
    text += words
    await client.socket.send(protocol.sync_message(protocol.UPDATE, client.doc.get_update(before)))
    client.sent += 1


def in_group(message: dict) -> bool:  # type: ignore[type-arg]
    return message.get("group") is not None and len(message["group"]["members"]) >= 2


async def start_round(
    server: LiveServer, host: Browserish, room: str, people: list[Browserish]
) -> list[dict]:  # type: ignore[type-arg]
    console = await LiveClient.connect(server, f"/ws/host/{room}", host)
    await console.send({"type": "hello"})
    sockets = await connect_people(server, room, people)
    await console.send({"type": "start_round"})
    views = [await s.next("snapshot", in_group) for s in sockets]
    for s in [console, *sockets]:
        await s.close()
    return views


def test_a_writer_of_one_group_cannot_change_another_groups_block(
    blocks_server: LiveServer,
) -> None:
    host = login(blocks_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    people = [join(blocks_server, convening.invite_url, f"Person {i}") for i in range(4)]
    views = asyncio.run(start_round(blocks_server, host, room, people))
    prompt = views[0]["round"]["prompts"][0]["id"]
    run = views[0]["round"]["number"]
    group_of = [v["group"]["number"] for v in views]
    assert len(set(group_of)) == 2
    a = 0
    b = next(i for i in range(4) if group_of[i] != group_of[a])
    mate = next(i for i in range(4) if i != a and group_of[i] == group_of[a])
    mine = block_name(prompt, run, group_of[a])
    theirs = block_name(prompt, run, group_of[b])
    tokens = [notes_token(p, f"/c/{room}/notes") for p in people]
    host_token = notes_token(host, f"/host/convenings/{room}/notes")

    async def scenario() -> None:
        writer = await NotesClient.connect(blocks_server, room, tokens[a])
        partner = await NotesClient.connect(blocks_server, room, tokens[mate])
        other = await NotesClient.connect(blocks_server, room, tokens[b])
        for client in (writer, partner, other):
            async with asyncio.timeout(10):
                await client.synced.wait()
        await write(writer, mine, "Our group's idea. ")
        await writer.wait_acked()
        await wait_for(lambda: str(partner.doc.get(mine, type=Text)) == "Our group's idea. ")
        # Into the other group's block: refused whole, the socket stays open.
        await write(writer, theirs, "Sneaked into your block.")
        await wait_for(lambda: writer.denied == 1 and writer.acked == writer.sent)
        # An update touching both blocks is refused whole too (sent from a fresh document:
        # this one holds the refused text, which the server lacks).
        mixer = await NotesClient.connect(blocks_server, room, tokens[a])
        async with asyncio.timeout(10):
            await mixer.synced.wait()
        before = mixer.doc.get_state()
        with mixer.doc.transaction():
            own = mixer.doc.get(mine, type=Text)
            own += "Mixed. "
            foreign = mixer.doc.get(theirs, type=Text)
            foreign += "Mixed too."
        await mixer.socket.send(
            protocol.sync_message(protocol.UPDATE, mixer.doc.get_update(before))
        )
        mixer.sent += 1
        await wait_for(lambda: mixer.denied == 1 and mixer.acked == mixer.sent)
        await mixer.close()
        # The other group writes its own block; the host may write any block.
        await write(other, theirs, "Their own words. ")
        await other.wait_acked()
        assert other.denied == 0
        host_client = await NotesClient.connect(blocks_server, room, host_token)
        async with asyncio.timeout(10):
            await host_client.synced.wait()
        await write(host_client, theirs, "A host's note.")
        await host_client.wait_acked()
        assert host_client.denied == 0
        await asyncio.sleep(0.3)
        assert str(other.doc.get(theirs, type=Text)) == "Their own words. A host's note."
        assert str(partner.doc.get(theirs, type=Text)) == "Their own words. A host's note."
        for client in (writer, partner, other, host_client):
            await client.close()
        # A fresh reader after the room reloads: nothing refused was stored.
        await asyncio.sleep(0.5)
        reader = await NotesClient.connect(blocks_server, room, tokens[mate])
        async with asyncio.timeout(10):
            await reader.synced.wait()
        assert str(reader.doc.get(mine, type=Text)) == "Our group's idea. "
        assert str(reader.doc.get(theirs, type=Text)) == "Their own words. A host's note."
        await reader.close()

    asyncio.run(scenario())
    # Every block is readable by all: the read-only page shows both, headed by names.
    page = people[b].get(f"/c/{room}/notes/read").text
    assert "Our group&#39;s idea." in page and "Their own words." in page
    assert "Sneaked" not in page and "Mixed" not in page


def test_the_harvest_quotes_a_block_per_writer_leaving_out_who_refused_to_be_quoted(
    blocks_server: LiveServer,
) -> None:
    from tests.integration.test_reflection_pages import ANA_LINES, BILAL_LINES

    host = login(blocks_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    ana = join(blocks_server, convening.invite_url, "Ana Pérez", consent_quoted="on")
    bilal = join(blocks_server, convening.invite_url, "Bilal Haddad")  # did not agree
    views = asyncio.run(start_round(blocks_server, host, room, [ana, bilal]))
    prompt = views[0]["round"]["prompts"][0]["id"]
    block = block_name(prompt, views[0]["round"]["number"], views[0]["group"]["number"])

    async def type_in_turns() -> None:
        writers = [
            await NotesClient.connect(blocks_server, room, notes_token(p, f"/c/{room}/notes"))
            for p in (ana, bilal)
        ]
        for client in writers:
            async with asyncio.timeout(10):
                await client.synced.wait()
        # Both write in the one block, line about line, with no "Name:" in front.
        for ana_line, bilal_line in zip(ANA_LINES, BILAL_LINES, strict=True):
            for client, line in zip(writers, (ana_line, bilal_line), strict=True):
                await write(client, block, f"{line}\n")
                await client.wait_acked()
                other = writers[1] if client is writers[0] else writers[0]
                await wait_for(
                    lambda o=other, c=client: (
                        str(o.doc.get(block, type=Text)) == str(c.doc.get(block, type=Text))
                    )
                )
        for client in writers:
            await client.close()

    asyncio.run(type_in_turns())
    page = f"/host/convenings/{room}/reflection"
    host.submit(f"{page}/generate", {}, form_page=page)
    data = host.get(f"{page}.json").json()
    [exported] = [p for p in data["prompts"] if p["id"] == prompt]
    ids = [i for t in exported["themes"] for i in t["contribution_ids"]]
    ids += exported["other_points"]["contribution_ids"]
    # Every line of the block was read, Bilal's too (they count in the themes) ...
    assert len(ids) == len(ANA_LINES) + len(BILAL_LINES), ids
    quotes = [q["text"] for t in exported["themes"] for q in t["quotes"]]
    # ... but only Ana's words are quoted: consent is per writer, inside one block.
    assert quotes, exported
    assert all(q in ANA_LINES for q in quotes), quotes


def test_a_document_saved_before_blocks_still_opens_with_its_text_as_notes_for_everyone(
    blocks_server: LiveServer,
) -> None:
    host = login(blocks_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    people = [join(blocks_server, convening.invite_url, f"Person {i}") for i in range(2)]
    token = notes_token(people[0], f"/c/{room}/notes")
    host_page = host.get(f"/host/convenings/{room}/notes").text
    prompt = next(p for p in re.findall(r'data-section="prompt:([^"]+)"', host_page) if p != "free")

    async def old_client() -> None:
        # The old shape: everyone's text straight in the prompt's section, stored before
        # any group had a block.
        client = await NotesClient.connect(blocks_server, room, token)
        async with asyncio.timeout(10):
            await client.synced.wait()
        await client.type(prompt, "Written before groups had blocks.\n")
        await client.wait_acked()
        await client.close()

    asyncio.run(old_client())
    views = asyncio.run(start_round(blocks_server, host, room, people))
    block = block_name(prompt, views[0]["round"]["number"], views[0]["group"]["number"])

    async def new_client() -> None:
        client = await NotesClient.connect(blocks_server, room, token)
        async with asyncio.timeout(10):
            await client.synced.wait()
        assert str(client.text(prompt)) == "Written before groups had blocks.\n"
        await write(client, block, "Written in our group's block.")
        await client.wait_acked()
        assert client.denied == 0
        await client.close()

    asyncio.run(new_client())
    read = people[1].get(f"/c/{room}/notes/read").text
    assert "Notes for everyone" in read and "Written before groups had blocks." in read
    assert "<summary>Person 0, Person 1</summary>" in read or (
        "<summary>Person 1, Person 0</summary>" in read
    )
    assert "Written in our group&#39;s block." in read
    editor = host.get(f"/host/convenings/{room}/notes").text
    assert f'data-section="prompt:{prompt}"' in editor and f'data-section="{block}"' in editor
    export = host.get(f"/host/convenings/{room}/notes.md").text
    assert "Written before groups had blocks." in export
    assert "Written in our group's block." in export


def test_an_update_built_on_parts_the_server_lacks_is_not_acknowledged_but_resent_whole(
    blocks_server: LiveServer,
) -> None:
    """Once a room has blocks, an update whose items cannot be placed (its parents are not on
    the server: a room that reloaded without another writer's unsaved edit) could land in any
    block: the socket is closed (1013) before it is taken or acknowledged, and the sync on
    reconnecting sends it again with its parents, so nothing acknowledged is ever lost."""
    host = login(blocks_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    room = convening.public_id
    people = [join(blocks_server, convening.invite_url, f"Person {i}") for i in range(2)]
    views = asyncio.run(start_round(blocks_server, host, room, people))
    prompt = views[0]["round"]["prompts"][0]["id"]
    block = block_name(prompt, views[0]["round"]["number"], views[0]["group"]["number"])
    token = notes_token(people[0], f"/c/{room}/notes")

    async def scenario() -> None:
        client = await NotesClient.connect(blocks_server, room, token)
        async with asyncio.timeout(10):
            await client.synced.wait()
        await write(client, block, "Placed. ")  # the room has a block now
        await client.wait_acked()
        text = client.doc.get(block, type=Text)
        text += "Never sent. "  # the parent the server will lack
        before = client.doc.get_state()
        text += "Built on it."
        orphan = client.doc.get_update(before)
        await client.socket.send(protocol.sync_message(protocol.UPDATE, orphan))
        client.sent += 1
        assert await client.closed() == 1013
        assert client.acked == client.sent - 1  # the orphan was never acknowledged
        again = await NotesClient.connect(blocks_server, room, token, doc=client.doc)
        await wait_for(lambda: again.sent >= 1)  # its answer to the server's sync step 1
        await again.wait_acked()
        await again.close()
        reader = await NotesClient.connect(
            blocks_server, room, notes_token(people[1], f"/c/{room}/notes")
        )
        await wait_for(
            lambda: str(reader.doc.get(block, type=Text)) == "Placed. Never sent. Built on it."
        )
        await reader.close()

    asyncio.run(scenario())
