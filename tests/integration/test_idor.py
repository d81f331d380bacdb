"""IDOR (#12): every route and socket, called with another convening's ids, is refused.

Two hosts each run a whole convening (people, a round with chat and a call for help, notes,
feedback, reports, a published reflection note, a series). Then host A, a participant of A
and a stranger call every route of the app's route table with B's ids: B's convening, and
A's convening with B's round, prompt, person, question, section or series. Each gets a 404
(a stranger or a participant on a host page: the login page), no byte of B in the body,
and the database is exactly as before. The table must name every route with a path
parameter: a new route fails ``test_idor_table_covers_every_route_with_a_path_parameter``
until it is added here. Compare BigBlueButton's breakout-room IDOR, CVE-2022-29233.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import websockets

from tests import database
from tests.integration.conftest import Browserish, client_for, serve
from tests.integration.live_clients import LiveClient
from tests.integration.notes_client import NotesClient
from tests.integration.route_table import app_routes
from tests.integration.worlds import World, build_world
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

# Everything of B is marked: titles, names, notes, chat, feedback, reports, prompts.
B_MARK = "ZULU"
B_HOST_NAME = "Omar Other"
# Sessions are touched by every request; the rest must not change at all.
VOLATILE_TABLES = frozenset({"web_session"})


@dataclass(frozen=True)
class Worlds:
    a: World
    b: World


@pytest.fixture(scope="module")
def idor_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("idor")), wrap_up_seconds="1") as server:
        yield server


@pytest.fixture(scope="module")
def worlds(idor_server: LiveServer) -> Worlds:
    a = build_world(idor_server, "host@example.org", ["ALPHA Ana", "ALPHA Bilal"])
    b = build_world(idor_server, "other@example.org", [f"{B_MARK} Cara", f"{B_MARK} Dan"])
    return Worlds(a, b)


# --- the route table ---------------------------------------------------------------------

Ids = Callable[[World], str]


@dataclass(frozen=True)
class Route:
    """How to call one route: which object each path parameter names, and a valid form, so
    that the only reason left to refuse is whose the ids are."""

    ids: dict[str, Ids] = field(default_factory=dict)
    form: dict[str, object] = field(default_factory=dict)
    files: bool = False
    # Set when the id is a capability, not a reference: having it is the permission.
    capability: str = ""


def _convening(w: World) -> str:
    return w.public_id


def _round(w: World) -> str:
    return w.round_ids[0]


def _prompt(w: World) -> str:
    return w.prompt_ids[0]


def _person(w: World) -> str:
    return w.people[1].public_id


def _question(w: World) -> str:
    return w.question_key


def _prompt_section(w: World) -> str:
    return next(k for k in w.reflection_keys if k.startswith("prompt:"))


def _series(w: World) -> str:
    return w.series_id


def _venue(w: World) -> str:
    return w.venue_id


def _lock(w: World) -> str:
    return "lock"


def _markdown(w: World) -> str:
    return "md"


C = {"public_id": _convening}
CONVENING_FORM = {
    "title": "Hijacked",
    "starts_at": "2030-05-04T14:00",
    "timezone": "Europe/Paris",
    "duration_minutes": "90",
    "languages": ["en"],
    "privacy_mode": "named",
}
ROUND_FORM = {"title": "Hijacked", "kind": "pairs", "group_size": "2", "duration_minutes": "5"}
PROFILE = {"display_name": "Intruder", "languages": ["en"], "coc_accepted": "on"}

ROUTES: dict[tuple[str, str], Route] = {
    # participant pages
    ("GET", "/c/{public_id}/lobby"): Route(C),
    ("GET", "/c/{public_id}/people"): Route(C),
    ("GET", "/c/{public_id}/calendar.ics"): Route(C),
    ("GET", "/c/{public_id}/report"): Route(C),
    ("POST", "/c/{public_id}/report"): Route(
        C, {"reported": "x", "reason": "other", "details": "Hijacked"}
    ),
    ("GET", "/c/{public_id}/feedback"): Route(C),
    ("POST", "/c/{public_id}/feedback"): Route(C, {"rating": "1", "improve": "Hijacked"}),
    ("GET", "/c/{public_id}/my-data"): Route(C),
    ("GET", "/c/{public_id}/my-data.json"): Route(C),
    ("POST", "/c/{public_id}/my-data/delete"): Route(C, {"confirm": "on"}),
    ("GET", "/c/{public_id}/connections"): Route(C),
    ("POST", "/c/{public_id}/connections/opt-in"): Route(C, {"opt_in": "on"}),
    ("POST", "/c/{public_id}/connections/{other_id}/introduce"): Route({**C, "other_id": _person}),
    ("GET", "/c/{public_id}/notes"): Route(C),
    ("GET", "/c/{public_id}/notes/read"): Route(C),
    ("GET", "/c/{public_id}/reflection"): Route(C),
    # the invite link
    ("GET", "/join/{token}"): Route(
        {"token": lambda w: w.invite_token},
        capability="an invite link admits whoever holds it (renew it to revoke)",
    ),
    ("POST", "/join/{token}"): Route(
        {"token": lambda w: w.invite_token},
        PROFILE,
        capability="an invite link admits whoever holds it (renew it to revoke)",
    ),
    # host pages
    ("GET", "/host/convenings/{public_id}"): Route(C),
    ("POST", "/host/convenings/{public_id}"): Route(C, CONVENING_FORM),
    ("GET", "/host/convenings/{public_id}/edit"): Route(C),
    ("GET", "/host/convenings/{public_id}/live"): Route(C),
    ("GET", "/host/convenings/{public_id}/zoom"): Route(C),
    ("GET", "/host/convenings/{public_id}/zoom.csv"): Route(C),
    ("POST", "/host/convenings/{public_id}/rounds"): Route(C, ROUND_FORM),
    ("POST", "/host/convenings/{public_id}/rounds/{round_id}"): Route(
        {**C, "round_id": _round}, ROUND_FORM
    ),
    ("POST", "/host/convenings/{public_id}/rounds/{round_id}/move"): Route(
        {**C, "round_id": _round}, {"direction": "up"}
    ),
    ("POST", "/host/convenings/{public_id}/rounds/{round_id}/delete"): Route(
        {**C, "round_id": _round}
    ),
    ("POST", "/host/convenings/{public_id}/rounds/{round_id}/prompts"): Route(
        {**C, "round_id": _round}, {"text_en": "Hijacked"}
    ),
    ("POST", "/host/convenings/{public_id}/prompts/{prompt_id}"): Route(
        {**C, "prompt_id": _prompt}, {"text_en": "Hijacked"}
    ),
    ("POST", "/host/convenings/{public_id}/prompts/{prompt_id}/move"): Route(
        {**C, "prompt_id": _prompt}, {"direction": "down"}
    ),
    ("POST", "/host/convenings/{public_id}/prompts/{prompt_id}/delete"): Route(
        {**C, "prompt_id": _prompt}
    ),
    ("POST", "/host/convenings/{public_id}/invite/renew"): Route(C),
    ("POST", "/host/convenings/{public_id}/roster"): Route(C, files=True),
    ("GET", "/host/convenings/{public_id}/personal-links.csv"): Route(C),
    ("GET", "/host/convenings/{public_id}/calendar.ics"): Route(C),
    ("GET", "/host/convenings/{public_id}/reports"): Route(C),
    ("GET", "/host/convenings/{public_id}/reports/list"): Route(C),
    ("GET", "/host/convenings/{public_id}/notes"): Route(C),
    ("GET", "/host/convenings/{public_id}/notes.md"): Route(C),
    ("POST", "/host/convenings/{public_id}/notes/sections/{prompt_id}/{action}"): Route(
        {**C, "prompt_id": _prompt, "action": _lock}
    ),
    ("GET", "/host/convenings/{public_id}/feedback"): Route(C),
    ("POST", "/host/convenings/{public_id}/feedback/questions"): Route(
        C, {"label": "Hijacked?", "kind": "text"}
    ),
    ("POST", "/host/convenings/{public_id}/feedback/questions/{key}/delete"): Route(
        {**C, "key": _question}
    ),
    ("POST", "/host/convenings/{public_id}/next"): Route(
        C, {"starts_at": "2030-07-01T14:00", "topic_group_size": "3"}
    ),
    ("GET", "/host/convenings/{public_id}/intersections"): Route(C),
    ("GET", "/host/convenings/{public_id}/reflection"): Route(C),
    ("POST", "/host/convenings/{public_id}/reflection/generate"): Route(C),
    ("POST", "/host/convenings/{public_id}/reflection/sections/{key}"): Route(
        {**C, "key": _prompt_section}, {"heading": "Hijacked", "body": "Hijacked"}
    ),
    ("POST", "/host/convenings/{public_id}/reflection/sections/{key}/regenerate"): Route(
        {**C, "key": _prompt_section}
    ),
    ("POST", "/host/convenings/{public_id}/reflection/publish"): Route(C),
    ("POST", "/host/convenings/{public_id}/reflection/unpublish"): Route(C),
    ("GET", "/host/convenings/{public_id}/reflection/preview"): Route(C),
    ("GET", "/host/convenings/{public_id}/reflection.json"): Route(C),
    ("GET", "/host/convenings/{public_id}/reflection.{extension}"): Route(
        {**C, "extension": _markdown}
    ),
    ("GET", "/host/convenings/{public_id}/invitations"): Route(C),
    ("GET", "/host/convenings/{public_id}/invitations.csv"): Route(C),
    ("POST", "/host/convenings/{public_id}/invitations/roster"): Route(C, files=True),
    ("POST", "/host/convenings/{public_id}/invitations/send"): Route(C),
    ("POST", "/host/convenings/{public_id}/invitations/retry"): Route(C),
    ("GET", "/mail/unsubscribe/{token}"): Route(
        {"token": lambda w: "0-0"},
        capability="an unsubscribe link is signed for one invite: holding it is the permission",
    ),
    ("POST", "/mail/unsubscribe/{token}"): Route(
        {"token": lambda w: "0-0"},
        capability="an unsubscribe link is signed for one invite: holding it is the permission",
    ),
    # venues (#32)
    ("GET", "/host/convenings/{public_id}/venues"): Route(C),
    ("POST", "/host/convenings/{public_id}/venues"): Route(C, {"name": "Hijacked", "tables": "1"}),
    ("POST", "/host/convenings/{public_id}/venues/{venue_id}"): Route(
        {**C, "venue_id": _venue}, {"name": "Hijacked", "tables": "1"}
    ),
    ("POST", "/host/convenings/{public_id}/venues/{venue_id}/delete"): Route(
        {**C, "venue_id": _venue}
    ),
    ("GET", "/host/convenings/{public_id}/venues/{venue_id}/qr.svg"): Route(
        {**C, "venue_id": _venue}
    ),
    ("GET", "/host/convenings/{public_id}/venues/{venue_id}/cards"): Route(
        {**C, "venue_id": _venue}
    ),
    ("POST", "/host/convenings/{public_id}/places"): Route(C, {"participant": "x", "place": ""}),
    ("POST", "/host/convenings/{public_id}/people-without-phone"): Route(
        C, {"display_name": "Hijacked", "place": "x"}
    ),
    ("POST", "/host/convenings/{public_id}/round-modes"): Route(C, {"round": "x", "mode": "mixed"}),
    # Without the venue's key only a host of its convening may look (the key is a capability,
    # probed in test_venues.py).
    ("GET", "/v/{venue_id}/projector"): Route({"venue_id": _venue}),
    ("GET", "/host/series/{series_id}"): Route({"series_id": _series}),
    ("POST", "/host/series/{series_id}/retention"): Route(
        {"series_id": _series}, {"retention_days": "1"}
    ),
}
# Sockets are probed in the tests below; each id here is checked there.
SOCKETS = frozenset(
    {"/ws/live/{public_id}", "/ws/host/{public_id}", "/ws/notes/{room}", "/ws/projector/{venue_id}"}
)
# Parameters that name no object of a convening (a fixed word): never swapped.
WORDS = frozenset({"action", "extension"})


def test_idor_table_covers_every_route_with_a_path_parameter() -> None:
    routes = app_routes()
    with_params = {(m, p) for m, p in routes if "{" in p and m != "HEAD"}

    assert {(m, p) for m, p in with_params if m != "WS"} == set(ROUTES)
    assert {p for m, p in with_params if m == "WS"} == SOCKETS


# --- probing -----------------------------------------------------------------------------


def db_state(server: LiveServer) -> dict[str, list[str]]:
    found = database.every_row(server.database_url, skip=VOLATILE_TABLES)
    return {table: sorted(map(repr, rows)) for table, rows in found.items()}


def urls_for(path: str, route: Route, a: World, b: World) -> list[str]:
    """B's ids everywhere; and, where a path names more than the convening, A's convening
    with B's other ids (the breakout-room IDOR: your own call, someone else's object)."""

    def fill(convening: World, rest: World) -> str:
        url = path
        for name, ids in route.ids.items():
            source = convening if name in ("public_id", *WORDS) else rest
            url = url.replace("{" + name + "}", ids(source))
        return url

    urls = [fill(b, b)]
    # A key both convenings have (their first feedback question is "q1") is a name inside a
    # convening, not a reference to B's object: only keys that differ are mixed in.
    others = [ids for name, ids in route.ids.items() if name not in ("public_id", *WORDS)]
    if "public_id" in route.ids and any(ids(a) != ids(b) for ids in others):
        urls.append(fill(a, b))
    return urls


def call(client: httpx.Client, method: str, url: str, route: Route) -> httpx.Response:
    if method == "GET":
        return client.get(url, follow_redirects=False)
    token = Browserish.csrf(client, "/login")  # type: ignore[arg-type]  # any client
    data = {**route.form, "csrf_token": token}
    files = None
    if route.files:
        files = {"roster": ("roster.csv", b"name,email\r\nHijack,h@example.org\r\n", "text/csv")}
    return client.post(url, data=data, files=files, follow_redirects=False)


def refused(response: httpx.Response, *, must_be_404: bool) -> bool:
    if "This form has expired" in response.text:
        return False  # refused for its CSRF token: that would prove nothing about scope
    if response.status_code == 404:
        return True
    if must_be_404:
        return False
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    return response.status_code in (302, 303, 307) and location.startswith("/login")


PROBED = sorted(ROUTES)


@pytest.mark.parametrize(("method", "path"), PROBED, ids=[f"{m} {p}" for m, p in PROBED])
def test_idor_route_refuses_other_convenings_ids(
    idor_server: LiveServer, worlds: Worlds, method: str, path: str
) -> None:
    route = ROUTES[(method, path)]
    if route.capability:
        pytest.skip(f"capability, not a reference: {route.capability}")
    a, b = worlds.a, worlds.b
    stranger = client_for(idor_server)
    actors = {
        "host of A": (a.host, path.startswith("/host/")),
        "participant of A": (a.people[0].client, path.startswith("/c/")),
        "stranger": (stranger, False),
    }
    before = db_state(idor_server)

    outcomes = []
    for url in urls_for(path, route, a, b):
        for actor, (client, must_be_404) in actors.items():
            response = call(client, method, url, route)
            outcomes.append(
                (
                    actor,
                    url,
                    response.status_code,
                    refused(response, must_be_404=must_be_404),
                    B_MARK in response.text or B_HOST_NAME in response.text,
                )
            )

    assert [o for o in outcomes if not o[3] or o[4]] == [], outcomes
    assert db_state(idor_server) == before


def test_idor_report_form_does_not_preselect_or_name_another_convenings_person(
    idor_server: LiveServer, worlds: Worlds
) -> None:
    a, b = worlds.a, worlds.b
    ana = a.people[0].client

    page = ana.get(f"/c/{a.public_id}/report?participant={b.people[0].public_id}")

    assert page.status_code == 200
    assert B_MARK not in page.text
    assert f'value="{b.people[0].public_id}"' not in page.text


def test_idor_report_naming_another_convenings_person_is_not_found(
    idor_server: LiveServer, worlds: Worlds
) -> None:
    a, b = worlds.a, worlds.b
    ana = a.people[0].client
    before = db_state(idor_server)
    page = f"/c/{a.public_id}/report"

    response = ana.submit(
        page,
        {"reported": b.people[0].public_id, "reason": "other", "details": "Hijacked"},
        form_page=page,
    )

    assert response.status_code == 404
    assert B_MARK not in response.text
    assert db_state(idor_server) == before


OWN_HOST_PAGES = (
    "/host",
    "{base}",
    "{base}/edit",
    "{base}/live",
    "{base}/zoom",
    "{base}/zoom.csv",
    "{base}/feedback",
    "{base}/intersections",
    "{base}/reports",
    "{base}/reports/list",
    "{base}/notes",
    "{base}/notes.md",
    "{base}/reflection",
    "{base}/reflection/preview",
    "{base}/reflection.md",
    "{base}/personal-links.csv",
    "{base}/calendar.ics",
    "/host/series/{series}",
    "/host/convenings/{next}",
    "/host/convenings/{next}/personal-links.csv",
)
OWN_PARTICIPANT_PAGES = (
    "lobby",
    "people",
    "report",
    "feedback",
    "my-data",
    "my-data.json",
    "connections",
    "notes",
    "notes/read",
    "reflection",
    "calendar.ics",
)


def test_idor_own_pages_and_exports_show_nothing_of_the_other_convening(
    idor_server: LiveServer, worlds: Worlds
) -> None:
    a = worlds.a
    ids = {"base": a.base, "series": a.series_id, "next": a.next_public_id}
    pages = {path.format(**ids): a.host for path in OWN_HOST_PAGES}
    pages |= {f"/c/{a.public_id}/{p}": a.people[0].client for p in OWN_PARTICIPANT_PAGES}

    shown = {path: client.get(path) for path, client in pages.items()}

    assert {path: r.status_code for path, r in shown.items()} == dict.fromkeys(shown, 200)
    assert [p for p, r in shown.items() if B_MARK in r.text or B_HOST_NAME in r.text] == []
    # Each shows A's own people or texts (so the check above had something to look at),
    # except Zoom's pre-assignment, which holds rooms and emails only.
    assert [p for p, r in shown.items() if "ALPHA" not in r.text] == [f"{a.base}/zoom.csv"]


# --- sockets -----------------------------------------------------------------------------


async def _close_code(socket: websockets.ClientConnection) -> int | None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async with asyncio.timeout(10):
            while True:
                await socket.recv()
    return socket.close_code


def test_idor_sockets_refuse_another_convenings_ids(
    idor_server: LiveServer, worlds: Worlds
) -> None:
    a, b = worlds.a, worlds.b
    ana, host = a.people[0].client, a.host
    stranger = client_for(idor_server)

    async def live(path: str, client: Browserish, origin: str | None = None) -> int | None:
        socket = await LiveClient.connect(idor_server, path, client, origin=origin)
        with contextlib.suppress(websockets.ConnectionClosed):
            await socket.send({"type": "hello"})
        return await _close_code(socket.socket)

    async def notes(room: str, token: str) -> int | None:
        client = await NotesClient.connect(idor_server, room, token)
        code = await client.closed()
        await client.close()
        return code

    async def scenario() -> dict[str, int | None]:
        return {
            "participant of A on B's live socket": await live(f"/ws/live/{b.public_id}", ana),
            "host of A on B's live socket": await live(f"/ws/live/{b.public_id}", host),
            "stranger on B's live socket": await live(f"/ws/live/{b.public_id}", stranger),
            "host of A on B's console": await live(f"/ws/host/{b.public_id}", host),
            "participant of A on B's console": await live(f"/ws/host/{b.public_id}", ana),
            "stranger on B's console": await live(f"/ws/host/{b.public_id}", stranger),
            "A's notes ticket in B's room": await notes(b.public_id, a.participant_notes_token),
            "A's host ticket in B's room": await notes(b.public_id, a.host_notes_token),
            "no ticket in B's room": await notes(b.public_id, ""),
            "B's ticket from another site": await notes_from_elsewhere(b),
            "host of A on B's projector": await live(f"/ws/projector/{b.venue_id}", host),
            "stranger on B's projector": await live(f"/ws/projector/{b.venue_id}", stranger),
            "A's projector key on B's projector": await live(
                f"/ws/projector/{b.venue_id}?key={a.venue_id}", stranger
            ),
            "A's own live socket from another site": await live(
                f"/ws/live/{a.public_id}", ana, origin="https://evil.example"
            ),
        }

    async def notes_from_elsewhere(b: World) -> int | None:
        client = await NotesClient.connect(
            idor_server, b.public_id, b.participant_notes_token, origin="https://evil.example"
        )
        code = await client.closed()
        await client.close()
        return code

    codes = asyncio.run(scenario())

    assert codes == {
        "participant of A on B's live socket": 4404,
        "host of A on B's live socket": 4401,
        "stranger on B's live socket": 4401,
        "host of A on B's console": 4404,
        "participant of A on B's console": 4401,
        "stranger on B's console": 4401,
        "A's notes ticket in B's room": 4401,
        "A's host ticket in B's room": 4401,
        "no ticket in B's room": 4401,
        "B's ticket from another site": 4403,
        "host of A on B's projector": 4404,
        "stranger on B's projector": 4404,
        "A's projector key on B's projector": 4404,
        "A's own live socket from another site": 4403,
    }


def _count(server: LiveServer, sql: str, **params: object) -> int:
    return int(database.scalar(server.database_url, sql, **params))


def test_idor_commands_naming_another_convenings_people_are_refused(
    idor_server: LiveServer, worlds: Worlds
) -> None:
    a, b = worlds.a, worlds.b
    cara = b.people[0].public_id
    b_runs = _count(
        idor_server,
        "SELECT count(*) FROM round_run r JOIN convening c ON c.id = r.convening_id"
        " WHERE c.public_id = :p",
        p=b.public_id,
    )

    async def scenario() -> tuple[dict[str, object], dict[str, object]]:
        console = await LiveClient.connect(idor_server, f"/ws/host/{a.public_id}", a.host)
        await console.send({"type": "hello"})
        sockets = []
        for person in a.people:
            socket = await LiveClient.connect(idor_server, f"/ws/live/{a.public_id}", person.client)
            await socket.send({"type": "hello"})
            await socket.next("snapshot")
            sockets.append(socket)

        async def host_says(message: dict[str, object]) -> object:
            await console.send(message)
            return (await console.next("error"))["code"]

        async def ana_says(message: dict[str, object]) -> object:
            await sockets[0].send(message)
            return (await sockets[0].next("error"))["code"]

        host_codes = {
            "start B's round": await host_says({"type": "start_round", "round": b.round_ids[0]})
        }
        await console.send({"type": "start_round", "round": a.round_ids[0]})
        await sockets[0].next("snapshot", lambda m: m.get("group") is not None)
        host_codes |= {
            "move B's person": await host_says({"type": "move", "participant": cara}),
            "remove B's person": await host_says({"type": "remove", "participant": cara}),
            "mute B's person": await host_says(
                {"type": "mute", "participant": cara, "muted": True}
            ),
            "resolve B's help call": await host_says({"type": "resolve_help", "id": b.help_id}),
        }
        ana_codes = {
            "block B's person": await ana_says({"type": "block", "participant": cara}),
            "call B's person": await ana_says({"type": "call_offer", "to": cara, "sdp": "v=0"}),
            "send B's person a candidate": await ana_says(
                {"type": "call_candidate", "to": cara, "candidate": ""}
            ),
        }
        await console.send({"type": "end_round"})
        await console.next("done", lambda m: m["command"] == "end_round")
        for s in [console, *sockets]:
            await s.close()
        return host_codes, ana_codes

    host_codes, ana_codes = asyncio.run(scenario())

    assert host_codes == {
        "start B's round": "not_found",
        "move B's person": "not_found",
        "remove B's person": "not_found",
        "mute B's person": "not_found",
        "resolve B's help call": "not_found",
    }
    assert ana_codes == {
        "block B's person": "not_found",
        "call B's person": "not_in_group",
        "send B's person a candidate": "not_in_group",
    }
    assert _count(idor_server, "SELECT count(*) FROM participant_removal") == 0
    assert _count(idor_server, "SELECT count(*) FROM participant_mute") == 0
    assert _count(idor_server, "SELECT count(*) FROM participant_block") == 0
    assert (
        _count(
            idor_server,
            "SELECT count(*) FROM help_call WHERE id = :i AND resolved_at IS NULL",
            i=b.help_id,
        )
        == 1
    )
    assert b_runs == _count(
        idor_server,
        "SELECT count(*) FROM round_run r JOIN convening c ON c.id = r.convening_id"
        " WHERE c.public_id = :p",
        p=b.public_id,
    )
    assert b.people[0].client.get(f"/c/{b.public_id}/lobby").status_code == 200
