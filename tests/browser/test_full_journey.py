"""The whole journey in real browsers, at a laptop's and a phone's size (#29): the host plans,
invites and starts; two people join, meet, type in their group's notes, the round runs out,
the call ends, they give feedback and read the reflection note.

Every page keeps the strict Content-Security-Policy (no inline styles, no inline scripts):
the test counts the ``securitypolicyviolation`` events each page fires, and the console
errors, and asserts both are zero.

With JOURNEY_SCREENSHOTS=<dir> set, each page is saved there as <size>-<step>.png (how the
pictures in docs/screens/ are made).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.browser.test_foundation_journey import _add_prompt, _add_round, _join
from tests.servers import HOST_PASSWORD, LiveServer, running_server

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}

# Reported to Python from each page as it happens (an exposed binding survives navigations,
# a list kept in the page would not).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ` +
    `${event.sourceFile || location.pathname}:${event.lineNumber} (${event.sample || ""})`
  );
});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("full-journey"))) as live:
        yield live


class Watch:
    """Console errors and CSP violations of every page opened in the contexts it watches."""

    def __init__(self, size: str) -> None:
        self.size = size
        self.errors: list[str] = []
        self.violations: list[str] = []
        self.shots = os.environ.get("JOURNEY_SCREENSHOTS")
        self.expected_failures: set[str] = set()  # addresses visited to see their error page

    def context(self, new_context: Callable[..., BrowserContext], **options: object) -> Page:
        context = new_context(viewport=SIZES[self.size], **options)
        context.expose_function("reportCspViolation", lambda text: self.violations.append(text))
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and message.location.get("url") not in self.expected_failures:
            self.errors.append(f"{message.location.get('url')}: {message.text}")

    def shot(self, page: Page, step: str) -> None:
        if self.shots:
            page.evaluate("window.scrollTo(0, 0)")  # a reload keeps the old scroll position
            page.wait_for_timeout(300)  # let late layout (fonts, the editor) settle
            page.screenshot(path=str(Path(self.shots) / f"{self.size}-{step}.png"))


def _type_in_notes(page: Page, text: str) -> None:
    """Type in the group's notes, in the editor the round screen holds."""
    notes = page.locator("[data-live-notes]")
    expect(notes).to_be_visible()
    expect(notes).to_have_attribute("data-online", "yes")
    editor = notes.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+End")  # after what the partner wrote, not inside it
    page.keyboard.type(text)
    expect(editor).to_contain_text(text)
    expect(notes).to_have_attribute("data-pending", "0")  # the server acknowledged it


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_whole_journey_has_no_console_errors_and_no_csp_violations(
    server: LiveServer, new_context: Callable[..., BrowserContext], size: str
) -> None:
    watch = Watch(size)
    anonymous = watch.context(new_context)
    anonymous.goto(f"{server.url}/login")
    watch.shot(anonymous, "01-login")
    watch.expected_failures.add(f"{server.url}/join/not-a-real-token")
    anonymous.goto(f"{server.url}/join/not-a-real-token")
    expect(anonymous.get_by_role("heading", level=1)).to_be_visible()
    watch.shot(anonymous, "02-error")

    # The host plans: a convening, one round of pairs with a prompt.
    host = watch.context(new_context)
    host.goto(f"{server.url}/login")
    host.fill("#email", "host@example.org")
    host.fill("#password", HOST_PASSWORD)
    host.get_by_role("button", name="Log in").click()
    expect(host).to_have_url(f"{server.url}/host")
    host.get_by_role("button", name="Plan a new convening").click()
    watch.shot(host, "03-new-convening")
    host.fill("#title", f"Where our work meets ({size})")
    host.fill("#starts_at", "2030-05-04T14:00")
    host.fill("#timezone", "America/Bogota")
    host.check("input[name=languages][value=es]")
    host.fill("#code_of_conduct", "Listen generously.")
    host.get_by_role("button", name="Create convening").click()
    expect(host.get_by_role("heading", level=1)).to_have_text(f"Where our work meets ({size})")
    _add_round(host, "Meet someone new", "pairs", "2")
    _add_prompt(host, 0, "What brought you here?", "¿Qué te trajo aquí?")
    host.reload()
    watch.shot(host, "04-convening-plan")
    invite_url = host.input_value("#invite-link")
    public_id = re.sub(r".*/convenings/", "", host.url)
    host.goto(f"{server.url}/host")
    watch.shot(host, "05-dashboard")
    host.goto(f"{server.url}/host/convenings/{public_id}/invitations")
    watch.shot(host, "06-invitations")

    # Two people join through the invite link and wait in the lobby.
    ana = watch.context(new_context)
    ana.goto(invite_url)
    watch.shot(ana, "07-join")
    _join(ana, invite_url, "Ana Alves", "Tierra Viva")
    bilal = watch.context(new_context, locale="es-ES")
    _join(bilal, invite_url, "Bilal", "Tenants Together", button="Unirme", welcome="Hola, {name}.")
    for page in (ana, bilal):
        expect(page.locator("[data-live-participant]")).to_have_attribute("data-online", "yes")
    watch.shot(ana, "08-lobby")

    host.goto(f"{server.url}/host/convenings/{public_id}/live")
    expect(host.locator("[data-console-people]")).to_contain_text("2 of 2")
    host.locator("[data-command=start_round]").click()
    for page, partner in ((ana, "Bilal"), (bilal, "Ana Alves")):
        expect(page.locator(".partner-card h3")).to_have_text(partner)
    watch.shot(host, "09-live-console")
    watch.shot(ana, "10-round")

    # Each types in the group's notes while the round runs.
    _type_in_notes(ana, "Rent strikes work when")
    watch.shot(ana, "11-notes")
    _type_in_notes(bilal, "Las huelgas de alquiler")
    # One block for the pair: each sees what the other wrote.
    expect(ana.locator("[data-live-notes] .cm-content")).to_contain_text("Las huelgas de alquiler")
    expect(bilal.locator("[data-live-notes] .cm-content")).to_contain_text("Rent strikes work when")

    host.get_by_role("button", name="End the round now").click()
    expect(ana.locator("[data-live-participant]")).to_have_attribute("data-phase", "wrap_up")
    watch.shot(ana, "12-wrap-up")
    host.on("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="End the call and all rounds").click()
    for page in (ana, bilal):
        expect(page.locator("[data-live-participant]")).to_have_attribute("data-phase", "ended")
        # Nothing stale: no clock, no help button, no "N people are here", no "You meet".
        expect(page.locator("[data-live-clock]")).to_be_hidden()
        expect(page.locator("[data-live-help]")).to_be_hidden()
        expect(page.locator("#people")).to_be_hidden()
        expect(page.locator(".partner-card")).to_have_count(0)
        expect(page.locator("[data-live-announce]")).not_to_contain_text("You are meeting")
    watch.shot(ana, "13-call-ended")

    # After the call: feedback, the follow-up, and the reflection note.
    ana.get_by_role("button", name="Give feedback").click()
    expect(ana).to_have_url(re.compile(r"/feedback$"))
    watch.shot(ana, "14-feedback")
    ana.locator("input[type=radio]").first.check()
    ana.get_by_role("button", name="Send my feedback").click()
    expect(ana.locator(".saved")).to_be_visible()
    ana.goto(f"{server.url}/c/{public_id}/connections")
    watch.shot(ana, "15-follow-up")

    host.goto(f"{server.url}/host/convenings/{public_id}/reflection")
    host.get_by_role("button", name="Draft the reflection note").click()
    expect(host.locator(".reflection-section").first).to_be_visible()
    watch.shot(host, "16-reflection-editor")
    host.get_by_role("button", name="Publish to participants").click()
    expect(host.get_by_role("button", name="Withdraw from participants")).to_be_visible()
    ana.goto(f"{server.url}/c/{public_id}/reflection")
    expect(ana.locator("article.reflection")).to_be_visible()
    watch.shot(ana, "17-reflection")

    assert watch.violations == []
    assert watch.errors == []
