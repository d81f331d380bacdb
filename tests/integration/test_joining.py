"""Participants join from links; the lobby shows who is here, as their consents allow."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from crossroads.store import models
from tests import database
from tests.integration.conftest import CSRF, Browserish, client_for, create_convening, join
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


def _join_form(ana: Browserish, path: str, name: str) -> dict[str, object]:
    return {
        "display_name": name,
        "languages": ["en"],
        "consent_listed": "on",
        "coc_accepted": "on",
        "csrf_token": ana.csrf(path),
    }


def test_join_form_answers_with_the_lobby_whose_forms_carry_the_new_csrf_token(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Straight to the lobby")
    ana = client_for(server)
    path = convening.invite_url.removeprefix(server.url)
    form = _join_form(ana, path, "Ana")

    response = ana.post(path, data=form)

    assert response.status_code == 200
    assert response.url.path == path  # no redirect: the lobby came back with the form's answer
    assert f'data-page-path="/c/{convening.public_id}/lobby"' in response.text
    assert _people(response.text) == ["Ana"]
    carried = CSRF.search(response.text)
    assert carried is not None and carried.group(1) == ana.cookies.get("crossroads_csrf")
    assert carried.group(1) != form["csrf_token"]  # rotated on joining
    language = ana.post(
        "/language",
        data={
            "language": "es",
            "next": f"/c/{convening.public_id}/lobby",
            "csrf_token": carried[1],
        },
    )
    assert language.url.path == f"/c/{convening.public_id}/lobby"
    assert language.status_code == 200


def test_join_form_sent_again_from_the_same_browser_is_the_same_person(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Reload call")
    ana = client_for(server)
    path = convening.invite_url.removeprefix(server.url)
    ana.post(path, data=_join_form(ana, path, "Ana"))
    session = ana.cookies.get("crossroads_participant")

    again = ana.post(path, data=_join_form(ana, path, "Ana"))  # a reload that resends the form
    other = client_for(server)
    other.cookies.set("crossroads_participant", session or "", domain="127.0.0.1")
    shared_phone = other.post(path, data=_join_form(other, path, "Bilal"))

    assert again.status_code == 200
    assert ana.cookies.get("crossroads_participant") == session
    assert _people(shared_phone.text) == ["Ana", "Bilal"]
    assert _people(ana.get(f"/c/{convening.public_id}/lobby").text) == ["Ana", "Bilal"]
