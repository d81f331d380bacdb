"""A host edits a round and a prompt in place while a person waits in the lobby, and the
person's agenda changes without a reload (#31): real Chromium for both, a real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.test_live_round import browser_for, open_lobby
from tests.integration.conftest import join, login
from tests.integration.live_clients import planned_convening
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("agenda-edits"))) as server:
        yield server


def test_round_and_prompt_edits_reach_the_lobby(
    live: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    host_client = login(live, "host@example.org")
    convening = planned_convening(host_client, rounds=1)
    person = join(live, convening.invite_url, "Waiting Wanda")
    lobby = open_lobby(browser_for(person, live, new_context), live, convening.public_id)
    agenda = lobby.locator("ol[data-live-agenda]")
    expect(agenda.locator("li > strong")).to_have_text(["pairs round"])
    expect(agenda.locator("ul li")).to_have_text(["What brought you here?"])
    errors: list[str] = []
    lobby.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    host = browser_for(host_client, live, new_context)
    host.goto(f"{live.url}/host/convenings/{convening.public_id}")
    round_ = host.locator("li.round").first
    round_.locator("details.edit-round summary").click()
    round_.get_by_label("Title (optional)").fill("Meet someone new")
    round_.get_by_label("Minutes").fill("15")
    round_.get_by_role("button", name="Save round").click()
    expect(host.locator("li.round header strong").first).to_have_text("Meet someone new")

    expect(agenda.locator("li > strong")).to_have_text(["Meet someone new"])
    expect(agenda.locator("li").first).to_contain_text("15 minutes")

    prompt = host.locator("li.prompt").first
    prompt.locator("details.edit-prompt summary").click()
    prompt.get_by_label("Prompt in English").fill("What are you working on this month?")
    prompt.get_by_role("button", name="Save prompt").click()

    expect(agenda.locator("ul li")).to_have_text(["What are you working on this month?"])
    assert errors == []
