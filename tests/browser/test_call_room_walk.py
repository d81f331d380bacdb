"""The judged walk of #29, at a laptop's and a phone's size: a host and six people (one
reading the call in Spanish), three rounds (pairs, pairs, trios).

- Before round 1 the host swaps two people between groups in the preview; Start puts them
  exactly there (their partner cards name the people the host put them with). A swap, not a
  single move: a single move would leave someone alone, with no partner name to check.
- After each Start, every person's first viewport (no scrolling) holds their partners' names,
  the countdown, the prompt in their language, the call's Mute and Leave buttons and the
  group's notes editor: bounding boxes, as in test_round_screen. Everyone presses "Join the
  call" in round 1 and stays in the call (it follows them into the next groups), so the
  boxes are measured with the partners' video tiles in place, the tallest the screen gets.
- A host message is a notice inside a role=status region (a live region: announced), in the
  viewport; each person dismisses it.
- Text typed in one group's block reaches that group's other members and no other group
  (round 1 with pairs, round 3 with trios).
- In round 2 someone calls for help; the host joins that group (the host's browser connects
  in the group's call), resolves it, and the caller sees the notice.
- Round 3 is trios: every card holder sees two partners.
- No console error and no CSP violation on any page over the whole walk.

The participants' pages are at the parametrized size; the host console is at desktop size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_full_journey import Watch
from tests.browser.test_host_console import HOST_PEER_STATE
from tests.browser.test_round_screen import in_viewport
from tests.integration.conftest import Browserish, create_convening, join, login
from tests.integration.live_clients import add_round
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Words:
    """What a person's round screen says, in the language their browser asks for."""

    locale: str
    clock: str
    prompt: str
    mute: str
    leave: str
    dismiss: str


ENGLISH = Words("en-GB", "Time left: ", "What brought you here?", "Mute", "Leave the call",
                "Dismiss this message")  # fmt: skip
SPANISH = Words("es-ES", "Tiempo restante: ", "¿Qué te trajo aquí?", "Silenciar",
                "Salir de la llamada", "Cerrar este mensaje")  # fmt: skip

# A cast unlike the other browser tests': (name, organisation, languages, words).
CAST = [
    ("Grace Mwangi", "Nairobi Housing Forum", ["en"], ENGLISH),
    ("Lucía Fernández", "Inquilinas de Madrid", ["es", "en"], SPANISH),
    ("Tomasz Nowak", "Kraków Tenants", ["en"], ENGLISH),
    ("Aroha Ngata", "Tāmaki Renters", ["en"], ENGLISH),
    ("Sipho Dlamini", "Abahlali Durban", ["en"], ENGLISH),
    ("Mei Chen", "Toronto Tenant Union", ["en"], ENGLISH),
]


@dataclass
class Person:
    name: str
    words: Words
    page: Page


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("call-room-walk"))) as live:
        yield live


def signed_in(watch: Watch, new_context: Callable[..., BrowserContext], server: LiveServer,
              client: Browserish, **options: object) -> Page:  # fmt: skip
    page = watch.context(new_context, **options)
    page.context.add_cookies(
        [{"name": k, "value": v, "url": server.url} for k, v in client.cookies.items()]
    )
    return page


def partner_names(person: Person) -> list[str]:
    return sorted(person.page.locator(".partner-card h3").all_inner_texts())


def group_of(person: Person) -> str:
    return person.page.locator("[data-live-stage] [data-group]").get_attribute("data-group") or ""


def check_groups(people: list[Person], size: int) -> dict[str, list[Person]]:
    """Everyone has size - 1 partner cards and the groups agree with each other."""
    for person in people:
        expect(person.page.locator(".partner-card h3")).to_have_count(size - 1)
    groups: dict[str, list[Person]] = {}
    for person in people:
        groups.setdefault(group_of(person), []).append(person)
    assert sorted(len(g) for g in groups.values()) == [size] * (len(people) // size), groups
    for members in groups.values():
        for person in members:
            assert partner_names(person) == sorted(m.name for m in members if m is not person)
    return groups


def first_viewport_holds_the_round(person: Person, partners: int) -> None:
    page, words = person.page, person.words
    # Measured with every partner's tile in place: the tallest the screen gets.
    expect(page.locator("video[data-call-peer]")).to_have_count(partners)
    for index in range(partners):
        in_viewport(page, page.locator(".partner-card h3").nth(index), f"{person.name}'s partner")
    in_viewport(page, page.locator("[data-live-clock]"), f"{person.name}'s countdown")
    expect(page.locator("[data-live-clock]")).to_contain_text(words.clock)
    prompt = page.locator(".live-prompts li").first
    expect(prompt).to_have_text(words.prompt)
    in_viewport(page, prompt, f"{person.name}'s prompt")
    in_viewport(page, page.get_by_role("button", name=words.mute, exact=True), "the mute button")
    in_viewport(page, page.get_by_role("button", name=words.leave), "the leave button")
    notes = page.locator("[data-live-notes]")
    expect(notes.locator(".cm-content")).to_have_count(1)
    in_viewport(page, notes.locator(".cm-editor"), f"{person.name}'s notes editor")


def notes_stay_in_their_group(groups: dict[str, list[Person]], tag: str) -> None:
    """One line typed in each group's block: every other member sees it, no one else does."""
    lines = {number: f"{tag} idea from group {number}" for number in groups}
    for number, members in groups.items():
        writer = members[0].page
        notes = writer.locator("[data-live-notes]")
        expect(notes).to_have_attribute("data-online", "yes")
        notes.locator(".cm-content").click()
        writer.keyboard.press("Control+End")
        writer.keyboard.type(lines[number])
    for number, members in groups.items():
        expect(members[0].page.locator("[data-live-notes]")).to_have_attribute("data-pending", "0")
        for mate in members[1:]:
            editor = mate.page.locator("[data-live-notes] .cm-content")
            expect(editor).to_contain_text(lines[number])
    for number, members in groups.items():
        for other, line in lines.items():
            if other != number:
                for person in members:
                    editor = person.page.locator("[data-live-notes] .cm-content")
                    expect(editor).not_to_contain_text(line)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_host_and_six_people_walk_three_rounds_in_one_call_room(
    server: LiveServer, new_context: Callable[..., BrowserContext], size: str
) -> None:
    watch = Watch(size)
    console_watch = Watch("desktop")
    host = login(server, "host@example.org")
    convening = create_convening(host, f"Housing coalition call ({size})")
    add_round(host, convening.public_id, kind="pairs", size=2)
    add_round(host, convening.public_id, kind="pairs", size=2)
    add_round(host, convening.public_id, kind="small_groups", size=3)

    people: list[Person] = []
    for name, organisation, languages, words in CAST:
        client = join(
            server,
            convening.invite_url,
            name,
            organisation=organisation,
            languages=languages,
            about="I organise renters and want to compare what has worked",
        )
        page = signed_in(watch, new_context, server, client, locale=words.locale)
        page.goto(f"{server.url}/c/{convening.public_id}/lobby")
        expect(page.locator("[data-live-participant]")).to_have_attribute("data-online", "yes")
        people.append(Person(name, words, page))
    by_name = {p.name: p for p in people}

    console = signed_in(console_watch, new_context, server, host)
    console.goto(f"{server.url}/host/convenings/{convening.public_id}/live")
    expect(console.locator("[data-console-people]")).to_have_text("6 of 6 connected")

    # Round 1's groups before Start: three pairs. The host swaps one person of group 1 with
    # one of group 2.
    preview = console.locator("[data-console-preview]")
    expect(preview.locator("[data-preview-group]")).to_have_count(3)
    expect(preview.locator("[data-preview-person]")).to_have_count(6)

    def members(group: int) -> dict[str, str]:
        items = preview.locator(f'[data-preview-group="{group}"] [data-preview-person]').all()
        return {
            str(i.get_attribute("data-preview-person")): i.locator("span").first.inner_text()
            for i in items
        }

    one, two = members(1), members(2)
    assert len(one) == 2 and len(two) == 2, (one, two)
    mover, stayer_one = list(one)
    back, stayer_two = list(two)
    move = preview.get_by_role("button", name="Move", exact=True)
    console.select_option("#preview-person", mover)
    console.select_option("#preview-group", "2")
    move.click()
    in_group = '[data-preview-group="{}"] [data-preview-person="{}"]'
    expect(preview.locator(in_group.format(2, mover))).to_be_visible()
    console.select_option("#preview-person", back)
    console.select_option("#preview-group", "1")
    move.click()
    expect(preview.locator(in_group.format(1, back))).to_be_visible()
    expect(preview.locator('[data-preview-group="1"] [data-preview-person]')).to_have_count(2)
    expect(preview.locator("[data-preview-news]")).to_contain_text("Start will use these groups")

    # Round 1: Start puts the two where the host did.
    console.locator("[data-command=start_round]").click()
    expect(console.locator("[data-console-status]")).to_have_text("The round has started.")
    groups = check_groups(people, 2)
    expect(by_name[one[mover]].page.locator(".partner-card h3")).to_have_text([two[stayer_two]])
    expect(by_name[two[back]].page.locator(".partner-card h3")).to_have_text([one[stayer_one]])
    # Everyone joins the call once; it follows them into the next rounds' groups.
    for person in people:
        person.page.locator("[data-call-join]").click()
        expect(person.page.locator("[data-call-join]")).to_have_text(person.words.leave)
    for person in people:
        first_viewport_holds_the_round(person, 1)

    # A message from the host: a notice in the viewport, in a status (live) region.
    message = "Halfway there: put one idea in your group's notes."
    console.fill("#broadcast-text", message)
    console.get_by_role("button", name="Send").click()
    for person in people:
        notice = person.page.get_by_role("status").locator(".notice", has_text=message)
        in_viewport(person.page, notice, f"the host's message to {person.name}")
        notice.get_by_role("button", name=person.words.dismiss).click()
        expect(person.page.locator(".notice")).to_have_count(0)
    notes_stay_in_their_group(groups, "Round 1:")

    # Round 2 (pairs again), after round 1 is ended by the host.
    console.get_by_role("button", name="End the round now").click()
    expect(console.locator("[data-console-phase]")).to_contain_text("Round 1: time is up")
    console.locator("[data-command=start_round]").click()
    expect(console.locator("[data-console-phase]")).to_contain_text("Round 2")
    check_groups(people, 2)
    for person in people:
        first_viewport_holds_the_round(person, 1)

    # A call for help: the host joins the caller's group and resolves it.
    caller = people[0].page
    caller.locator("[data-live-help]").click()
    help_item = console.locator("[data-console-help] li")
    expect(help_item).to_have_count(1)
    help_item.locator("[data-help-join]").click()
    expect(console.locator("#visit-heading")).to_contain_text("You are in group")
    expect(caller.locator('[data-notice="host-visit"]')).to_contain_text("(host) is joining")
    # The host's browser and the caller's connect in the group's call (a function, not a
    # string: the page's CSP forbids evaluating strings).
    caller.wait_for_function(f"() => ({HOST_PEER_STATE})() === 'connected'")
    help_item.locator("[data-help-resolve]").click()
    resolved = caller.get_by_role("status").locator(".notice", has_text="resolved")
    in_viewport(caller, resolved, "the notice that the call for help was resolved")
    expect(console.locator("[data-console-help] li")).to_have_count(0)
    resolved.get_by_role("button", name=ENGLISH.dismiss).click()
    expect(caller.locator(".notice", has_text="resolved")).to_have_count(0)
    console.locator("[data-visit-leave]").click()
    expect(caller.locator('[data-notice="host-visit"]')).to_have_count(0)

    # Round 3: trios, two partners each, and each trio's notes its own.
    console.get_by_role("button", name="End the round now").click()
    expect(console.locator("[data-console-phase]")).to_contain_text("Round 2: time is up")
    console.locator("[data-command=start_round]").click()
    expect(console.locator("[data-console-phase]")).to_contain_text("Round 3")
    groups = check_groups(people, 3)
    for person in people:
        first_viewport_holds_the_round(person, 2)
    notes_stay_in_their_group(groups, "Round 3:")

    console.on("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="End the call and all rounds").click()
    for person in people:
        expect(person.page.locator("[data-live-participant]")).to_have_attribute(
            "data-phase", "ended"
        )

    assert watch.violations == [] and console_watch.violations == []
    assert watch.errors == [] and console_watch.errors == []
