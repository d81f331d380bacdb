"""XSS in real Chromium (#12): a hostile name, chat line, broadcast and note run nowhere.

The server-side suite (tests/integration/test_xss.py) parses the HTML; this one lets the
live views draw it: the partner card, the host console's people and groups, the chat log,
the broadcast banner and the notes editor are built by our TypeScript from socket frames.
``window.__xss`` would be set, or a dialog opened, if any of it became markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.integration.conftest import Browserish, join, login
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=window.__xss=1>"
SCRIPTED = "<script>window.__xss=2</script>"
PROBE = "() => window.__xss === undefined ? null : String(window.__xss)"


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("xss-browser"))) as server:
        yield server


def page_for(
    client: Browserish,
    server: LiveServer,
    new_context: Callable[..., BrowserContext],
    dialogs: list[str],
) -> Page:
    # The CSP (no inline handlers) would stop an injected onerror by itself: it is bypassed
    # here, so that only escaping stands between the payload and window.__xss.
    context = new_context(bypass_csp=True)
    context.add_cookies(
        [{"name": n, "value": v, "url": server.url} for n, v in client.cookies.items()]
    )
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page


def test_xss_hostile_name_chat_broadcast_and_note_stay_text_in_live_views(
    xss_site: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    host = login(xss_site, "host@example.org")
    convening = planned_convening(host, rounds=1)
    pid = convening.public_id
    mallory = join(xss_site, convening.invite_url, HOSTILE, organisation=HOSTILE, about=HOSTILE)
    ana = join(xss_site, convening.invite_url, "Ana")
    dialogs: list[str] = []
    mallory_page = page_for(mallory, xss_site, new_context, dialogs)
    ana_page = page_for(ana, xss_site, new_context, dialogs)
    console = page_for(host, xss_site, new_context, dialogs)
    for page in (mallory_page, ana_page):
        page.goto(f"{xss_site.url}/c/{pid}/lobby")
        expect(page.locator("[data-live-participant]")).to_have_attribute("data-online", "yes")
    console.goto(f"{xss_site.url}/host/convenings/{pid}/live")
    expect(console.locator("[data-console-people]")).to_have_text("2 of 2 connected")

    console.get_by_role("button", name="Start: ").first.click()
    expect(ana_page.locator(".partner-card h3")).to_have_text(HOSTILE)
    expect(ana_page.locator(".partner-card")).to_contain_text(HOSTILE)
    expect(mallory_page.locator(".partner-card h3")).to_have_text("Ana")
    expect(console.get_by_text(HOSTILE).first).to_be_visible()
    # The chat is one tap away (#29): open it first.
    mallory_page.locator("[data-call-chat] summary").click()
    mallory_page.get_by_label("Message to your group").fill(SCRIPTED + HOSTILE)
    mallory_page.get_by_role("button", name="Send", exact=True).click()
    expect(ana_page.locator("[data-chat-log] li")).to_have_text(f"{HOSTILE}: {SCRIPTED}{HOSTILE}")
    console.fill("#broadcast-text", HOSTILE + SCRIPTED)
    console.get_by_role("button", name="Send").click()
    expect(ana_page.locator(".broadcast")).to_have_text(HOSTILE + SCRIPTED)

    # A note typed through the notes socket, then every page that shows user text.
    async def write_note() -> None:
        token = notes_token(mallory, f"/c/{pid}/notes")
        client = await NotesClient.connect(xss_site, pid, token)
        async with asyncio.timeout(10):
            await client.synced.wait()
        await client.type("free", HOSTILE + SCRIPTED)
        await client.wait_acked()
        await client.close()

    # Playwright's sync API owns this thread's event loop: run the client on another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, write_note()).result(timeout=30)
    ana_page.goto(f"{xss_site.url}/c/{pid}/notes")
    expect(ana_page.locator(".notes-editor .cm-content").last).to_contain_text(HOSTILE)

    checked = {
        "partner's notes": ana_page,
        "hostile person's lobby": mallory_page,
        "host console": console,
    }
    seen = {name: page.evaluate(PROBE) for name, page in checked.items()}
    for path, page in (
        (f"/c/{pid}/people", ana_page),
        (f"/c/{pid}/notes/read", ana_page),
        (f"/c/{pid}/lobby", ana_page),
        (f"/host/convenings/{pid}", console),
        (f"/host/convenings/{pid}/notes", console),
        (f"/host/convenings/{pid}/live", console),
    ):
        page.goto(f"{xss_site.url}{path}")
        page.wait_for_load_state("networkidle")
        seen[path] = page.evaluate(PROBE)

    assert seen == dict.fromkeys(seen)
    assert dialogs == []
    expect(ana_page.locator("img[src='x']")).to_have_count(0)
    expect(console.locator("img[src='x']")).to_have_count(0)
