"""A host plans a convening: details, agenda of rounds and prompts, field errors."""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import Browserish, create_convening

pytestmark = pytest.mark.integration


def _agenda(html: str) -> list[str]:
    return re.findall(r'data-round-id="([^"]+)"', html)


def test_convening_form_with_overlong_title_shows_field_error_and_creates_nothing(
    host: Browserish,
) -> None:
    before = host.get("/host").text.count('href="/host/convenings/')

    response = host.submit(
        "/host/convenings",
        {
            "title": "x" * 201,
            "starts_at": "2030-05-04T14:00",
            "timezone": "UTC",
            "languages": ["en"],
        },
        form_page="/host/convenings/new",
    )

    assert response.status_code == 422
    assert (
        '<small id="title-error" class="field-error">Use at most 200 characters.</small>'
        in response.text
    )
    assert host.get("/host").text.count('href="/host/convenings/') == before


def test_convening_form_with_unknown_timezone_names_the_field(host: Browserish) -> None:
    response = host.submit(
        "/host/convenings",
        {
            "title": "Call",
            "starts_at": "2030-05-04T14:00",
            "timezone": "Mars/Olympus",
            "languages": ["en"],
        },
        form_page="/host/convenings/new",
    )

    assert response.status_code == 422
    assert 'id="timezone-error"' in response.text
    assert "Choose a time zone from the list" in response.text


def test_convening_start_is_stored_in_its_time_zone(host: Browserish) -> None:
    convening = create_convening(
        host, "Paris call", starts_at="2030-05-04T14:00", timezone="Europe/Paris"
    )

    page = host.get(f"/host/convenings/{convening.public_id}").text

    # 14:00 in Paris in May is 12:00 UTC; the page shows it back in the convening's zone.
    assert 'datetime="2030-05-04T12:00:00+00:00"' in page
    assert "Sat, 4 May 2030, 14:00 (Europe/Paris)" in page


def test_agenda_editor_adds_reorders_and_removes_rounds_and_prompts(host: Browserish) -> None:
    convening = create_convening(host, "Agenda call")
    base = f"/host/convenings/{convening.public_id}"
    page = base

    host.submit(
        f"{base}/rounds",
        {"title": "First", "kind": "pairs", "group_size": "2", "duration_minutes": "12"},
        form_page=page,
    )
    host.submit(
        f"{base}/rounds",
        {"title": "Second", "kind": "small_groups", "group_size": "4", "duration_minutes": "15"},
        form_page=page,
    )
    first, second = _agenda(host.get(base).text)
    host.submit(
        f"{base}/rounds/{first}/prompts",
        {"text_en": "What brought you here?", "text_es": "¿Qué te trajo?"},
        form_page=page,
    )
    host.submit(f"{base}/rounds/{second}/prompts", {"text_en": "Where do we meet?"}, form_page=page)
    host.submit(f"{base}/rounds/{second}/move", {"direction": "up"}, form_page=page)
    html = host.get(base).text

    assert _agenda(html) == [second, first]
    assert html.index("Second") < html.index("First")
    assert "¿Qué te trajo?" in html

    host.submit(f"{base}/rounds/{second}/delete", {}, form_page=page)
    html = host.get(base).text
    assert _agenda(html) == [first]
    assert "Where do we meet?" not in html


def test_agenda_change_over_htmx_returns_only_the_agenda_fragment(host: Browserish) -> None:
    convening = create_convening(host, "htmx call")
    base = f"/host/convenings/{convening.public_id}"
    token = host.csrf(base)

    response = host.post(
        f"{base}/rounds",
        data={"title": "Pairs", "kind": "pairs", "group_size": "2", "duration_minutes": "10"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="agenda"')
    assert len(_agenda(response.text)) == 1


def test_round_with_group_size_out_of_range_is_refused_with_the_field(host: Browserish) -> None:
    convening = create_convening(host, "Size call")
    base = f"/host/convenings/{convening.public_id}"
    token = host.csrf(base)

    response = host.post(
        f"{base}/rounds",
        data={"kind": "small_groups", "group_size": "9", "duration_minutes": "10"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )

    assert response.status_code == 422
    assert "Give a number no larger than 6." in response.text
    assert _agenda(host.get(base).text) == []


def test_calendar_file_carries_title_start_and_invite_link(host: Browserish) -> None:
    convening = create_convening(
        host, "Calendar call", starts_at="2030-05-04T14:00", timezone="Europe/Paris"
    )

    response = host.get(f"/host/convenings/{convening.public_id}/calendar.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    body = response.text.replace("\r\n ", "")
    assert "SUMMARY:Calendar call" in body
    assert "DTSTART:20300504T120000Z" in body
    assert convening.invite_url in body
