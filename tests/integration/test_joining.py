"""Participants join from links; the lobby shows who is here, as their consents allow."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from crossroads.store import models
from tests import database
from tests.integration.conftest import Browserish, client_for, create_convening, join
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


def _people(html: str) -> list[str]:
    return re.findall(r'<strong class="person-name"[^>]*>([^<]*)</strong>', html)


def test_two_participants_see_each_other_in_the_lobby(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Lobby call")

    ana = join(server, convening.invite_url, "Ana", organisation="Tierra Viva")
    bilal = join(server, convening.invite_url, "Bilal", organisation="Tenants Together")

    lobby = f"/c/{convening.public_id}/lobby"
    assert _people(ana.get(lobby).text) == ["Ana", "Bilal"]
    assert _people(bilal.get(lobby).text) == ["Ana", "Bilal"]
    assert "Tenants Together" in ana.get(lobby).text


def test_lobby_lists_only_people_who_consented(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Consent call")
    ana = join(server, convening.invite_url, "Ana")
    join(server, convening.invite_url, "Quiet Person", consent_listed="")

    html = ana.get(f"/c/{convening.public_id}/lobby").text

    assert _people(html) == ["Ana"]
    assert "and 1 person who chose not to be listed" in html


def test_chatham_house_lobby_shows_no_organisations(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Chatham call", privacy_mode="chatham_house")
    ana = join(server, convening.invite_url, "Ana", organisation="Secret Org")
    join(server, convening.invite_url, "Bilal", organisation="Hidden Collective")

    html = ana.get(f"/c/{convening.public_id}/lobby").text

    assert _people(html) == ["Ana", "Bilal"]
    assert "Secret Org" not in html
    assert "Hidden Collective" not in html


def test_join_without_code_of_conduct_is_refused_with_field_error(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "CoC call")
    client = client_for(server)
    path = convening.invite_url.removeprefix(server.url)

    response = client.submit(path, {"display_name": "Ana", "languages": ["en"]}, form_page=path)

    assert response.status_code == 422
    assert 'id="coc_accepted-error"' in response.text
    assert "Nobody has joined yet." in host.get(f"/host/convenings/{convening.public_id}").text


def test_join_with_overlong_name_is_refused_with_field_error(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Long name call")
    client = client_for(server)
    path = convening.invite_url.removeprefix(server.url)

    response = client.submit(
        path, {"display_name": "n" * 81, "coc_accepted": "on", "about": "a" * 201}, form_page=path
    )

    assert response.status_code == 422
    assert (
        '<small id="display_name-error" class="field-error">Use at most 80 characters.</small>'
        in response.text
    )
    assert (
        '<small id="about-error" class="field-error">Use at most 200 characters.</small>'
        in response.text
    )


def test_unknown_invite_gives_friendly_404(server: LiveServer) -> None:
    response = client_for(server).get("/join/this-is-not-a-real-token")

    assert response.status_code == 404
    assert "<h1>This invite link does not work</h1>" in response.text
    assert "Ask the host of the call for a new one." in response.text


def test_expired_invite_gives_friendly_404(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Expiring call")
    of_call = select(models.Convening.id).where(models.Convening.public_id == convening.public_id)
    database.execute(
        server.database_url,
        update(models.Invite)
        .where(models.Invite.convening_id == of_call.scalar_subquery())
        .values(expires_at=datetime(2020, 1, 1, tzinfo=UTC)),
    )

    response = client_for(server).get(convening.invite_url.removeprefix(server.url))

    assert response.status_code == 404
    assert "<h1>This invite link does not work</h1>" in response.text


def test_renewed_shared_link_stops_the_old_one(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Renew call")
    page = f"/host/convenings/{convening.public_id}"

    response = host.submit(f"{page}/invite/renew", {}, form_page=page)
    new_link = re.search(r'id="invite-link" readonly value="([^"]+)"', response.text)

    assert new_link and new_link.group(1) != convening.invite_url
    assert client_for(server).get(convening.invite_url).status_code == 404
    assert client_for(server).get(new_link.group(1)).status_code == 200
