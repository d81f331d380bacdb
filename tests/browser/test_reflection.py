"""The host edits the reflection note in the browser, section by section, and publishes it (#8)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, expect

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


def _watch(page: Page, errors: list[str]) -> None:
    """Console errors and uncaught exceptions; the browser's own favicon probe aside (the
    site serves none, a 404 that is not this page's doing)."""

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))


def _saved(section: Locator) -> None:
    expect(section.get_by_role("status")).to_have_text("Saved")


def test_host_edits_regenerates_and_publishes_the_note_participant_reads_it(
    site: tuple[LiveServer, Call], new_context: Callable[..., BrowserContext]
) -> None:
    """One editor for the whole note (#27): sections save themselves, with no Save button."""
    server, call = site
    host = new_context().new_page()
    reader = new_context().new_page()
    errors: list[str] = []
    for page in (host, reader):
        _watch(page, errors)
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
    takeaways = host.locator('[data-section="takeaways"]')
    prompt = host.locator(f'[data-section="prompt:{call.prompt_ids[0]}"]')
    expect(participation.locator("textarea")).to_contain_text("People: 3")  # Ana, Bilal and Chen
    drafted_prompt = prompt.locator("textarea").input_value()
    save_buttons = host.get_by_role("button", name="Save this section").count()
    host.evaluate("window.stillThisPage = true")  # gone if the browser loads a new page
    participation.get_by_label("Heading").fill("Who came")
    participation.get_by_label("Text").fill("Edited in the browser.\n\n- two of us")
    takeaways.get_by_label("Text").fill("What we take home, typed here.")
    _saved(participation)
    _saved(takeaways)
    host.reload()
    reloaded = (
        participation.get_by_label("Heading").input_value(),
        participation.locator("textarea").input_value(),
        takeaways.locator("textarea").input_value(),
    )
    host.evaluate("window.stillThisPage = true")
    prompt.get_by_label("Text").fill("Spoiled by accident")
    _saved(prompt)
    prompt.get_by_role("button", name="Regenerate this section from the notes").click()
    expect(prompt.locator("textarea")).to_have_value(drafted_prompt)
    same_page = host.evaluate("window.stillThisPage === true")
    host.reload()
    kept = participation.locator("textarea").input_value()
    kept_takeaways = takeaways.locator("textarea").input_value()
    host.get_by_role("button", name="Publish to participants").click()
    expect(host.get_by_role("status").first).to_contain_text("Published")
    reader.reload()
    reader.locator(".reflection-link").click()

    assert save_buttons == 0
    assert reloaded == (
        "Who came",
        "Edited in the browser.\n\n- two of us",
        "What we take home, typed here.",
    )
    assert same_page
    assert kept == "Edited in the browser.\n\n- two of us"
    assert kept_takeaways == "What we take home, typed here."
    expect(reader.get_by_role("heading", name="Who came")).to_be_visible()
    expect(reader.locator("article.reflection")).to_contain_text("Edited in the browser.")
    expect(reader.locator("article.reflection blockquote").first).to_contain_text("Ana Pérez")
    assert errors == []


def test_reader_sees_a_newly_published_version_without_reloading(
    site: tuple[LiveServer, Call], new_context: Callable[..., BrowserContext]
) -> None:
    """The published note polls itself with If-None-Match; a new version is swapped in."""
    server, call = site
    host = new_context().new_page()
    reader = new_context().new_page()
    errors: list[str] = []
    _watch(reader, errors)
    _log_in(host, server)
    base = f"{server.url}/host/convenings/{call.public_id}/reflection"
    host.goto(base)
    if host.get_by_role("button", name="Draft the reflection note").count():  # run alone
        host.get_by_role("button", name="Draft the reflection note").click()
        expect(host.locator('[data-section="takeaways"]')).to_be_visible()
    if host.get_by_role("button", name="Publish to participants").count():
        host.get_by_role("button", name="Publish to participants").click()
    expect(host.get_by_role("status").first).to_contain_text("Published")
    reader.goto(f"{server.url}/join/{call.invite_token}")
    reader.fill("#display_name", "Dana")
    reader.check("input[name=coc_accepted]")
    reader.get_by_role("button", name="Join").click()
    reader.clock.install()  # the poll's timer runs when the test says, not after 20 s
    reader.goto(f"{server.url}/c/{call.public_id}/reflection")
    expect(reader.locator("article.reflection")).not_to_contain_text("Freshly published")
    reader.evaluate("window.stillThisPage = true")

    takeaways = host.locator('[data-section="takeaways"]')
    takeaways.get_by_label("Text").fill("Freshly published words.")
    _saved(takeaways)
    reader.clock.run_for(25_000)

    expect(reader.locator("article.reflection")).to_contain_text("Freshly published words.")
    expect(reader.get_by_role("status")).to_have_text("A newer version of the note is shown.")
    assert reader.evaluate("window.stillThisPage === true")
    assert errors == []
