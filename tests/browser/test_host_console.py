"""The host console that guides (#29), in real Chromium: the host moves a person in the next
round's preview and Start puts them there; a call for help is joined (the host's browser
connects to the caller's in the group call) and resolved (the caller sees the notice)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_live_round import browser_for, open_lobby
from tests.integration.conftest import create_convening, join, login
from tests.integration.live_clients import add_round
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser

HOST_PEER_STATE = """() => {
  const call = window.crossroadsCall;
  const peer = call && call.peers.get("host");
  return peer ? peer.pc.connectionState : "none";
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("host-console-browser"))) as server:
        yield server


def watch_errors(page: Page, errors: list[str]) -> None:
    page.on(
        "console",
        lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))


def _shoot(console: Page, name: str) -> None:
    if shots := os.environ.get("CONSOLE_SCREENSHOTS"):
        for label, size in (("desktop", (1280, 800)), ("phone", (375, 812))):
            console.set_viewport_size({"width": size[0], "height": size[1]})
            console.wait_for_timeout(300)
            console.screenshot(path=str(Path(shots) / f"{name}-{label}.png"), full_page=True)
            width = console.evaluate("document.documentElement.scrollWidth")
            assert width <= size[0], f"the console is {width} px wide at {size[0]} px"
        console.set_viewport_size({"width": 1280, "height": 800})


def test_host_moves_a_person_in_the_preview_and_joins_and_resolves_a_call_for_help(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    errors: list[str] = []
    host = login(server, "host@example.org")
    convening = create_convening(host, "Console test")
    add_round(host, convening.public_id, kind="pairs", size=2)
    add_round(host, convening.public_id, kind="pairs", size=2)
    people = [join(server, convening.invite_url, f"Guest {i}") for i in range(4)]
    pages = [
        open_lobby(browser_for(c, server, new_context), server, convening.public_id) for c in people
    ]
    for page in pages:
        watch_errors(page, errors)
    console = browser_for(host, server, new_context)
    watch_errors(console, errors)
    console.set_viewport_size({"width": 1280, "height": 800})
    console.goto(f"{server.url}/host/convenings/{convening.public_id}/live")

    # The next round's groups, before Start: two pairs of the four people here.
    preview = console.locator("[data-console-preview]")
    expect(preview).to_be_visible()
    expect(preview.locator("[data-preview-person]")).to_have_count(4)
    expect(preview.locator("[data-preview-group]")).to_have_count(2)
    # Before Start nothing of a running round is offered.
    expect(console.locator("[data-command=extend]").first).to_be_disabled()
    expect(console.locator("[data-command=end_round]")).to_be_disabled()
    expect(console.locator("[data-console-move]")).to_be_hidden()

    mover = preview.locator('[data-preview-group="1"] [data-preview-person]').first
    mover_id = mover.get_attribute("data-preview-person")
    console.select_option("#preview-person", mover_id)
    console.select_option("#preview-group", "2")
    console.get_by_role("button", name="Move", exact=True).first.click()
    moved_in = preview.locator(f'[data-preview-group="2"] [data-preview-person="{mover_id}"]')
    expect(moved_in).to_be_visible()
    expect(preview.locator("[data-preview-news]")).to_contain_text("Start will use these groups")
    expect(preview.locator('[data-preview-group="2"] [data-preview-person]')).to_have_count(3)
    trio_ids = {
        x.get_attribute("data-preview-person")
        for x in preview.locator('[data-preview-group="2"] [data-preview-person]').all()
    }
    _shoot(console, "host-console-preview")

    console.locator("[data-command=start_round]").click()
    expect(console.locator("[data-console-status]")).to_have_text("The round has started.")
    # The preview now shows the next round's groups (round 2), moves cleared.
    expect(preview.locator(".preview-moved")).to_have_count(0)
    # Start put the mover exactly where the host did: with the other two of group 2.
    for page in pages:
        expect(page.locator(".live-group")).to_be_visible()

    def partners(page: Page) -> set[str]:
        return {str(x.get_attribute("data-partner")) for x in page.locator("[data-partner]").all()}

    in_trio = [p for p in pages if len(partners(p)) == 2]
    assert len(in_trio) == 3
    for page in in_trio:
        assert partners(page) < trio_ids
    caller = in_trio[0]
    caller_id = (trio_ids - partners(caller)).pop()

    # A call for help: the caller is in the call; the host joins the group, then resolves.
    caller.locator("[data-call-join]").click()
    caller.locator("[data-live-help]").click()
    help_item = console.locator("[data-console-help] li")
    expect(help_item).to_have_count(1)
    help_item.locator("[data-help-join]").click()
    expect(console.locator("[data-console-visit]")).to_be_visible()
    expect(console.locator("#visit-heading")).to_contain_text("You are in group")
    expect(caller.locator('[data-notice="host-visit"]')).to_contain_text("(host) is joining")
    # The host's browser and the caller's connect in the group's call (WebRTC, fake media).
    for _ in range(80):
        if caller.evaluate(HOST_PEER_STATE) == "connected":
            break
        caller.wait_for_timeout(250)
    assert caller.evaluate(HOST_PEER_STATE) == "connected"
    _shoot(console, "host-console-help")
    help_item.locator("[data-help-resolve]").click()
    notice = caller.get_by_role("status").locator(".notice", has_text="resolved")
    expect(notice).to_be_visible()
    expect(console.locator("[data-console-help] li")).to_have_count(0)
    notice.get_by_role("button", name="Dismiss this message").click()
    expect(caller.locator(".notice", has_text="resolved")).to_have_count(0)

    # Muting the caller's microphone: their client obeys and says so; they can unmute.
    console.select_option("#mute-audio-person", caller_id)
    console.get_by_role("button", name="Mute their microphone").click()
    expect(caller.locator('[data-notice="audio-muted"]')).to_contain_text(
        "The host muted your microphone"
    )
    expect(caller.get_by_role("button", name="Unmute")).to_be_visible()
    caller.get_by_role("button", name="Unmute").click()
    expect(caller.locator("[data-call-muted]")).to_be_hidden()

    # After the call ends, a call for help is no longer offered.
    console.once("dialog", lambda dialog: dialog.accept())
    console.locator("[data-command=end_call]").click()
    expect(caller.locator("[data-live-help]")).to_be_hidden()
    assert errors == []
