"""A live round in real browsers: a host console and six participants in separate contexts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.integration.conftest import Browserish, join, login
from tests.integration.live_clients import planned_convening
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(
        Path(tmp_path_factory.mktemp("live-browser")), partner_grace_seconds="1.5"
    ) as server:
        yield server


def browser_for(
    client: Browserish, server: LiveServer, new_context: Callable[..., BrowserContext]
) -> Page:
    """A browser context carrying the session an HTTP client got by logging in or joining."""
    context = new_context()
    context.add_cookies(
        [
            {"name": name, "value": value, "url": server.url}
            for name, value in client.cookies.items()
        ]
    )
    return context.new_page()


def open_lobby(page: Page, server: LiveServer, public_id: str) -> Page:
    page.goto(f"{server.url}/c/{public_id}/lobby")
    expect(page.locator("[data-live-participant]")).to_have_attribute("data-online", "yes")
    return page


def test_host_runs_a_round_for_six_people_with_late_join_drop_broadcast_and_reconnect(
    live: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    host_client = login(live, "host@example.org")
    convening = planned_convening(host_client)
    people = [
        join(live, convening.invite_url, f"Person {i}", about=f"I organise tenants in city {i}")
        for i in range(6)
    ]
    late_client = join(live, convening.invite_url, "Late Lou")

    pages = [
        open_lobby(browser_for(c, live, new_context), live, convening.public_id) for c in people
    ]
    console = browser_for(host_client, live, new_context)
    console.goto(f"{live.url}/host/convenings/{convening.public_id}/live")
    expect(console.locator("[data-console-people]")).to_have_text("6 of 7 connected")

    console.get_by_role("button", name="Start: pairs round").click()
    for page in pages:
        expect(page.locator(".partner-card")).to_have_count(1)
        expect(page.locator(".partner-card h3")).to_contain_text("Person")
        expect(page.locator("[data-live-clock]")).to_contain_text("Time left: 9:")
        expect(page.locator(".live-prompts li")).to_have_text(["What brought you here?"])
        # The pairing is announced to screen readers too.
        expect(page.locator("[data-live-announce]")).to_contain_text("You are meeting Person")
    expect(console.locator("[data-console-groups] tr")).to_have_count(3)

    # Person 0 leaves; after the grace period their partner joins another pair.
    partner_name = pages[0].locator(".partner-card h3").inner_text()
    partner = pages[int(partner_name.rsplit(" ", 1)[1])]
    pages[0].context.close()
    expect(partner.locator(".partner-card")).to_have_count(2, timeout=20_000)
    expect(partner.locator(".partner-card h3", has_text="Person 0")).to_have_count(0)

    # Someone joins late and is placed at once with the remaining pair.
    late = open_lobby(browser_for(late_client, live, new_context), live, convening.public_id)
    expect(late.locator(".partner-card")).to_have_count(2)

    # A broadcast reaches everyone still here.
    console.fill("#broadcast-text", "Two minutes to go: note one idea in the shared notes.")
    console.get_by_role("button", name="Send").click()
    for page in [*pages[1:], late]:
        expect(page.locator(".broadcast")).to_have_text(
            "Two minutes to go: note one idea in the shared notes."
        )

    # A dropped socket reconnects by itself and the view comes back from the server.
    page = pages[1]
    before = page.locator(".partner-card h3").all_inner_texts()
    page.evaluate("window.crossroadsLive.drop()")
    expect(page.locator("[data-live-participant]")).to_have_attribute("data-online", "no")
    expect(page.locator("[data-live-participant]")).to_have_attribute(
        "data-online", "yes", timeout=20_000
    )
    expect(page.locator(".partner-card h3")).to_have_text(before)

    # The host ends the round: groups get a soft wrap-up, not a cut.
    console.get_by_role("button", name="End the round now").click()
    expect(pages[2].locator("[data-live-clock]")).to_contain_text("Time to wrap up")
    expect(pages[2].locator(".partner-card")).not_to_have_count(0)
