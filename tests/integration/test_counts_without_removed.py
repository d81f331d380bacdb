"""Counts that leave out removed people (#29): once a host removes someone, the lobby's
"N people are here" and list, and the host console's people and "connected" count no longer
include them. A real server and the real host console socket; nothing mocked."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.integration.conftest import Browserish, join
from tests.integration.live_clients import LiveClient, planned_convening
from tests.integration.test_removal import remove
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


def console_people(server: LiveServer, host: Browserish, public_id: str) -> list[str]:
    async def scenario() -> list[str]:
        console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
        await console.send({"type": "hello"})
        state = await console.next("snapshot", lambda m: bool(m.get("people")))
        await console.close()
        return [p["name"] for p in state["people"]]

    return asyncio.run(scenario())


def here(client: Browserish, public_id: str) -> tuple[int, list[str]]:
    page = client.get(f"/c/{public_id}/people").text
    found = re.search(r'id="people-heading">(\d+) (?:person is|people are) here', page)
    assert found, page
    names = re.findall(r'<strong class="person-name" dir="auto">([^<]*)</strong>', page)
    return int(found.group(1)), names


def test_removed_people_leave_the_lobby_count_and_the_console(
    server: LiveServer, host: Browserish
) -> None:
    convening = planned_convening(host)
    ana = join(server, convening.invite_url, "Ana")
    join(server, convening.invite_url, "Bo")
    join(server, convening.invite_url, "Mallory")
    assert here(ana, convening.public_id) == (3, ["Ana", "Bo", "Mallory"])

    remove(server, host, convening.public_id, "Mallory")

    assert here(ana, convening.public_id) == (2, ["Ana", "Bo"])
    assert sorted(console_people(server, host, convening.public_id)) == ["Ana", "Bo"]


def test_the_planning_page_counts_participants_without_the_removed(
    server: LiveServer, host: Browserish
) -> None:
    convening = planned_convening(host)
    for name in ("Ana", "Bo", "Mallory"):
        join(server, convening.invite_url, name)
    page = f"/host/convenings/{convening.public_id}"
    assert '"participants-heading">3 participants<' in host.get(page).text

    remove(server, host, convening.public_id, "Mallory")

    after = host.get(page).text
    assert '"participants-heading">2 participants<' in after
    # Still listed for the hosts, and marked: who was removed is theirs to know.
    rows = re.findall(r'<tr class="participant( removed)?">\s*<td>([^<]*)', after)
    assert sorted((mark, name.strip()) for mark, name in rows) == [
        ("", "Ana"),
        ("", "Bo"),
        (" removed", "Mallory"),
    ]
