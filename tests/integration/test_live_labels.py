"""A group's words after a host move or a block (#26): they describe the people in it now,
and a block is never explained to either side."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Browserish, join, login, serve
from tests.integration.live_clients import (
    LiveClient,
    Message,
    connect_people,
    latest_snapshot,
    planned_convening,
)
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

NO_LANGUAGE = "no shared language: interpretation may help"
HOST_PUT = "the host put you together"


@pytest.fixture(scope="module")
def live_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("labels"))) as server:
        yield server


def _names(group: dict) -> set[str]:  # type: ignore[type-arg]
    return {m["name"] for m in group["members"]}


def _spanish_and_english(server: LiveServer, host: object, prefix: str):  # type: ignore[no-untyped-def]
    convening = planned_convening(host)  # type: ignore[arg-type]
    people = [
        join(server, convening.invite_url, f"{prefix} es {i}", languages=["es"]) for i in range(2)
    ] + [join(server, convening.invite_url, f"{prefix} en {i}", languages=["en"]) for i in range(2)]
    return convening, people


async def _first_round(
    server: LiveServer, host: Browserish, public_id: str, people: list[Browserish], prefix: str
) -> tuple[LiveClient, list[LiveClient], list[Message], Message]:
    """The host console and everyone's sockets once round 1 has started, with the host's
    groups and the Spanish pair among them (language first puts the two es speakers together)."""
    console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
    await console.send({"type": "hello"})
    sockets = await connect_people(server, public_id, people)
    await console.send({"type": "start_round"})
    first = await console.next("snapshot", lambda m: len(m.get("groups", [])) == 2)
    spanish = next(g for g in first["groups"] if f"{prefix} es 0" in _names(g))
    assert _names(spanish) == {f"{prefix} es 0", f"{prefix} es 1"}
    return console, sockets, first["groups"], spanish


def test_the_group_a_person_was_moved_out_of_is_explained_for_who_is_left(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening, people = _spanish_and_english(live_server, host, "M")

    async def scenario() -> None:
        console, sockets, groups, spanish = await _first_round(
            live_server, host, convening.public_id, people, "M"
        )
        english = next(g for g in groups if g is not spanish)
        mover = english["members"][0]["id"]
        # The host moves an English speaker into the Spanish pair: that trio has no common
        # language, and says so.
        await console.send({"type": "move", "participant": mover, "group": spanish["number"]})
        trio = await sockets[0].next("snapshot", lambda m: len(m["group"]["members"]) == 3)
        assert NO_LANGUAGE in trio["group"]["compromises"]
        # Then back out into a group of their own: the Spanish pair is left, and its words
        # are for the two of them.
        await console.send({"type": "move", "participant": mover, "group": None})
        await sockets[0].next("snapshot", lambda m: len(m["group"]["members"]) == 2)
        for socket in sockets[:2]:
            view = await latest_snapshot(socket)
            group = view["group"]
            assert _names(group) == {"M es 0", "M es 1"}
            assert group["shared_languages"] == ["es"]
            assert group["needs_interpretation"] is False
            assert NO_LANGUAGE not in group["compromises"]
            assert "you share a language" in group["reasons"]
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(scenario())


def test_after_a_block_neither_side_is_told_why_and_the_words_fit_the_group(
    live_server: LiveServer,
) -> None:
    host = login(live_server, "host@example.org")
    convening, people = _spanish_and_english(live_server, host, "B")

    async def scenario() -> None:
        console, sockets, _, spanish = await _first_round(
            live_server, host, convening.public_id, people, "B"
        )
        blocker_view = await sockets[2].next("snapshot", lambda m: m.get("group") is not None)
        blocker = blocker_view["you"]["id"]
        # The host moves an English speaker in with the Spanish pair ...
        await console.send({"type": "move", "participant": blocker, "group": spanish["number"]})
        trio = await sockets[2].next("snapshot", lambda m: len(m["group"]["members"]) == 3)
        assert HOST_PUT in trio["group"]["reasons"]
        blocked = next(m["id"] for m in trio["group"]["members"] if m["name"] == "B es 0")
        # ... who blocks one of them and leaves the group at once.
        await sockets[2].send({"type": "block", "participant": blocked})
        await sockets[2].next("blocked")
        await sockets[0].next(
            "snapshot", lambda m: blocker not in {x["id"] for x in m["group"]["members"]}
        )
        left_behind = (await latest_snapshot(sockets[0]))["group"]
        assert _names(left_behind) == {"B es 0", "B es 1"}
        assert left_behind["needs_interpretation"] is False
        assert NO_LANGUAGE not in left_behind["compromises"]
        moved = (await latest_snapshot(sockets[2]))["group"]
        assert blocked not in {x["id"] for x in moved["members"]}
        for group in (left_behind, moved):
            words = " ".join(group["reasons"] + group["compromises"]).lower()
            assert HOST_PUT not in words
            assert "block" not in words
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(scenario())
