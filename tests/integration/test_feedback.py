"""Feedback after the call: the form, the host's summary without names, interests, the
harvest's input, and a next call created from the last one."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest

from crossroads.convenings.feedback import feedback_for_harvest
from crossroads.harvest.model import FeedbackAnswer
from crossroads.store.database import Database
from tests import database
from tests.integration.conftest import Browserish, create_convening, join
from tests.integration.live_clients import add_round
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


def send_feedback(client: Browserish, public_id: str, data: dict[str, object]) -> object:
    page = f"/c/{public_id}/feedback"
    return client.submit(page, data, form_page=page)


def convening_id(server: LiveServer, public_id: str) -> int:
    return int(
        database.scalar(
            server.database_url, "SELECT id FROM convening WHERE public_id = :p", p=public_id
        )
    )


def test_feedback_is_summarised_for_the_host_without_names(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Feedback call")
    ana = join(server, convening.invite_url, "Ana Feedback", movements="Water, Land rights")
    bilal = join(server, convening.invite_url, "Bilal Feedback")
    join(server, convening.invite_url, "Chen Silent")

    send_feedback(
        ana,
        convening.public_id,
        {
            "rating": "5",
            "energising": "Meeting the water people",
            "improve": "Longer rounds",
            "topics": ["Water"],
            "drill_into": "Housing",
            "gathering": "hybrid",
        },
    )
    response = send_feedback(
        bilal,
        convening.public_id,
        {"rating": "2", "improve": "Better audio", "drill_into": "housing, Water"},
    )

    assert response.status_code == 200
    assert "Thank you: your feedback is saved." in response.text
    page = host.get(f"/host/convenings/{convening.public_id}/feedback").text
    assert "2 of 3 participants answered." in page
    assert "Average rating: 3.5 from 2 answers" in page
    assert re.findall(
        r"<li>([^<]*)</li>", page.split('data-question="improve"')[1].split("</article>")[0]
    ) == [
        "Better audio",
        "Longer rounds",
    ]
    demand = re.findall(r"<tr><td>([^<]*)</td><td>(\d+)</td></tr>", page.split('id="demand"')[1])
    assert demand[:2] == [("Housing", "2"), ("Water", "2")]
    assert "Ana Feedback" not in page and "Bilal Feedback" not in page


def test_feedback_reaches_the_harvest_in_its_input_shape(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Harvest feedback call")
    ana = join(server, convening.invite_url, "Ana Harvest")
    send_feedback(
        ana,
        convening.public_id,
        {"rating": "4", "energising": "The prompts", "drill_into": "Seeds; Water"},
    )
    cid = convening_id(server, convening.public_id)

    async def read() -> tuple[FeedbackAnswer, ...]:
        db = Database(server.database_url)
        try:
            return await feedback_for_harvest(db, cid)
        finally:
            await db.dispose()

    answers = asyncio.run(read())

    assert len(answers) == 1
    (answer,) = answers
    assert (answer.rating, answer.energising, answer.improve, answer.drill_into) == (
        4,
        "The prompts",
        "",
        "Seeds; Water",
    )
    assert answer.author_id is not None and answer.author_id.isdigit()


def test_bad_feedback_is_refused_and_changes_nothing(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Bad feedback call")
    ana = join(server, convening.invite_url, "Ana Bad")
    send_feedback(ana, convening.public_id, {"rating": "4", "improve": "Keep it"})

    response = send_feedback(ana, convening.public_id, {"rating": "9", "improve": "Changed"})
    too_many = send_feedback(ana, convening.public_id, {"drill_into": "a, b, c, d, e, f"})

    assert response.status_code == 422
    assert "Choose a rating from 1 to 5." in response.text
    assert too_many.status_code == 422
    assert "Choose at most 5 issues." in too_many.text
    form = ana.get(f"/c/{convening.public_id}/feedback").text
    assert 'value="4" checked' in form
    assert ">Keep it</textarea>" in form


def test_feedback_needs_a_csrf_token(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "CSRF feedback call")
    ana = join(server, convening.invite_url, "Ana Csrf")

    response = ana.post(f"/c/{convening.public_id}/feedback", data={"rating": "3"})

    assert response.status_code == 403
    assert (
        "answered"
        not in host.get(f"/host/convenings/{convening.public_id}/feedback").text.split("0 of 1")[0][
            -5:
        ]
    )
    assert (
        "0 of 1 participants answered."
        in host.get(f"/host/convenings/{convening.public_id}/feedback").text
    )


def test_feedback_of_another_convening_is_not_found(
    server: LiveServer, host: Browserish, other_host: Browserish
) -> None:
    mine = create_convening(host, "My call")
    theirs = create_convening(other_host, "Their call")
    ana = join(server, mine.invite_url, "Ana Scoped")

    assert ana.get(f"/c/{theirs.public_id}/feedback").status_code == 404
    assert ana.get(f"/c/{theirs.public_id}/my-data.json").status_code == 404
    assert send_feedback(ana, theirs.public_id, {"rating": "1"}).status_code == 404
    assert other_host.get(f"/host/convenings/{mine.public_id}/feedback").status_code == 404


def test_host_adds_and_removes_questions(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Questions call")
    ana = join(server, convening.invite_url, "Ana Questions")
    base = f"/host/convenings/{convening.public_id}/feedback"

    host.submit(
        f"{base}/questions",
        {"label": "Did you find a partner for your campaign?", "kind": "text"},
        form_page=base,
    )
    host.submit(f"{base}/questions/gathering/delete", {}, form_page=base)
    empty = host.submit(f"{base}/questions", {"label": "  ", "kind": "text"}, form_page=base)

    assert empty.status_code == 422
    form = ana.get(f"/c/{convening.public_id}/feedback").text
    assert "Did you find a partner for your campaign?" in form
    assert "in-person or hybrid" not in form
    send_feedback(ana, convening.public_id, {"q1": "Yes, two"})
    assert "<li>Yes, two</li>" in host.get(base).text


def test_next_convening_copies_the_agenda_adds_topic_round_and_carries_consenting_people(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Series call")
    add_round(host, convening.public_id)
    ana = join(server, convening.invite_url, "Ana Series", organisation="Tierra Viva")
    bilal = join(server, convening.invite_url, "Bilal Series")
    join(server, convening.invite_url, "Chen No Consent")
    send_feedback(
        ana,
        convening.public_id,
        {"drill_into": "Water", "series_consent": "on", "series_email": "Ana@Example.org"},
    )
    send_feedback(
        bilal,
        convening.public_id,
        {"drill_into": "Water, Land", "series_consent": "on", "series_email": "bilal@example.org"},
    )
    base = f"/host/convenings/{convening.public_id}/feedback"

    response = host.submit(
        f"/host/convenings/{convening.public_id}/next",
        {"starts_at": "2030-06-01T14:00", "topics": ["Water"], "topic_group_size": "3"},
        form_page=base,
    )

    assert response.status_code == 200
    new_id = response.url.path.rsplit("/", 1)[-1]
    assert new_id != convening.public_id
    page = response.text
    rounds = re.findall(r"<strong>([^<]*)</strong>\s*· ([^·<]+?) ·", page)
    assert rounds == [("pairs round", "Pairs"), ("Topic groups", "Topic groups")]
    assert "What brought you here?" in page
    assert re.findall(r'class="round-topics">([^<]*)<', page) == ["Topics: Water"]
    links = host.get(f"/host/convenings/{new_id}/personal-links.csv").text
    rows = list(csv.DictReader(io.StringIO(links)))
    assert [(r["name"], r["email"], r["organisation"]) for r in rows] == [
        ("Ana Series", "ana@example.org", "Tierra Viva"),
        ("Bilal Series", "bilal@example.org", ""),
    ]
    series_link = re.search(r'href="/host/series/([^"]+)"', page)
    assert series_link
    series_page = host.get(f"/host/series/{series_link.group(1)}").text
    # The next call is titled with its date (#31), so the two rows differ.
    assert len(re.findall(r">Series call(?: — [^<]+)?</a>", series_page)) == 2
    assert "Series call — " in series_page


def test_unticking_the_series_box_withdraws_the_consent(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Withdraw call")
    ana = join(server, convening.invite_url, "Ana Withdraw")
    send_feedback(
        ana, convening.public_id, {"series_consent": "on", "series_email": "ana.w@example.org"}
    )
    given = ana.get(f"/c/{convening.public_id}/my-data").text

    send_feedback(ana, convening.public_id, {"series_email": "ana.w@example.org"})
    bad = send_feedback(
        ana, convening.public_id, {"series_consent": "on", "series_email": "not an email"}
    )

    assert "recognised in the next calls of this series as ana.w@example.org" in given
    assert (
        "You are not recognised across calls" in ana.get(f"/c/{convening.public_id}/my-data").text
    )
    assert bad.status_code == 422
    assert "Give an email address, like ana@example.org." in bad.text
