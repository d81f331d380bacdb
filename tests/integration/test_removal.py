"""Removal that sticks (#26): a removed person stays out by every link, from the same browser
or with the same e-mail; a block follows the person to a new participant row; the hosts see
each refused try; and the shared link can be renewed from the removal dialog in one step.

A real server, real SQLite, the real host console socket; nothing mocked.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest

from tests.integration.conftest import Browserish, client_for, join
from tests.integration.live_clients import LiveClient, planned_convening
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

REFUSED = "A host removed you from this call, so no invite link lets you join it again."


def public_ids(server: LiveServer, host: Browserish, public_id: str) -> dict[str, str]:
    """Each participant's public id by name, as the host console lists them."""

    async def scenario() -> dict[str, str]:
        console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
        await console.send({"type": "hello"})
        state = await console.next("snapshot", lambda m: bool(m.get("people")))
        await console.close()
        return {p["name"]: p["id"] for p in state["people"]}

    return asyncio.run(scenario())


def remove(
    server: LiveServer, host: Browserish, public_id: str, name: str, *, renew: bool = False
) -> None:
    """Remove ``name`` from the host console, as the host's browser does."""

    async def scenario() -> None:
        console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
        await console.send({"type": "hello"})
        state = await console.next(
            "snapshot", lambda m: any(p["name"] == name for p in m.get("people", []))
        )
        target = next(p["id"] for p in state["people"] if p["name"] == name)
        command = {"type": "remove", "participant": target}
        if renew:
            command["renew_link"] = True
        await console.send(command)
        await console.next("done")
        await console.close()

    asyncio.run(scenario())


def join_again(server: LiveServer, client: Browserish, invite_url: str, name: str) -> object:
    """The join form sent from a browser that may have been here before."""
    path = invite_url.removeprefix(server.url)
    data = {
        "display_name": name,
        "languages": ["en"],
        "consent_listed": "on",
        "coc_accepted": "on",
        "movements": "Water",
    }
    return client.submit(path, data, form_page=path)


def personal_link(server: LiveServer, host: Browserish, public_id: str, roster: bytes) -> str:
    page = f"/host/convenings/{public_id}"
    host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={"roster": ("roster.csv", roster, "text/csv")},
    )
    rows = list(csv.DictReader(io.StringIO(host.get(f"{page}/personal-links.csv").text)))
    return rows[-1]["link"]


def attempts(host: Browserish, public_id: str) -> list[str]:
    page = host.get(f"/host/convenings/{public_id}/reports/list").text
    items = re.findall(r'<li class="rejoin-attempt">(.*?)</li>', page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def participant_count(host: Browserish, public_id: str) -> int:
    """Rows in the host's table of participants, the removed included (they stay listed,
    marked, though the heading's count leaves them out): a new row is a new participant."""
    page = host.get(f"/host/convenings/{public_id}").text
    assert 'id="participants-heading"' in page, page
    return len(re.findall(r'<tr class="participant[ "]', page))


def test_a_removed_person_cannot_come_back_through_the_shared_link_from_the_same_browser(
    server: LiveServer, host: Browserish
) -> None:
    convening = planned_convening(host)
    ana = join(server, convening.invite_url, "Ana Removed")
    join(server, convening.invite_url, "Bilal Stays")
    remove(server, host, convening.public_id, "Ana Removed")
    before = participant_count(host, convening.public_id)

    opened = ana.get(convening.invite_url.removeprefix(server.url))
    sent = join_again(server, ana, convening.invite_url, "Another Name")

    assert opened.status_code == 403
    assert REFUSED in opened.text
    assert sent.status_code == 403  # type: ignore[attr-defined]
    assert REFUSED in sent.text  # type: ignore[attr-defined]
    assert participant_count(host, convening.public_id) == before == 2
    # The hosts see who tried, how, and how often (the page twice, the form once).
    (seen,) = attempts(host, convening.public_id)
    assert seen.startswith(
        "Ana Removed : through the shared invite link, recognised by their browser · 3 tries · "
    )
    # Someone else's browser still joins through the same link.
    assert join(server, convening.invite_url, "Chen New").get("/").status_code == 200
    assert participant_count(host, convening.public_id) == 3


def test_a_removed_person_cannot_come_back_with_the_same_email_from_another_browser(
    server: LiveServer, host: Browserish
) -> None:
    convening = planned_convening(host)
    first = personal_link(server, host, convening.public_id, b"name,email\nPat,pat@example.org\n")
    join(server, first, "Pat")
    remove(server, host, convening.public_id, "Pat")
    # The host, not knowing, uploads Pat again, the address typed another way.
    second = personal_link(
        server, host, convening.public_id, b"name,email\nPatricia, PAT@Example.ORG \n"
    )
    elsewhere = client_for(server)  # another browser: no cookie of Pat's

    opened = elsewhere.get(second.removeprefix(server.url))
    sent = join_again(server, elsewhere, second, "Patricia")

    assert second != first
    assert opened.status_code == 403
    assert REFUSED in opened.text
    assert sent.status_code == 403  # type: ignore[attr-defined]
    assert participant_count(host, convening.public_id) == 1
    assert attempts(host, convening.public_id)[0].startswith(
        "Pat : through a personal invite link, recognised by their e-mail · 3 tries · "
    )


def test_a_block_follows_the_person_to_a_new_participant_row(
    server: LiveServer, host: Browserish
) -> None:
    convening = planned_convening(host)
    ana = join(server, convening.invite_url, "Ana Blocks", movements="Water")
    bilal = join(server, convening.invite_url, "Bilal Blocked", movements="Water")
    page = f"/c/{convening.public_id}/connections"

    other = public_ids(server, host, convening.public_id)["Bilal Blocked"]

    async def block() -> None:
        socket = await LiveClient.connect(server, f"/ws/live/{convening.public_id}", ana)
        await socket.send({"type": "hello"})
        await socket.next("snapshot")
        await socket.send({"type": "block", "participant": other})
        await socket.next("blocked")
        await socket.close()

    asyncio.run(block())
    # Bilal loses his session (a cleared cookie, an expired one) and joins again, same browser.
    bilal.cookies.delete("crossroads_participant")
    again = join_again(server, bilal, convening.invite_url, "Bilal Again")
    for client in (ana, bilal):
        client.submit(f"{page}/opt-in", {"opt_in": "on"}, form_page=page)
    ana_view = ana.get(page).text
    bilal_view = bilal.get(page).text
    suggested = re.findall(r'<strong class="person-name">([^<]*)</strong>', ana_view)

    assert again.status_code == 200  # type: ignore[attr-defined]
    assert participant_count(host, convening.public_id) == 3  # a new row, not a removal
    assert "Bilal Again" not in suggested
    assert "/introduce" not in bilal_view.split('id="suggestions"')[1].split("</section>")[0]
    assert re.findall(r"/connections/([A-Za-z0-9_-]+)/introduce", ana_view) == []


def test_the_host_renews_the_shared_link_in_the_same_step_as_the_removal(
    server: LiveServer, host: Browserish
) -> None:
    convening = planned_convening(host)
    join(server, convening.invite_url, "Dara Removed")
    console = host.get(f"/host/convenings/{convening.public_id}/live").text

    remove(server, host, convening.public_id, "Dara Removed", renew=True)
    planning = host.get(f"/host/convenings/{convening.public_id}").text
    renewed = re.search(r"(https?://[^\"<\s]+/join/[A-Za-z0-9_-]+)", planning)

    assert 'name="renew_link"' in console
    assert renewed is not None and renewed.group(1) != convening.invite_url
    assert client_for(server).get(convening.invite_url.removeprefix(server.url)).status_code == 404
    assert join(server, renewed.group(1), "Eli New").get("/").status_code == 200


def test_a_person_removed_before_marks_existed_is_still_refused_by_their_email(
    server: LiveServer, host: Browserish
) -> None:
    # Rows that joined before this release have no person mark: their e-mail still counts.
    from sqlalchemy import text

    from tests import database

    convening = planned_convening(host)
    first = personal_link(server, host, convening.public_id, b"name,email\nOld,old@example.org\n")
    join(server, first, "Old")
    database.execute(server.database_url, text("DELETE FROM person_mark"))
    remove(server, host, convening.public_id, "Old")
    second = personal_link(server, host, convening.public_id, b"name,email\nOld,OLD@example.org\n")

    opened = client_for(server).get(second.removeprefix(server.url))

    assert opened.status_code == 403
    assert REFUSED in opened.text


def test_a_removed_person_gets_no_personal_link_to_the_next_call_of_the_series(
    server: LiveServer, host: Browserish
) -> None:
    """Probed after #26 landed: a person who agreed to be recognised in the series and was
    then removed was sent a personal link to the next call, which the host never asked for."""
    convening = planned_convening(host)
    people = {name: join(server, convening.invite_url, name) for name in ("Ana Removed", "Bo")}
    page = f"/c/{convening.public_id}/feedback"
    for name, client in people.items():
        email = f"{name.split()[0].lower()}@example.org"
        client.submit(page, {"series_consent": "on", "series_email": email}, form_page=page)
    remove(server, host, convening.public_id, "Ana Removed")

    feedback = f"/host/convenings/{convening.public_id}/feedback"
    made = host.submit(
        f"/host/convenings/{convening.public_id}/next",
        {"starts_at": "2031-01-10T10:00"},
        form_page=feedback,
    )
    assert made.status_code == 200, made.text
    following = made.url.path.rsplit("/", 1)[-1]
    links = host.get(f"/host/convenings/{following}/personal-links.csv").text
    names = [row["name"] for row in csv.DictReader(io.StringIO(links))]

    assert names == ["Bo"]
