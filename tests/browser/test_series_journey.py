"""Issue #9's journey in real browsers: call 1, feedback with interests, call 2 created from
call 1, topic rounds grouped by interest, and nobody meets their call-1 partner when someone
new is there to meet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_live_round import browser_for, open_lobby
from tests.integration.conftest import join, login
from tests.integration.live_clients import planned_convening
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser

NAMES = [f"Person {i}" for i in range(6)]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(
        Path(tmp_path_factory.mktemp("series-journey")), wrap_up_seconds="1"
    ) as server:
        yield server


def partners(pages: list[Page]) -> dict[str, frozenset[str]]:
    """Each person's group as their own page shows it (themselves included)."""
    groups = {}
    for name, page in zip(NAMES, pages, strict=True):
        expect(page.locator(".partner-card").first).to_be_visible()
        others = page.locator(".partner-card h3").all_inner_texts()
        groups[name] = frozenset([name, *(o.strip() for o in others)])
    return groups


def pairs_of(groups: dict[str, frozenset[str]]) -> set[frozenset[str]]:
    return {frozenset((a, b)) for g in groups.values() for a in g for b in g if a < b}


def start(console: Page, title: str) -> None:
    button = console.get_by_role("button", name=f"Start: {title}")
    expect(button).to_be_enabled()
    button.click()


def test_call_two_groups_by_interest_and_brings_fresh_partners(
    live: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    host = login(live, "host@example.org")
    call1 = planned_convening(host, rounds=1)
    people = [join(live, call1.invite_url, name) for name in NAMES]
    pages = [open_lobby(browser_for(c, live, new_context), live, call1.public_id) for c in people]
    console = browser_for(host, live, new_context)
    console.goto(f"{live.url}/host/convenings/{call1.public_id}/live")
    expect(console.locator("[data-console-people]")).to_have_text("6 of 6 connected")

    # Call 1: one round of pairs.
    start(console, "pairs round")
    first = partners(pages)
    met_in_call1 = pairs_of(first)
    assert len(met_in_call1) == 3
    # The last round ends: once its wrap-up is over everyone is nudged to give feedback.
    console.get_by_role("button", name="End the round now").click()
    for page in pages:
        expect(page.locator(".feedback-nudge")).to_have_count(1)
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="End the call").click()
    for page in pages:
        expect(page.locator("[data-live-stage] h2")).to_have_text(
            "The call has ended. Thank you for joining!"
        )

    # The end of the call nudges everyone to the feedback form. Two call-1 pairs ask for
    # housing, the third pair for water: the housing topic group must split the old pairs.
    pair_list = sorted({tuple(sorted(g)) for g in first.values()})
    topic_of = {}
    for number, pair in enumerate(pair_list):
        for name in pair:
            topic_of[name] = "Water" if number == 2 else "Housing"
    for name, page in zip(NAMES, pages, strict=True):
        nudge = page.get_by_role("button", name="Give feedback")
        expect(nudge).to_be_visible()
        nudge.click()
        page.get_by_label("4").first.check()
        page.fill("#q-energising", f"Meeting people, says {name}")
        page.fill("#q-drill_into-other", topic_of[name])
        page.check("input[name=series_consent]")
        page.fill("#series_email", f"{name.replace(' ', '.').lower()}@example.org")
        page.get_by_role("button", name="Send my feedback").click()
        expect(page.get_by_role("status")).to_contain_text("Thank you: your feedback is saved.")

    # The host sees the demand and creates call 2 from call 1.
    console.goto(f"{live.url}/host/convenings/{call1.public_id}/feedback")
    expect(console.locator(".feedback-count")).to_have_text("6 of 6 participants answered.")
    expect(console.locator("table.demand tbody tr")).to_have_text(["Housing4", "Water2"])
    console.fill("#topic_group_size", "2")
    console.get_by_role("button", name="Create the next convening").click()
    expect(console.locator("#agenda .round")).to_have_count(2)
    call2 = console.url.rsplit("/", 1)[-1]
    assert call2 != call1.public_id

    # Everyone who agreed is recognised: their personal link to call 2 is ready.
    links = list(
        csv.DictReader(io.StringIO(host.get(f"/host/convenings/{call2}/personal-links.csv").text))
    )
    assert sorted(row["name"] for row in links) == NAMES
    link_of = {row["name"]: row["link"] for row in links}
    for name, page in zip(NAMES, pages, strict=True):
        page.goto(link_of[name])
        expect(page.locator("#display_name")).to_have_value(name)
        page.check("input[name=coc_accepted]")
        page.get_by_role("button", name="Join").click()
        expect(page.locator("[data-live-participant]")).to_have_attribute("data-online", "yes")
    console.goto(f"{live.url}/host/convenings/{call2}/live")
    expect(console.locator("[data-console-people]")).to_have_text("6 of 6 connected")

    # Call 2, round 1 (pairs, copied): nobody meets their call-1 partner again.
    start(console, "pairs round")
    second = partners(pages)
    assert pairs_of(second) & met_in_call1 == set()
    # "New faces" is only claimed when there is history to be new against: call 2's first
    # round has none of its own, so this says call 1's pairs reached the pairing.
    for page in pages:
        expect(page.locator("[data-live-stage]")).to_contain_text("you have not met before")

    # Call 2, round 2: topic groups by interest, and still fresh partners where possible.
    start(console, "Topic groups")
    for page, name in zip(pages, NAMES, strict=True):
        # Wait for the new round on every page before reading who is in whose group.
        expect(page.locator(".group-topic")).to_have_text(f"Your topic: {topic_of[name]}")
        expect(page.locator(".partner-card")).to_have_count(1)
    third = partners(pages)
    housing = {n for n, t in topic_of.items() if t == "Housing"}
    water = {n for n, t in topic_of.items() if t == "Water"}
    for name, group in third.items():
        assert group <= (housing if name in housing else water), (name, group)
    housing_pairs = {p for p in pairs_of(third) if p <= housing}
    # Among the four housing people there is always a pairing with nobody met before.
    assert housing_pairs & (met_in_call1 | pairs_of(second)) == set()
    # The water pair has nobody else in their topic: they meet again, by their own choice.
    assert {third[n] for n in water} == {frozenset(water)}
