"""Chat and agenda one tap away on a 375x812 phone in a round (#29): two tabs at the foot
of the screen, in the first viewport, covering none of the round's essentials; a tap opens
each as a sheet over the page (one at a time) without scrolling or moving the essentials.
No console errors or CSP violations along the way.

With ROUND_SCREENSHOTS=<dir> set, the phone with its chat sheet open is saved there as
round-phone-chat.png (how docs/screens/round-phone-chat.png is made)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.axe import audit, serious
from tests.browser.test_round_screen import SIZES, in_viewport, watch_errors
from tests.integration.conftest import create_convening, join, login
from tests.integration.live_clients import add_round
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("round-panels"))) as live:
        yield live


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return found


def settled(page: Page, essentials: dict[str, Locator]) -> dict[str, dict[str, float]]:
    """Where each essential is, once two looks 300 ms apart agree (the live page re-renders
    on each snapshot, and the call's tiles settle as their video starts)."""
    last: dict[str, dict[str, float]] = {}
    for _ in range(20):
        now = {what: box(locator) for what, locator in essentials.items()}
        if now == last:
            return now
        last = now
        page.wait_for_timeout(300)
    raise AssertionError(f"the round screen never settled: {last}")


def above(page: Page, locator: Locator, tabs_top: float, what: str) -> None:
    """In the first viewport and wholly above the tabs: not hidden under them."""
    in_viewport(page, locator, what)
    bottom = box(locator)["y"] + box(locator)["height"]
    assert bottom <= tabs_top + 0.5, f"{what} runs under the tabs ({bottom} > {tabs_top})"


def test_chat_and_agenda_are_tabs_that_open_sheets_over_the_round_on_a_phone(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    errors: list[str] = []
    host = login(server, "host@example.org")
    convening = create_convening(host, "Phone panels")
    add_round(host, convening.public_id, kind="pairs", size=2)
    pages: list[Page] = []
    for name in ("Amina Okafor", "Bruno Lima"):
        client = join(server, convening.invite_url, name, organisation="Renters United")
        # Bruno's page lets axe in (bypass_csp); Amina's keeps the strict CSP.
        context = new_context(viewport=SIZES["phone"], bypass_csp=name == "Bruno Lima")
        context.add_cookies(
            [{"name": k, "value": v, "url": server.url} for k, v in client.cookies.items()]
        )
        page = context.new_page()
        watch_errors(page, errors)
        page.goto(f"{server.url}/c/{convening.public_id}/lobby")
        expect(page.locator("[data-live-participant]")).to_have_attribute("data-online", "yes")
        pages.append(page)
    phone = pages[0]
    # In the lobby the agenda is part of the page, open, not a tab.
    expect(phone.locator("[data-live-agenda-panel] ol")).to_be_visible()
    assert box(phone.locator("[data-live-agenda-panel] summary"))["width"] > 300

    console_context = new_context()
    console_context.add_cookies(
        [{"name": k, "value": v, "url": server.url} for k, v in host.cookies.items()]
    )
    console = console_context.new_page()
    console.goto(f"{server.url}/host/convenings/{convening.public_id}/live")
    expect(console.locator("[data-console-people]")).to_have_text("2 of 2 connected")
    console.locator("[data-command=start_round]").click()
    for page in pages:
        page.get_by_role("button", name="Join the call").click()
    expect(phone.locator("video[data-call-peer]")).to_have_count(1)

    chat = phone.locator("[data-call-chat] > summary")
    agenda = phone.locator("[data-live-agenda-panel] > summary")
    for tab, what in ((chat, "the chat tab"), (agenda, "the agenda tab")):
        in_viewport(phone, tab, what)
        assert abs(box(tab)["y"] + box(tab)["height"] - 812) < 1, f"{what} is not at the foot"
    assert box(chat)["y"] == box(agenda)["y"] and box(chat)["x"] < box(agenda)["x"]
    tabs_top = box(chat)["y"]
    essentials = {
        "the partner's name": phone.locator(".partner-card h3"),
        "the countdown": phone.locator("[data-live-clock]"),
        "the prompt": phone.locator(".live-prompts li").first,
        "the mute button": phone.get_by_role("button", name="Mute"),
        "the leave button": phone.get_by_role("button", name="Leave the call"),
        "the group's notes": phone.locator("[data-live-notes]"),
    }
    for what, locator in essentials.items():
        above(phone, locator, tabs_top, what)
    # One tap: the agenda, a sheet above the tabs, over the page: nothing in it moves.
    before = settled(phone, essentials)
    agenda.click()
    sheet = phone.locator("[data-live-agenda-panel] ol[data-live-agenda]")
    in_viewport(phone, sheet, "the agenda")
    expect(sheet).to_contain_text("What brought you here?")
    assert box(sheet)["y"] + box(sheet)["height"] <= tabs_top + 0.5
    assert {what: box(locator) for what, locator in essentials.items()} == before
    # One tap: the chat; the agenda folds (one sheet at a time).
    chat.click()
    message = phone.get_by_label("Message to your group")
    in_viewport(phone, message, "the chat's message field")
    expect(phone.locator("[data-live-agenda-panel]")).not_to_have_attribute("open", "")
    message.fill("Hello from the phone")
    message.press("Enter")
    expect(pages[1].locator("[data-chat-log]")).to_contain_text("Hello from the phone")
    if shots := os.environ.get("ROUND_SCREENSHOTS"):
        phone.wait_for_timeout(1000)  # let the fake camera's frames reach the tiles
        phone.screenshot(path=str(Path(shots) / "round-phone-chat.png"))
    # Closed again: the essentials are all in view above the tabs, the page not scrolled.
    # (Not compared with before to the pixel: the call's bar gains a line when its
    # connection quality is first measured, whatever the sheets do.)
    chat.click()
    expect(phone.locator("[data-call-chat]")).not_to_have_attribute("open", "")
    for what, locator in essentials.items():
        above(phone, locator, tabs_top, what)
    assert phone.evaluate("[window.scrollX, window.scrollY]") == [0, 0]
    # With a sheet open, the round screen still passes axe.
    pages[1].locator("[data-live-agenda-panel] > summary").click()
    expect(pages[1].locator("[data-live-agenda-panel] ol[data-live-agenda]")).to_be_visible()
    assert serious(audit(pages[1])) == []

    assert errors == []
