"""Shared notes in real browsers: four people type at once and converge; offline edits merge."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_live_round import browser_for
from tests.integration.conftest import join, login
from tests.integration.live_clients import planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def notes_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("notes-browser"))) as server:
        yield server


def shared_text(page: Page, section: str | None) -> str:
    return str(page.evaluate("(s) => window.crossroadsNotes.doc.getText(s).toString()", section))


def editor(page: Page, index: int = 0):  # type: ignore[no-untyped-def]
    return page.locator(".notes-editor .cm-content").nth(index)


def test_four_writers_converge_and_offline_edits_merge(
    notes_site: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    host = login(notes_site, "host@example.org")
    convening = planned_convening(host, rounds=1)
    people = [join(notes_site, convening.invite_url, f"Writer {i}") for i in range(4)]
    pages = []
    for person in people:
        page = browser_for(person, notes_site, new_context)
        page.goto(f"{notes_site.url}/c/{convening.public_id}/notes")
        expect(page.locator("[data-notes]")).to_have_attribute("data-online", "yes")
        pages.append(page)
    expect(page.locator("h3").first).to_have_text("What brought you here?")
    section = page.locator(".notes-editor").first.get_attribute("data-section")

    # Everyone types into the first prompt at the same time. Typing at the same spot may
    # interleave characters (as in any shared editor), so each writer types only their digit:
    # convergence means one identical text holding every keystroke of every writer.
    for i, page in enumerate(pages):
        editor(page).click()
        page.keyboard.type(str(i) * 15)
    for page in pages:
        expect(editor(page)).to_contain_text("3", timeout=10_000)
    page_texts = [shared_text(page, section) for page in pages]
    for _ in range(50):
        if len(set(page_texts)) == 1 and all(page_texts[0].count(str(i)) == 15 for i in range(4)):
            break
        pages[0].wait_for_timeout(200)
        page_texts = [shared_text(page, section) for page in pages]
    assert len(set(page_texts)) == 1
    assert sorted(page_texts[0]) == sorted("0" * 15 + "1" * 15 + "2" * 15 + "3" * 15)
    # Presence: each writer sees the others by name.
    expect(pages[0].locator("[data-notes-presence]")).to_contain_text("Writer 1")

    # One goes offline, keeps typing, and comes back: the text merges everywhere.
    offline = pages[3]
    offline.context.set_offline(True)
    # From the browser's "offline" event: without it the page would notice only after
    # y-websocket's 30 s without a message.
    expect(offline.locator("[data-notes]")).to_have_attribute("data-online", "no", timeout=10_000)
    editor(offline).click()
    offline.keyboard.press("End")
    offline.keyboard.type(" written while offline")
    editor(pages[0]).click()
    pages[0].keyboard.press("End")
    pages[0].keyboard.type(" meanwhile online")
    offline.context.set_offline(False)
    expect(offline.locator("[data-notes]")).to_have_attribute("data-online", "yes", timeout=40_000)
    for page in pages:
        expect(editor(page)).to_contain_text("written while offline")
        expect(editor(page)).to_contain_text("meanwhile online")
    assert len({shared_text(page, section) for page in pages}) == 1
    expect(offline.locator("[data-notes]")).to_have_attribute("data-pending", "0")

    # A pycrdt client (the server's own CRDT library) writes too: the browsers see it.
    token = notes_token(people[0], f"/c/{convening.public_id}/notes")
    prompt = (section or "").removeprefix("prompt:")

    async def from_python() -> None:
        client = await NotesClient.connect(notes_site, convening.public_id, token)
        async with asyncio.timeout(10):
            await client.synced.wait()
        await client.type(prompt, " [typed by pycrdt]")
        await client.wait_acked()
        await client.close()

    # Playwright's sync API owns this thread's event loop: run the client on another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, from_python()).result(timeout=30)
    for page in pages:
        expect(editor(page)).to_contain_text("[typed by pycrdt]")
    assert len({shared_text(page, section) for page in pages}) == 1

    # The host's Markdown export has what everyone wrote.
    export = host.get(f"/host/convenings/{convening.public_id}/notes.md").text
    assert "written while offline" in export and "2" * 3 in export


def test_a_locked_section_shows_its_label_and_a_read_only_editor(
    notes_site: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    host = login(notes_site, "host@example.org")
    convening = planned_convening(host, rounds=1)
    notes_page = f"/host/convenings/{convening.public_id}/notes"
    prompt = str(host.get(notes_page).text.split('data-section="prompt:', 1)[1].split('"', 1)[0])
    locked = host.submit(f"{notes_page}/sections/{prompt}/lock", {}, form_page=notes_page)
    assert locked.status_code == 200
    person = join(notes_site, convening.invite_url, "Latecomer")
    page = browser_for(person, notes_site, new_context)

    page.goto(f"{notes_site.url}/c/{convening.public_id}/notes")
    expect(page.locator("[data-notes]")).to_have_attribute("data-online", "yes")

    label = page.locator("h3", has_text="What brought you here?").locator("[data-locked-label]")
    expect(label).to_be_visible()
    expect(label).to_have_text("Locked")
    expect(editor(page, 0)).to_have_attribute("contenteditable", "false")
    editor(page, 0).click()
    page.keyboard.type("should not land")
    expect(editor(page, 1)).to_have_attribute("contenteditable", "true")  # free notes stay open
    editor(page, 1).click()
    page.keyboard.type("free is open")
    expect(page.locator("[data-notes]")).to_have_attribute("data-pending", "0")
    assert shared_text(page, f"prompt:{prompt}") == ""
    assert shared_text(page, "prompt:free") == "free is open"


def test_remote_cursors_are_coloured_by_class_with_no_csp_errors(
    notes_site: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    """#29: y-codemirror.next coloured the others' cursors with style attributes, which the
    strict CSP refused on every remote keystroke (a console error each time)."""
    host = login(notes_site, "host@example.org")
    convening = planned_convening(host, rounds=1)
    errors: list[str] = []
    pages = []
    for name in ("Ana Writer", "Bo Reader"):
        page = browser_for(join(notes_site, convening.invite_url, name), notes_site, new_context)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{notes_site.url}/c/{convening.public_id}/notes")
        expect(page.locator("[data-notes]")).to_have_attribute("data-online", "yes")
        pages.append(page)
    ana, bo = pages
    editor(bo).click()  # Bo's page has focus too, as a writer's would
    editor(ana).click()
    ana.keyboard.type("Rent strikes work when")
    ana.keyboard.press("Shift+Home")  # a selection as well as a caret
    caret = bo.locator(".cm-ySelectionCaret")
    expect(caret).to_have_count(1, timeout=10_000)
    expect(caret).to_have_class(re.compile(r"cm-ycolour-\d"))
    expect(caret.locator(".cm-ySelectionInfo")).to_have_text("Ana Writer")
    expect(bo.locator(".cm-ySelection")).not_to_have_count(0)
    assert bo.locator("[style*='background-color']").count() == 0
    # The colour comes from the class's rule (a nonced <style>), not from an attribute.
    colour = caret.evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert colour not in ("", "rgba(0, 0, 0, 0)"), colour
    assert errors == []
