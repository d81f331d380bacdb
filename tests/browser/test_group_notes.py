"""Each group's notes on the round screen (#29): real uvicorn, real Chromium, real CRDT.

A round of two pairs starts; each person's round screen shows their group's block of the
round's prompt in an editor. Text typed in one group's block appears in that group's other
member's editor and in no other group's; in Chatham House mode the block is headed "Group N",
never by names. No console errors (a CSP violation is one) along the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.integration.conftest import Browserish, create_convening, join, login
from tests.integration.live_clients import add_round
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("group-notes"))) as live:
        yield live


def watch_errors(page: Page, errors: list[str]) -> None:
    page.on(
        "console",
        lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))


def open_as(
    new_context: Callable[..., BrowserContext],
    server: LiveServer,
    client: Browserish,
    path: str,
    errors: list[str],
) -> Page:
    context = new_context(viewport=LAPTOP)
    context.add_cookies(
        [{"name": k, "value": v, "url": server.url} for k, v in client.cookies.items()]
    )
    page = context.new_page()
    watch_errors(page, errors)
    page.goto(f"{server.url}{path}")
    return page


def start_round(
    new_context: Callable[..., BrowserContext],
    server: LiveServer,
    privacy_mode: str,
    names: list[str],
    errors: list[str],
) -> tuple[Browserish, str, list[Browserish], list[Page]]:
    host = login(server, "host@example.org")
    convening = create_convening(host, f"Group notes ({privacy_mode})", privacy_mode=privacy_mode)
    add_round(host, convening.public_id, kind="pairs", size=2)
    people = [join(server, convening.invite_url, name) for name in names]
    pages = []
    for client in people:
        page = open_as(new_context, server, client, f"/c/{convening.public_id}/lobby", errors)
        expect(page.locator("[data-live-participant]")).to_have_attribute("data-online", "yes")
        pages.append(page)
    console = open_as(
        new_context, server, host, f"/host/convenings/{convening.public_id}/live", errors
    )
    expect(console.locator("[data-console-people]")).to_have_text(
        f"{len(people)} of {len(people)} connected"
    )
    console.get_by_role("button", name="Start: ").first.click()
    for page in pages:
        expect(page.locator("[data-live-notes] .cm-content")).to_have_count(1)
        expect(page.locator("[data-live-notes]")).to_have_attribute("data-online", "yes")
    return host, convening.public_id, people, pages


def group_of(page: Page) -> str:
    return page.locator("[data-live-stage] [data-group]").get_attribute("data-group") or ""


def test_text_typed_in_a_groups_block_reaches_its_other_member_and_no_other_group(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    errors: list[str] = []
    names = ["Amina Okafor", "Bruno Lima", "Chloé Martin", "Dev Patel"]
    _host, room, people, pages = start_round(new_context, server, "named", names, errors)
    groups = [group_of(p) for p in pages]
    assert len(set(groups)) == 2, groups
    a = 0
    mate = next(i for i in range(4) if i != a and groups[i] == groups[a])
    others = [i for i in range(4) if groups[i] != groups[a]]

    # The block is headed by its members' names.
    heading = pages[a].locator("[data-live-notes-heading]")
    expect(heading).to_contain_text(names[a])
    expect(heading).to_contain_text(names[mate])

    editor = pages[a].locator("[data-live-notes] .cm-content")
    editor.click()
    pages[a].keyboard.type("Rent strikes worked in Lagos")
    expect(pages[mate].locator("[data-live-notes] .cm-content")).to_contain_text(
        "Rent strikes worked in Lagos"
    )
    pages[others[0]].locator("[data-live-notes] .cm-content").click()
    pages[others[0]].keyboard.type("Our own block")
    expect(pages[others[1]].locator("[data-live-notes] .cm-content")).to_contain_text(
        "Our own block"
    )
    expect(pages[a].locator("[data-live-notes]")).to_have_attribute("data-pending", "0")
    expect(pages[others[0]].locator("[data-live-notes]")).to_have_attribute("data-pending", "0")
    for i in others:
        expect(pages[i].locator("[data-live-notes] .cm-content")).not_to_contain_text("Lagos")
    expect(pages[mate].locator("[data-live-notes] .cm-content")).not_to_contain_text("Our own")

    # Authorship: the text carries its writer's colour class, and their name on hover.
    piece = pages[mate].locator("[data-live-notes] .cm-author").first
    expect(piece).to_have_attribute("title", names[a])
    assert "cm-author-" in (piece.get_attribute("class") or "")
    # A proportional font, not CodeMirror's monospace.
    font = (
        pages[a]
        .locator("[data-live-notes] .cm-scroller")
        .evaluate("e => getComputedStyle(e).fontFamily")
    )
    assert "monospace" not in font.lower(), font

    # Everyone reads every block: the full read-only page has both, folded, headed by names.
    read = people[others[0]].get(f"/c/{room}/notes/read").text
    assert "Rent strikes worked in Lagos" in read and "Our own block" in read
    assert f"<summary>{names[a]}, {names[mate]}</summary>" in read or (
        f"<summary>{names[mate]}, {names[a]}</summary>" in read
    )
    assert '<details class="notes-block" data-block-text open' not in read  # folded
    assert errors == []


def test_chatham_house_blocks_are_headed_by_group_number_not_names(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    errors: list[str] = []
    names = ["Elif Kaya", "Femi Adeyemi"]
    host, room, people, pages = start_round(new_context, server, "chatham_house", names, errors)
    number = group_of(pages[0])
    for page in pages:
        heading = page.locator("[data-live-notes-heading]")
        expect(heading).to_have_text(f"Notes: Group {number}")
    pages[0].locator("[data-live-notes] .cm-content").click()
    pages[0].keyboard.type("Said under the rule")
    expect(pages[1].locator("[data-live-notes] .cm-content")).to_contain_text("Said under the rule")
    expect(pages[0].locator("[data-live-notes]")).to_have_attribute("data-pending", "0")
    # A host joins the group's notes by a link to its block: it opens unfolded, and what the
    # host writes there reaches the group's round screens.
    section = (
        pages[0].locator("[data-live-notes-blocks] [data-section]").get_attribute("data-section")
    )
    assert section is not None
    anchor = section.replace(":", "-")
    host_page = open_as(
        new_context, server, host, f"/host/convenings/{room}/notes#{anchor}", errors
    )
    block = host_page.locator(f"details[id='{anchor}']")
    expect(block).to_have_attribute("open", "")
    expect(block.locator(".cm-content")).to_contain_text("Said under the rule")
    block.locator(".cm-content").click()
    host_page.keyboard.press("End")
    host_page.keyboard.type(" (host)")
    pages[1].wait_for_function(
        "s => window.crossroadsNotes.doc.getText(s).toString() === 'Said under the rule (host)'",
        arg=section,
    )
    read = people[1].get(f"/c/{room}/notes/read").text
    assert f"<summary>Group {number}</summary>" in read
    host_html = host.get(f"/host/convenings/{room}/notes").text
    export = host.get(f"/host/convenings/{room}/notes.md").text
    for text in (read, host_html, export):
        for name in names:
            assert name not in text
    assert f"### Group {number}" in export
    assert errors == []
