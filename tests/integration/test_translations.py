"""A convening's title, description, code of conduct and round titles in each language of
the call (#31): a reader sees their language's, or the original where none was written."""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import Browserish, client_for, create_convening, join
from tests.integration.live_clients import add_round
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

FIELDS = {
    "title": "Coalition call",
    "starts_at": "2030-05-04T14:00",
    "timezone": "Europe/Paris",
    "duration_minutes": "90",
    "languages": ["en", "es", "fr"],
    "privacy_mode": "named",
    "description": "We meet.",
    "code_of_conduct": "Be kind.",
}


def test_readers_see_their_languages_texts_or_the_original(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, languages=["en", "es", "fr"])
    base = f"/host/convenings/{convening.public_id}"
    add_round(host, convening.public_id)
    edit = host.get(f"{base}/edit").text
    assert 'name="tr_title_es"' in edit and 'name="tr_title_fr"' in edit
    assert 'name="tr_title_en"' not in edit  # English is the original

    saved = host.submit(
        base,
        {
            **FIELDS,
            "tr_title_es": "Llamada de la coalición",
            "tr_description_es": "Nos reunimos.",
            "tr_code_of_conduct_es": "Sé amable.",
        },
        form_page=f"{base}/edit",
    )
    assert saved.status_code == 200, saved.text
    page = host.get(base).text
    round_id = page.split('data-round-id="', 1)[1].split('"', 1)[0]
    host.submit(
        f"{base}/rounds/{round_id}",
        {
            "title": "Meet someone",
            "title_es": "Conocer a alguien",
            "kind": "pairs",
            "group_size": "2",
            "duration_minutes": "10",
        },
        form_page=base,
    )

    spanish = client_for(server)
    spanish.cookies.set("crossroads_lang", "es")
    join_es = spanish.get(convening.invite_url.removeprefix(server.url)).text
    french = client_for(server)
    french.cookies.set("crossroads_lang", "fr")
    join_fr = french.get(convening.invite_url.removeprefix(server.url)).text
    ana = join(server, convening.invite_url, "Ana")
    ana.cookies.set("crossroads_lang", "es")
    lobby_es = ana.get(f"/c/{convening.public_id}/lobby").text
    ana.cookies.set("crossroads_lang", "fr")
    lobby_fr = ana.get(f"/c/{convening.public_id}/lobby").text

    assert "<h1>Llamada de la coalición</h1>" in join_es
    assert "Nos reunimos." in join_es and "Sé amable." in join_es
    assert "Conocer a alguien" in lobby_es and "Llamada de la coalición" in lobby_es
    # No French was written: the original shows.
    assert "<h1>Coalition call</h1>" in join_fr
    assert "Be kind." in join_fr
    assert "Meet someone" in lobby_fr and "Conocer" not in lobby_fr
    # The host's edit form keeps what was written.
    assert "Llamada de la coalición" in host.get(f"{base}/edit").text


def test_a_translation_too_long_is_refused_and_changes_nothing(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, languages=["en", "es"])
    base = f"/host/convenings/{convening.public_id}"
    response = host.submit(
        base,
        {**FIELDS, "title": "Renamed", "languages": ["en", "es"], "tr_title_es": "x" * 201},
        form_page=f"{base}/edit",
    )
    assert response.status_code in (400, 422)
    assert "Renamed" not in host.get("/host").text  # the call was not changed either
    assert "x" * 201 not in host.get(f"{base}/edit").text


def test_prompts_are_reordered_within_their_round(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Reordered call")
    base = f"/host/convenings/{convening.public_id}"
    add_round(host, convening.public_id)
    page = host.get(base).text
    round_id = page.split('data-round-id="', 1)[1].split('"', 1)[0]
    host.submit(f"{base}/rounds/{round_id}/prompts", {"text_en": "Second question"}, form_page=base)
    page = host.get(base).text
    prompts = re.findall(r'action="[^"]*/prompts/([^/"]+)/move"', page)
    second = prompts[-1]

    host.submit(f"{base}/prompts/{second}/move", {"direction": "up"}, form_page=base)

    person = join(server, convening.invite_url, "Reader")
    lobby = person.get(f"/c/{convening.public_id}/lobby").text
    assert lobby.index("Second question") < lobby.index("What brought you here?")
