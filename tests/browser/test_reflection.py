"""The host edits the reflection note in the browser, section by section, and publishes it (#8)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.integration.test_reflection_pages import Call, typed_call
from tests.servers import HOST_PASSWORD, LiveServer, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Call]]:
    with running_server(Path(tmp_path_factory.mktemp("reflection"))) as server:
        # Typed over real sockets before Playwright opens its event loop in this thread.
        yield server, typed_call(server)


def _log_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", "host@example.org")
    page.fill("#password", HOST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/host")


def test_host_edits_regenerates_and_publishes_the_note_participant_reads_it(
    site: tuple[LiveServer, Call], new_context: Callable[..., BrowserContext]
) -> None:
    server, call = site
    host = new_context().new_page()
    reader = new_context().new_page()
    reader.goto(f"{server.url}/join/{call.invite_token}")
    reader.fill("#display_name", "Chen")
    reader.check("input[name=coc_accepted]")
    reader.get_by_role("button", name="Join").click()
    expect(reader.locator(".reflection-link")).to_have_count(0)
    _log_in(host, server)

    host.goto(f"{server.url}/host/convenings/{call.public_id}")
    host.get_by_role("link", name="Reflection note").click()
    host.get_by_role("button", name="Draft the reflection note").click()
    participation = host.locator('[data-section="participation"]')
    prompt = host.locator(f'[data-section="prompt:{call.prompt_ids[0]}"]')
    expect(participation.locator("textarea")).to_contain_text("People: 3")  # Ana, Bilal and Chen
    drafted_prompt = prompt.locator("textarea").input_value()
    host.evaluate("window.stillThisPage = true")  # gone if the browser loads a new page
    participation.get_by_label("Heading").fill("Who came")
    participation.get_by_label("Text").fill("Edited in the browser.\n\n- two of us")
    participation.get_by_role("button", name="Save this section").click()
    expect(host.locator('[data-section="participation"] .saved')).to_have_text("Saved.")
    prompt.get_by_label("Text").fill("Spoiled by accident")
    prompt.get_by_role("button", name="Save this section").click()
    expect(prompt.locator(".saved")).to_be_visible()
    prompt.get_by_role("button", name="Regenerate this section from the notes").click()
    expect(prompt.locator("textarea")).to_have_value(drafted_prompt)
    same_page = host.evaluate("window.stillThisPage === true")
    host.reload()
    kept = host.locator('[data-section="participation"] textarea').input_value()
    host.get_by_role("button", name="Publish to participants").click()
    expect(host.get_by_role("status").first).to_contain_text("Published")
    reader.reload()
    reader.locator(".reflection-link").click()

    assert same_page
    assert kept == "Edited in the browser.\n\n- two of us"
    expect(reader.get_by_role("heading", name="Who came")).to_be_visible()
    expect(reader.locator("article.reflection")).to_contain_text("Edited in the browser.")
    expect(reader.locator("article.reflection blockquote").first).to_contain_text("Ana Pérez")
