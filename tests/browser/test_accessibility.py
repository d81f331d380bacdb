"""Accessibility: axe-core on every page, and the participant journey by keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import audit, serious
from tests.integration.conftest import create_convening, join, login
from tests.servers import LiveServer, copy_prepared_database, make_server

pytestmark = pytest.mark.browser


SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}


def _planned(server: LiveServer) -> tuple[str, str]:
    """A planned convening (a round, a prompt) with Bilal in the lobby: its id and invite."""
    host = login(server, "host@example.org")
    convening = create_convening(host, "Accessible call")
    base = f"/host/convenings/{convening.public_id}"
    host.submit(
        f"{base}/rounds",
        {"kind": "pairs", "group_size": "2", "duration_minutes": "12"},
        form_page=base,
    )
    (round_id,) = re.findall(r'data-round-id="([^"]+)"', host.get(base).text)
    host.submit(
        f"{base}/rounds/{round_id}/prompts",
        {"text_en": "What brought you here?"},
        form_page=base,
    )
    join(server, convening.invite_url, "Bilal")
    return convening.public_id, convening.invite_url


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str, str]]:
    """A server with a planned convening (two rounds, prompts) and two people in the lobby."""
    server = make_server(tmp_path_factory.mktemp("a11y"))
    copy_prepared_database(server)
    server.start()
    try:
        yield server, *_planned(server)
    finally:
        server.stop()


def _log_in(page: Page, server: LiveServer) -> None:
    from tests.servers import HOST_PASSWORD

    page.goto(f"{server.url}/login")
    page.fill("#email", "host@example.org")
    page.fill("#password", HOST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/host")


# At a laptop's and a phone's size (#29), each on a convening of its own (the walk
# publishes, locks and deletes).
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_page_has_no_serious_axe_violations(
    site: tuple[LiveServer, str, str], new_context: Callable[..., BrowserContext], size: str
) -> None:
    server = site[0]
    public_id, invite_url = _planned(server)
    host = new_context(bypass_csp=True, viewport=SIZES[size]).new_page()
    participant = new_context(bypass_csp=True, viewport=SIZES[size]).new_page()
    found: dict[str, list[str]] = {}

    for path in ("/login", "/join/not-a-real-token", "/privacy"):
        participant.goto(f"{server.url}{path}")
        found[path] = serious(audit(participant))
    _log_in(host, server)
    for path in (
        "/host",
        "/host/convenings/new",
        f"/host/convenings/{public_id}",
        f"/host/convenings/{public_id}/edit",
        f"/host/convenings/{public_id}/live",
        f"/host/convenings/{public_id}/notes",
        f"/host/convenings/{public_id}/reports",
        f"/host/convenings/{public_id}/feedback",
        f"/host/convenings/{public_id}/intersections",
        f"/host/convenings/{public_id}/zoom",
        f"/host/convenings/{public_id}/invitations",
    ):
        host.goto(f"{server.url}{path}")
        found[path] = serious(audit(host))
    participant.goto(invite_url)
    found["/join/<token>"] = serious(audit(participant))
    participant.fill("#display_name", "Ana")
    participant.check("input[name=coc_accepted]")
    participant.get_by_role("button", name="Join").click()
    found["/c/<id>/lobby"] = serious(audit(participant))
    participant.goto(f"{server.url}/c/{public_id}/notes")
    expect(participant.locator("[data-notes]")).to_have_attribute("data-online", "yes")
    found["/c/<id>/notes"] = serious(audit(participant))
    participant.goto(f"{server.url}/c/{public_id}/report")
    found["/c/<id>/report (nobody met yet)"] = serious(audit(participant))
    reflection = f"{server.url}/host/convenings/{public_id}/reflection"
    host.goto(reflection)
    found["/host/convenings/<id>/reflection, empty"] = serious(audit(host))
    host.get_by_role("button", name="Draft the reflection note").click()
    expect(host.locator(".reflection-section").first).to_be_visible()
    found["/host/convenings/<id>/reflection, draft"] = serious(audit(host))
    host.get_by_role("button", name="Publish to participants").click()
    expect(host.get_by_role("button", name="Withdraw from participants")).to_be_visible()
    found["/host/convenings/<id>/reflection, published"] = serious(audit(host))
    host.goto(f"{reflection}/preview")
    found["/host/convenings/<id>/reflection/preview"] = serious(audit(host))
    participant.goto(f"{server.url}/c/{public_id}/reflection")
    expect(participant.locator("article.reflection")).to_be_visible()
    found["/c/<id>/reflection"] = serious(audit(participant))
    participant.goto(f"{server.url}/c/{public_id}/notes/read")
    found["/c/<id>/notes/read"] = serious(audit(participant))
    host.goto(f"{server.url}/host/convenings/{public_id}/notes")
    host.get_by_role("button", name="Lock this section").first.click()
    expect(host.locator("[data-locked-label]").first).to_be_visible()
    found["/host/convenings/<id>/notes (a section locked)"] = serious(audit(host))
    participant.goto(f"{server.url}/c/{public_id}/feedback")
    found["/c/<id>/feedback"] = serious(audit(participant))
    participant.get_by_role("button", name="Send my feedback").click()
    found["/c/<id>/feedback?saved=1"] = serious(audit(participant))
    participant.goto(f"{server.url}/c/{public_id}/connections")
    participant.check("input[name=opt_in]")
    participant.get_by_role("button", name="Save my choice").click()
    found["/c/<id>/connections"] = serious(audit(participant))
    participant.goto(f"{server.url}/c/{public_id}/my-data")
    found["/c/<id>/my-data"] = serious(audit(participant))
    # Creating the next call makes a series, whose page the host then has.
    host.goto(f"{server.url}/host/convenings/{public_id}/feedback")
    host.get_by_role("button", name="Create the next convening").click()
    host.get_by_role("link", name=re.compile("^Series: ")).click()
    found["/host/series/<id>"] = serious(audit(host))
    participant.check("input[name=confirm]")
    participant.get_by_role("button", name="Delete my data").click()
    found["/c/<id>/my-data/delete"] = serious(audit(participant))
    print({page: len(v) for page, v in found.items()})

    assert {page: v for page, v in found.items() if v} == {}


def test_participant_joins_by_keyboard_alone(
    site: tuple[LiveServer, str, str], new_context: Callable[..., BrowserContext]
) -> None:
    _server, _public_id, invite_url = site
    page = new_context().new_page()
    page.goto(invite_url)

    # Tab from the top of the page to the name field, type, and tab on through the form.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(12):
        if page.evaluate("document.activeElement.id") == "display_name":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#display_name")).to_be_focused()
    page.keyboard.type("Keyboard Kim")
    focused: list[str] = []
    for _ in range(30):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.name || document.activeElement.id")
        focused.append(name)
        if name in ("consent_listed", "coc_accepted"):
            page.keyboard.press("Space")
        if name == "coc_accepted":
            break
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Join")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("Welcome, Keyboard Kim.")
    expect(page.locator("#people .person-name", has_text="Keyboard Kim")).to_be_visible()
    assert {"organisation", "languages", "about", "consent_listed", "coc_accepted"} <= set(focused)


# Is the focused element's focus visible? An outline or a focus ring (box-shadow) counts.
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "body";
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== "none";
  return outline || ring ? "" : (el.id || el.name || el.tagName);
}"""


def _tab_to(page: Page, predicate: str, unseen: list[str], limit: int = 40) -> None:
    """Press Tab until ``predicate`` (JS, on document.activeElement) holds; record any stop
    whose focus is not visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        missing = page.evaluate(FOCUS_VISIBLE)
        if missing:
            unseen.append(missing)
        if page.evaluate(f"(el) => {predicate}", page.evaluate_handle("document.activeElement")):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_participant_journey_by_keyboard_reaches_their_partner(
    site: tuple[LiveServer, str, str], new_context: Callable[..., BrowserContext]
) -> None:
    server, public_id, invite_url = site
    # Lina waits in the lobby (any way in will do); Kim does everything by keyboard.
    lina = new_context().new_page()
    lina.goto(invite_url)
    lina.fill("#display_name", "Lina")
    lina.check("input[name=coc_accepted]")
    lina.get_by_role("button", name="Join").click()
    expect(lina.locator("[data-live-participant]")).to_have_attribute("data-online", "yes")
    page = new_context(reduced_motion="reduce", bypass_csp=True).new_page()
    unseen: list[str] = []

    page.goto(invite_url)
    _tab_to(page, "el.classList.contains('skip-link')", unseen)
    page.keyboard.press("Enter")
    _tab_to(page, "el.id === 'display_name'", unseen)
    page.keyboard.type("Keyboard Kim")
    _tab_to(page, "el.name === 'consent_listed'", unseen)
    page.keyboard.press("Space")
    _tab_to(page, "el.name === 'coc_accepted'", unseen)
    page.keyboard.press("Space")
    _tab_to(page, "el.type === 'submit' && el.textContent.trim() === 'Join'", unseen)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Welcome, Keyboard Kim.")
    live = page.locator("[data-live-participant]")
    expect(live).to_have_attribute("data-online", "yes")

    host = new_context().new_page()
    _log_in(host, server)
    host.goto(f"{server.url}/host/convenings/{public_id}/live")
    expect(host.locator("[data-console-people]")).to_contain_text("2 of")
    host.locator("[data-command=start_round]").click()

    expect(page.locator("[data-partner] h3")).to_have_text("Lina")
    expect(page.locator("[data-live-announce]")).to_have_text("You are meeting Lina.")
    _tab_to(page, "el.closest('[data-partner]') !== null", unseen)
    expect(
        page.get_by_role("button", name="Block Lina: never put us together again")
    ).to_be_focused()
    page.keyboard.press("Tab")
    expect(
        page.get_by_role("link", name="Report Lina to the hosts (opens a new tab)")
    ).to_be_focused()
    assert unseen == []
    # Reduced motion is honoured: Pico's transitions are off.
    duration = page.evaluate(
        "getComputedStyle(document.querySelector('button')).transitionDuration"
    )
    assert set(duration.split(", ")) == {"0s"}
    # The report form, now that Kim has met someone, passes axe too.
    page.goto(f"{server.url}/c/{public_id}/report")
    expect(page.locator("select#reported option", has_text="Lina")).to_have_count(1)
    assert serious(audit(page)) == []
