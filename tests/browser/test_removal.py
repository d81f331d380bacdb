"""The removal dialog in a real browser (#26): remove a person and renew the shared invite
link in one step; the removed browser is then refused by the new link as by the old."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Dialog, expect

from tests.browser.test_live_round import browser_for, open_lobby
from tests.integration.conftest import client_for, join, login
from tests.integration.live_clients import planned_convening
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("removal-browser"))) as server:
        yield server


def test_the_host_removes_a_person_and_renews_the_shared_link_from_one_dialog(
    live: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    host_client = login(live, "host@example.org")
    convening = planned_convening(host_client)
    removed = join(live, convening.invite_url, "Rae Removed")
    join(live, convening.invite_url, "Sam Stays")
    person = open_lobby(browser_for(removed, live, new_context), live, convening.public_id)
    console = browser_for(host_client, live, new_context)
    console.goto(f"{live.url}/host/convenings/{convening.public_id}/live")
    expect(console.locator("[data-console-people]")).to_contain_text("of 2 connected")
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    console.on("dialog", answer)
    form = console.locator("[data-console-remove]")
    form.locator("select").select_option(label="Rae Removed")
    form.get_by_label(re.compile("Also renew the shared invite link")).check()
    form.get_by_role("button", name="Remove").click()

    expect(person.locator("[data-live-status]")).not_to_be_empty(timeout=15_000)
    planning = host_client.get(f"/host/convenings/{convening.public_id}").text
    renewed = re.search(r"(https?://[^\"<\s]+/join/[A-Za-z0-9_-]+)", planning)
    assert asked == [
        "Remove Rae Removed from the call and renew the shared invite link? They cannot come "
        "back, and the old shared link stops working for everyone."
    ]
    assert renewed is not None and renewed.group(1) != convening.invite_url
    assert client_for(live).get(convening.invite_url).status_code == 404
    # The removed browser is refused by the new link too (its marker cookie).
    assert removed.get(renewed.group(1)).status_code == 403
