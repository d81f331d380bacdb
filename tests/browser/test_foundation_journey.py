"""The foundation journey in a real browser: a host plans, two people join and meet in the lobby."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.servers import HOST_PASSWORD, LiveServer, make_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = make_server(tmp_path_factory.mktemp("browser-foundation"))
    server.cli("migrate")
    server.create_host("host@example.org", "Hana Host")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        print(server.logs())


def _add_round(page: Page, title: str, kind: str, size: str) -> None:
    if not page.locator("#add-round").is_visible():
        page.get_by_text("Add a round").click()
    page.fill("#round-title", title)
    page.select_option("#round-kind", kind)
    page.fill("#round-size", size)
    page.fill("#round-duration", "12")
    page.click("#add-round button[type=submit]")
    expect(page.locator("#agenda li.round header strong", has_text=title)).to_be_visible()


def _add_prompt(page: Page, round_index: int, text_en: str, text_es: str) -> None:
    round_item = page.locator("#agenda li.round").nth(round_index)
    round_item.get_by_text("Add a prompt to this round").click()
    # The add form's fields, not those that edit the round's existing prompts in place.
    round_item.locator("textarea[name=text_en][id^=prompt-]").fill(text_en)
    round_item.locator("textarea[name=text_es][id^=prompt-]").fill(text_es)
    round_item.get_by_role("button", name="Add prompt").click()
    expect(page.locator("#agenda", has_text=text_en)).to_be_visible()


def _join(
    page: Page,
    invite_url: str,
    name: str,
    organisation: str,
    *,
    button: str = "Join",
    welcome: str = "Welcome, {name}.",
) -> None:
    page.goto(invite_url)
    page.fill("#display_name", name)
    page.fill("#organisation", organisation)
    page.check("input[name=languages][value=en]")
    page.check("input[name=consent_listed]")
    page.check("input[name=coc_accepted]")
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("status").first).to_contain_text(welcome.format(name=name))
    # The form answered with the lobby; its address is the lobby's, so a reload GETs it.
    expect(page).to_have_url(re.compile(r"/c/[^/]+/lobby$"))


def test_host_plans_and_two_participants_meet_in_lobby(
    live: LiveServer, new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    host = new_context().new_page()
    host.goto(f"{live.url}/login")
    host.fill("#email", "host@example.org")
    host.fill("#password", HOST_PASSWORD)
    host.get_by_role("button", name="Log in").click()
    host.get_by_role("button", name="Plan a new convening").click()
    host.fill("#title", "Where our work meets")
    host.fill("#starts_at", "2030-05-04T14:00")
    host.fill("#timezone", "America/Bogota")
    host.check("input[name=languages][value=es]")
    host.fill("#code_of_conduct", "Listen generously.")
    host.get_by_role("button", name="Create convening").click()
    expect(host.get_by_role("heading", level=1)).to_have_text("Where our work meets")

    _add_round(host, "Meet someone new", "pairs", "2")
    _add_round(host, "Where we meet", "small_groups", "3")
    _add_prompt(host, 0, "What brought you here?", "¿Qué te trajo aquí?")
    _add_prompt(host, 0, "One win this year?", "¿Un logro este año?")
    _add_prompt(host, 1, "Where does our work intersect?", "¿Dónde se cruza nuestro trabajo?")
    host.reload()
    expect(host.locator("#agenda li.round")).to_have_count(2)
    expect(host.locator("#agenda li.prompt")).to_have_count(3)
    invite_url = host.input_value("#invite-link")

    ana = new_context().new_page()
    bilal = new_context(locale="es-ES").new_page()
    _join(ana, invite_url, "Ana", "Tierra Viva")
    # Bilal's browser asks for Spanish: the pages speak Spanish to him.
    _join(bilal, invite_url, "Bilal", "Tenants Together", button="Unirme", welcome="Hola, {name}.")

    for page in (ana, bilal):
        page.reload()
        names = page.locator("#people .person-name")
        expect(names).to_have_text(["Ana", "Bilal"])
        expect(page.locator("#people")).to_contain_text("Tenants Together")
        expect(page.locator(".agenda")).to_contain_text("Meet someone new")
    # The lobby refreshes itself: a third person appears without a reload.
    chen = new_context().new_page()
    _join(chen, invite_url, "Chen", "Mekong Watch")
    expect(ana.locator("#people .person-name")).to_have_text(
        ["Ana", "Bilal", "Chen"], timeout=12_000
    )
    host.reload()
    expect(host.locator("#participants tr.participant")).to_have_count(3)
    ana.screenshot(path=str(tmp_path / "lobby.png"), full_page=True)
