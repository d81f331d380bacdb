"""Every page renders in Spanish and French with no English interface text left."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.integration.conftest import Browserish, client_for, create_convening, join
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

POT = Path(__file__).resolve().parents[2] / "src" / "crossroads" / "locale" / "messages.pot"
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def english_phrases() -> list[str]:
    """Interface strings long enough that finding one on a page means it was not translated."""
    with POT.open("rb") as fh:
        catalog = read_po(fh)
    phrases = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        # The longest run of text between placeholders is what would show.
        longest = max(PLACEHOLDER.split(message.id), key=len).strip(" .:,")
        if len(longest) >= 12 and " " in longest:
            phrases.append(longest)
    return phrases


def page_text(client: Browserish, path: str) -> str:
    response = client.get(path)
    assert response.status_code in (200, 403, 404), path
    return html.unescape(re.sub(r"<[^>]+>", " ", response.text))


def _locked_join_page(server: LiveServer, host: Browserish, language: str) -> str:
    """The page a newcomer sees when the hosts locked the convening."""
    import asyncio

    from tests.integration.live_clients import LiveClient

    convening = create_convening(host, "Cerrada · Fermée")

    async def lock() -> None:
        console = await LiveClient.connect(server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "lock", "locked": True})
        await console.next("done")
        await console.close()

    asyncio.run(lock())
    visitor = client_for(server)
    visitor.cookies.set("crossroads_lang", language)
    return page_text(visitor, convening.invite_url.removeprefix(server.url))


@pytest.mark.parametrize("language", ["es", "fr"])
def test_pages_have_no_english_left(server: LiveServer, host: Browserish, language: str) -> None:
    convening = create_convening(host, "Llamada · Appel")
    person = join(server, convening.invite_url, "Ana")
    visitor = client_for(server)
    for client in (host, person, visitor):
        client.cookies.set("crossroads_lang", language)
    base = f"/host/convenings/{convening.public_id}"
    pages = {
        "login": page_text(visitor, "/login"),
        "join": page_text(visitor, convening.invite_url.removeprefix(server.url)),
        "not found": page_text(visitor, "/no/such/page"),
        "dashboard": page_text(host, "/host"),
        "new convening": page_text(host, "/host/convenings/new"),
        "convening": page_text(host, base),
        "edit": page_text(host, f"{base}/edit"),
        "console": page_text(host, f"{base}/live"),
        "lobby": page_text(person, f"/c/{convening.public_id}/lobby"),
        "notes": page_text(person, f"/c/{convening.public_id}/notes"),
        "host notes": page_text(host, f"{base}/notes"),
        "report": page_text(person, f"/c/{convening.public_id}/report"),
        "host reports": page_text(host, f"{base}/reports"),
        "privacy": page_text(visitor, "/privacy"),
        "locked": _locked_join_page(server, host, language),
        "reflection, not drafted": page_text(host, f"{base}/reflection"),
        "feedback": page_text(person, f"/c/{convening.public_id}/feedback"),
        "my data": page_text(person, f"/c/{convening.public_id}/my-data"),
        "host feedback": page_text(host, f"{base}/feedback"),
        "connections": page_text(person, f"/c/{convening.public_id}/connections"),
        "host intersections": page_text(host, f"{base}/intersections"),
    }
    host.submit(f"{base}/reflection/generate", {}, form_page=f"{base}/reflection")
    pages["reflection draft"] = page_text(host, f"{base}/reflection")
    host.submit(f"{base}/reflection/publish", {}, form_page=f"{base}/reflection")
    pages["reflection, published"] = page_text(host, f"{base}/reflection")
    pages["reflection preview"] = page_text(host, f"{base}/reflection/preview")
    pages["participant reflection"] = page_text(person, f"/c/{convening.public_id}/reflection")
    pages["lobby with reflection"] = page_text(person, f"/c/{convening.public_id}/lobby")
    # Proper names such as "Chatham House" are the same in every language.
    po = POT.parent / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        translated = " ".join(str(m.string) for m in read_po(fh, locale=language) if m.id)
    english = [phrase for phrase in english_phrases() if phrase not in translated]
    leftovers = {
        name: [phrase for phrase in english if phrase in text] for name, text in pages.items()
    }
    assert {name: found for name, found in leftovers.items() if found} == {}
