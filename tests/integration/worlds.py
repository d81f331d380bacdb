"""A whole convening with everything in it, for the security suites (#12).

``build_world`` drives a real server the way people do: a host plans a call, people join,
a round runs with chat and a call for help, everyone types notes over the notes socket,
reports someone, leaves feedback; the host drafts and publishes the reflection note, adds a
feedback question, uploads a roster and plans the next call of the series. Every piece of
user text comes from ``texts``: the IDOR suite passes marker strings (to prove none of them
leaks), the XSS suite passes attack payloads (to prove they stay inert everywhere).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from tests.integration.conftest import Browserish, create_convening, join, login
from tests.integration.live_clients import LiveClient
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

ROUND_LINK = re.compile(r'/rounds/([A-Za-z0-9_-]+)/prompts"')
PROMPT_LINK = re.compile(r'/prompts/([A-Za-z0-9_-]+)/delete"')
SECTION = re.compile(r'data-section="prompt:([^"]+)"')
SERIES_LINK = re.compile(r'href="/host/series/([^"]+)"')
REFLECTION_KEY = re.compile(r'/reflection/sections/([^"/]+)"')


@dataclass(frozen=True)
class Person:
    client: Browserish
    public_id: str
    text: str
    partner: str  # the public id of someone they met in the round


@dataclass(frozen=True)
class World:
    host: Browserish
    public_id: str
    invite_token: str
    round_ids: tuple[str, ...]
    prompt_ids: tuple[str, ...]
    people: tuple[Person, ...]
    question_key: str
    reflection_keys: tuple[str, ...]
    series_id: str
    next_public_id: str
    help_id: int
    participant_notes_token: str
    host_notes_token: str
    venue_id: str = ""  # a venue with the world's text as its name (#32)

    @property
    def base(self) -> str:
        return f"/host/convenings/{self.public_id}"


def fit(text: str, most: int) -> str:
    return text[:most]


def line(text: str, most: int) -> str:
    """A one-line field (a title, a name): line breaks are refused there (text_input.py), so
    a payload's breaks become spaces; the payload's other characters all stay."""
    return fit(" ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")), most)


def _plan(host: Browserish, texts: list[str]) -> tuple[str, str, list[str], list[str]]:
    joined = "\n".join(texts)
    convening = create_convening(
        host,
        line(" ".join(t for t in texts if len(t) < 60), 200),
        description=fit(joined, 5000),
        code_of_conduct=fit(joined, 20000),
    )
    base = f"/host/convenings/{convening.public_id}"
    response = host.submit(
        f"{base}/rounds",
        {
            "title": line(texts[0], 200),
            "kind": "pairs",
            "group_size": "2",
            "duration_minutes": "10",
        },
        form_page=base,
    )
    assert response.status_code == 200, response.text
    (round_id,) = dict.fromkeys(ROUND_LINK.findall(host.get(base).text))
    for text in texts:
        response = host.submit(
            f"{base}/rounds/{round_id}/prompts",
            {"text_en": fit(text, 1000), "text_es": fit(text, 1000)},
            form_page=base,
        )
        assert response.status_code == 200, response.text
    prompt_ids = list(dict.fromkeys(PROMPT_LINK.findall(host.get(base).text)))
    assert len(prompt_ids) == len(texts), host.get(base).text
    # A second round, still to come after the live one: its Zoom pre-assignment exists.
    response = host.submit(
        f"{base}/rounds",
        {
            "title": line(texts[1], 200),
            "kind": "pairs",
            "group_size": "2",
            "duration_minutes": "10",
        },
        form_page=base,
    )
    assert response.status_code == 200, response.text
    round_ids = list(dict.fromkeys(ROUND_LINK.findall(host.get(base).text)))
    assert round_ids[0] == round_id, round_ids
    token = convening.invite_url.rsplit("/", 1)[-1]
    return convening.public_id, token, round_ids, prompt_ids


def _join_everyone(server: LiveServer, invite_url: str, texts: list[str]) -> list[Browserish]:
    return [
        join(
            server,
            invite_url,
            line(text, 80),
            organisation=line(text, 120),
            about=fit(text, 200),
            region=line(text, 80),
            movements=line(text.replace(",", " "), 60),
            consent_quoted="on",
        )
        for text in texts
    ]


def _paired(message: dict[str, Any]) -> bool:
    group = message.get("group")
    return group is not None and len(group["members"]) >= 2


async def _live(
    server: LiveServer,
    host: Browserish,
    public_id: str,
    clients: list[Browserish],
    texts: list[str],
) -> tuple[list[tuple[str, str]], int]:
    """Run a round: everyone paired, a chat line each, one call for help; the round ends.
    Returns each person's public id and a partner's, and the help call's id."""
    console = await LiveClient.connect(server, f"/ws/host/{public_id}", host)
    await console.send({"type": "hello"})
    sockets = []
    for client in clients:
        socket = await LiveClient.connect(server, f"/ws/live/{public_id}", client)
        await socket.send({"type": "hello"})
        await socket.next("snapshot")
        sockets.append(socket)
    await console.send({"type": "start_round"})
    views = [await s.next("snapshot", _paired) for s in sockets]
    for socket, text in zip(sockets, texts, strict=True):
        said = fit(text, 1000)
        await socket.send({"type": "chat", "text": said, "share": True})
        await socket.next("chat", lambda m, said=said: m["text"] == said.strip())
    await sockets[0].send({"type": "help"})
    await sockets[0].next("help_sent")
    await console.send({"type": "broadcast", "text": fit(texts[0], 500)})
    helped = await console.next("snapshot", lambda m: bool(m.get("help_calls")))
    help_id = int(helped["help_calls"][0]["id"])
    await console.send({"type": "end_round"})
    await console.next("done", lambda m: m["command"] == "end_round")
    for s in [console, *sockets]:
        await s.close()
    met = [
        (v["you"]["id"], next(m["id"] for m in v["group"]["members"] if m["id"] != v["you"]["id"]))
        for v in views
    ]
    return met, help_id


async def _type_notes(
    server: LiveServer, public_id: str, writes: list[tuple[str, list[tuple[str, str]]]]
) -> None:
    """``writes``: a notes ticket and the (section, text) its holder types, acknowledged."""
    for token, lines in writes:
        client = await NotesClient.connect(server, public_id, token)
        async with asyncio.timeout(10):
            await client.synced.wait()
        for section, text in lines:
            await client.type(section, text)
        await client.wait_acked(wait=30)
        await client.close()


def build_world(server: LiveServer, host_email: str, texts: list[str]) -> World:
    """One convening whose every piece of user text is one of ``texts`` (one person each)."""
    assert len(texts) >= 2
    host = login(server, host_email)
    public_id, invite_token, round_ids, prompt_ids = _plan(host, texts)
    base = f"/host/convenings/{public_id}"
    invite_url = f"{server.url}/join/{invite_token}"
    clients = _join_everyone(server, invite_url, texts)
    ids, help_id = asyncio.run(_live(server, host, public_id, clients, texts))
    people = [
        Person(client, pid, text, partner)
        for client, (pid, partner), text in zip(clients, ids, texts, strict=True)
    ]

    tokens = [notes_token(p.client, f"/c/{public_id}/notes") for p in people]
    host_token = notes_token(host, f"{base}/notes")
    sections = list(dict.fromkeys(SECTION.findall(host.get(f"{base}/notes").text)))
    writes = [
        (token, [(section, f"- {fit(p.text, 80)}: {p.text}\n") for section in sections])
        for token, p in zip(tokens, people, strict=True)
    ]
    writes.append((host_token, [("free", f"{text}\n") for text in texts]))
    asyncio.run(_type_notes(server, public_id, writes))

    for i, person in enumerate(people):
        page = f"/c/{public_id}/report"
        sent = person.client.submit(
            page,
            {"reported": person.partner, "reason": "other", "details": fit(person.text, 2000)},
            form_page=page,
        )
        assert sent.status_code == 200, sent.text
        page = f"/c/{public_id}/feedback"
        sent = person.client.submit(
            page,
            {
                "rating": "4",
                "energising": fit(person.text, 2000),
                "improve": fit(person.text, 2000),
                "drill_into": fit(person.text.replace(",", " "), 60),
                "series_consent": "on",
                "series_email": f"person{i}@example.org",
            },
            form_page=page,
        )
        assert sent.status_code == 200, sent.text
        page = f"/c/{public_id}/connections"
        person.client.submit(f"{page}/opt-in", {"opt_in": "on"}, form_page=page)
    people[0].client.submit(
        f"/c/{public_id}/connections/{people[0].partner}/introduce",
        {},
        form_page=f"/c/{public_id}/connections",
    )

    feedback = f"{base}/feedback"
    added = host.submit(
        f"{feedback}/questions", {"label": fit(texts[0], 300), "kind": "text"}, form_page=feedback
    )
    assert added.status_code == 200, added.text
    question_key = re.findall(r'/feedback/questions/([^/"]+)/delete"', added.text)[-1]

    roster = "name,email,organisation\r\n" + "".join(
        f'"{fit(t, 80).replace(chr(34), chr(34) * 2)}",roster{i}@example.org,'
        f'"{fit(t, 120).replace(chr(34), chr(34) * 2)}"\r\n'
        for i, t in enumerate(texts)
    )
    uploaded = host.post(
        f"{base}/roster",
        data={"csrf_token": host.csrf(base)},
        files={"roster": ("roster.csv", roster.encode("utf-8"), "text/csv")},
    )
    assert uploaded.status_code == 200, uploaded.text

    reflection = f"{base}/reflection"
    drafted = host.submit(f"{reflection}/generate", {}, form_page=reflection)
    assert drafted.status_code == 200, drafted.text
    keys = tuple(dict.fromkeys(REFLECTION_KEY.findall(drafted.text)))
    assert keys, drafted.text
    host.submit(
        f"{reflection}/sections/{keys[0]}",
        {"heading": line(texts[0], 300), "body": "\n\n".join(texts)},
        form_page=reflection,
    )
    published = host.submit(f"{reflection}/publish", {}, form_page=reflection)
    assert published.status_code == 200, published.text

    venues = f"{base}/venues"
    placed = host.submit(
        venues,
        {"name": line(texts[0], 120), "room": line(texts[1], 120), "tables": "1-3"},
        form_page=venues,
    )
    assert placed.status_code == 200, placed.text
    venue_id = re.findall(r'data-venue="([A-Za-z0-9_-]+)"', placed.text)[-1]

    created = host.submit(
        f"{base}/next",
        {"starts_at": "2030-06-01T14:00", "topic_group_size": "3"},
        form_page=feedback,
    )
    assert created.status_code == 200, created.text
    series = SERIES_LINK.search(created.text)
    assert series, created.text
    return World(
        host=host,
        public_id=public_id,
        invite_token=invite_token,
        round_ids=tuple(round_ids),
        prompt_ids=tuple(prompt_ids),
        people=tuple(people),
        question_key=question_key,
        reflection_keys=keys,
        series_id=series.group(1),
        next_public_id=created.url.path.rsplit("/", 1)[-1],
        help_id=help_id,
        participant_notes_token=tokens[0],
        host_notes_token=host_token,
        venue_id=venue_id,
    )
