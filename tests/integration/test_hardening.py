"""The server holds under abuse (#26, items 3, 7 and 8), on a real `crossroads serve`.

Login sprayers, half-open requests, too many sockets from one person, NUL bytes and
invisible characters in names and titles, private pages in caches, sockets to other hosts,
and a 100 MB upload. Tests that need a setting of their own start their own server on SQLite
(as the rate-limit tests elsewhere do); the ones touching stored text run on both databases.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests import database
from tests.integration.conftest import Browserish, client_for, create_convening, join, login
from tests.integration.live_clients import cookie_header
from tests.servers import HOST_PASSWORD, LiveServer, running_server

pytestmark = pytest.mark.integration

NOTES_TOKEN = re.compile(r'data-token="([^"]+)"')
SOCKET_TIMEOUT = 20.0  # a client's patience in these tests, never a measured budget


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with short header, body and keep-alive timeouts, a small header cap and
    three sockets a person."""
    with running_server(
        tmp_path_factory.mktemp("guarded"),
        header_timeout_seconds="1",
        keep_alive_seconds="1",
        max_header_bytes="8192",
        max_sockets_per_person="3",
        body_timeout_seconds="1",
    ) as live:
        yield live


def _raw(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=SOCKET_TIMEOUT)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or resets it)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _read_health(sock: socket.socket) -> bytes:
    """One whole /healthz answer (its body may come in a packet of its own)."""
    received = b""
    while b"}" not in received:
        chunk = sock.recv(65536)
        assert chunk, received
        received += chunk
    return received


# Item 3: login limits per address, and hashing off the loop -------------------------------


def test_logins_with_different_emails_from_one_address_get_429_after_the_address_limit(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "limited", rate_limit_login_address="5/minute") as live:
        client = client_for(live)
        statuses = [
            client.submit(
                "/login", {"email": f"sprayer{i}@example.org", "password": "wrong password"}
            ).status_code
            for i in range(7)
        ]

    # Five distinct emails pass to a (failed) verify; the sixth and seventh are refused.
    assert statuses == [400] * 5 + [429] * 2


def test_health_answers_while_sprayers_hammer_login(tmp_path: Path) -> None:
    sprayers = 32
    with running_server(tmp_path / "sprayed") as live:
        stop = threading.Event()
        attempts = [0] * sprayers
        busy = [0] * sprayers

        def spray(n: int) -> None:
            with client_for(live) as client:
                token = client.csrf("/login")
                while not stop.is_set():
                    response = client.post(
                        "/login",
                        data={
                            "email": f"sprayer{n}-{attempts[n]}@example.org",
                            "password": "wrong password",
                            "csrf_token": token,
                        },
                    )
                    # 400: checked and wrong; 503: refused at once, the hashing queue is full.
                    assert response.status_code in (400, 503), response.status_code
                    attempts[n] += 1
                    busy[n] += response.status_code == 503

        threads = [threading.Thread(target=spray, args=(n,), daemon=True) for n in range(sprayers)]
        for thread in threads:
            thread.start()
        try:
            # A few answered: the sprayers' logins now keep the hashing pool busy and queued.
            while sum(attempts) < 4:
                time.sleep(0.05)
            # The health check answers at once while Argon2 verifies queue for the hashing
            # pool: each one run on the loop instead would stand in its way, and the queue
            # ahead of it would outlast this client's timeout.
            with httpx.Client(base_url=live.url, timeout=2.0) as probe:
                answers = [probe.get("/healthz").status_code for _ in range(20)]
            # 32 sprayers against a queue of 16: some were refused rather than queued.
            while sum(busy) == 0 and sum(attempts) < 2000:
                time.sleep(0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=SOCKET_TIMEOUT)
        assert answers == [200] * 20
        assert sum(busy) > 0
        # Once the storm passes, a host logs in at once.
        host = login(live, "host@example.org")
        host.close()


# Item 7: header and keep-alive timeouts, header cap, sockets per person --------------------


def test_half_open_requests_are_closed_after_the_header_timeout(guarded: LiveServer) -> None:
    silent = _raw(guarded)
    partial = _raw(guarded)
    trickling = _raw(guarded)
    partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    trickling.sendall(b"GET /healthz HTTP/1.1\r\n")

    def trickle() -> None:  # a header byte every 0.3 s: never complete, never idle for long
        try:
            for _ in range(60):
                trickling.sendall(b"X")
                time.sleep(0.3)
        except OSError:
            pass

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    # Each is closed by the server without an answer; with no timeout each read would wait
    # for SOCKET_TIMEOUT and raise.
    assert _read_until_closed(silent) == b""
    assert _read_until_closed(partial) == b""
    assert _read_until_closed(trickling) == b""
    thread.join(timeout=SOCKET_TIMEOUT)
    # The server still answers complete requests.
    assert httpx.get(f"{guarded.url}/healthz", timeout=SOCKET_TIMEOUT).status_code == 200


def test_idle_keep_alive_connection_is_closed_and_a_second_request_gets_its_own_timer(
    guarded: LiveServer,
) -> None:
    sock = _raw(guarded)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert _read_health(sock).startswith(b"HTTP/1.1 200")
    assert _read_until_closed(sock) == b""  # idle after the answer: closed

    again = _raw(guarded)
    again.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert _read_health(again).startswith(b"HTTP/1.1 200")
    again.sendall(b"GET /healthz HTTP/1.1\r\n")  # the next request's headers stall
    assert _read_until_closed(again) == b""


def test_headers_over_the_cap_get_431_and_the_connection_is_closed(guarded: LiveServer) -> None:
    sock = _raw(guarded)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    sock.sendall(b"X-Padding: " + b"a" * 9000 + b"\r\n\r\n")

    answer = _read_until_closed(sock)

    assert answer.startswith(b"HTTP/1.1 431")


def test_a_body_that_stops_arriving_gets_408_and_the_connection_closes(
    guarded: LiveServer,
) -> None:
    sock = _raw(guarded)
    sock.sendall(
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        b"email=a%40"  # 10 of the 100 bytes promised, then nothing
    )

    answer = _read_until_closed(sock)

    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"stopped arriving" in answer


def test_connections_past_the_cap_are_closed_unread_and_capacity_returns(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "capped", max_connections="4") as live:
        # Accepted in order: by the time the fifth is, the four are counted.
        silent = [_raw(live) for _ in range(4)]

        extra = _raw(live)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        refused = _read_until_closed(extra)

        for sock in silent:
            sock.close()
        after = None
        for _ in range(50):  # until the server has seen the four go
            try:
                after = httpx.get(f"{live.url}/healthz", timeout=SOCKET_TIMEOUT).status_code
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            if after == 200:
                break
            time.sleep(0.1)

    assert refused == b""  # closed before it was read: no answer at all
    assert after == 200


def _notes_token(client: Browserish, path: str) -> str:
    match = NOTES_TOKEN.search(client.get(path).text)
    assert match, path
    return match[1]


async def _open(url: str, headers: dict[str, str]) -> websockets.ClientConnection:
    return await websockets.connect(url, additional_headers=headers, open_timeout=SOCKET_TIMEOUT)


async def _close_code(socket: websockets.ClientConnection, *, hello: bool = False) -> int | None:
    """The code the server closed ``socket`` with; None when it answered instead (a live
    socket answers the client's hello with a snapshot, a notes socket opens with sync)."""
    try:
        if hello:
            await socket.send('{"v": 1, "type": "hello", "last_seq": 0}')
        await socket.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


async def test_one_person_gets_n_live_and_n_notes_sockets_and_the_next_is_refused(
    guarded: LiveServer,
) -> None:
    host = login(guarded, "host@example.org")
    convening = create_convening(host, "Socket caps")
    ana = join(guarded, convening.invite_url, "Ana")
    bilal = join(guarded, convening.invite_url, "Bilal")
    ws_base = guarded.url.replace("http", "ws", 1)
    live_url = f"{ws_base}/ws/live/{convening.public_id}"
    room = convening.public_id
    ana_headers = {"Origin": guarded.url, "Cookie": cookie_header(ana)}
    notes_token = _notes_token(ana, f"/c/{convening.public_id}/notes")
    notes_url = f"{ws_base}/ws/notes/{room}?token={notes_token}"

    held = [await _open(live_url, ana_headers) for _ in range(3)]
    held += [await _open(notes_url, {"Origin": guarded.url}) for _ in range(3)]
    fourth_live = await _open(live_url, ana_headers)
    fourth_notes = await _open(notes_url, {"Origin": guarded.url})
    others = await _open(live_url, {"Origin": guarded.url, "Cookie": cookie_header(bilal)})

    assert await _close_code(fourth_live, hello=True) == 4429
    assert await _close_code(fourth_notes) == 4429
    # Another person is not affected: a snapshot arrives, not a close.
    assert await asyncio.wait_for(_close_code(others, hello=True), SOCKET_TIMEOUT) is None
    # A closed socket gives its place back.
    await held[0].close()
    await held[3].close()
    again_live = await _open(live_url, ana_headers)
    again_notes = await _open(notes_url, {"Origin": guarded.url})
    assert await asyncio.wait_for(_close_code(again_live, hello=True), SOCKET_TIMEOUT) is None
    assert await asyncio.wait_for(_close_code(again_notes), SOCKET_TIMEOUT) is None
    for sock in [*held[1:3], *held[4:], again_live, again_notes, others]:
        await sock.close()


# Item 8: control and invisible characters, caches, CSP, uploads ---------------------------


def test_nul_byte_in_a_title_is_a_field_error_and_stores_nothing(
    server: LiveServer, host: Browserish
) -> None:
    before = database.scalar(server.database_url, "SELECT count(*) FROM convening")

    response = host.submit(
        "/host/convenings",
        {
            "title": "Coalition\x00call",
            "starts_at": "2030-05-04T14:00",
            "timezone": "Europe/Paris",
            "duration_minutes": "90",
            "languages": ["en"],
            "privacy_mode": "named",
        },
        form_page="/host/convenings/new",
    )

    assert response.status_code == 422
    assert "Remove the control characters" in response.text
    assert database.scalar(server.database_url, "SELECT count(*) FROM convening") == before


def test_nul_byte_or_line_break_in_a_display_name_is_a_field_error(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Names with NUL")
    path = convening.invite_url.removeprefix(server.url)
    for name in ("Ana\x00", "Ana\nLopez"):
        client = client_for(server)
        response = client.submit(
            path,
            {"display_name": name, "languages": ["en"], "coc_accepted": "on"},
            form_page=path,
        )
        assert response.status_code == 422, response.text
        assert "Remove the control characters" in response.text
    names = database.rows(
        server.database_url,
        "SELECT p.display_name FROM participant p JOIN convening c ON c.id = p.convening_id "
        "WHERE c.public_id = :public_id",
        public_id=convening.public_id,
    )
    assert names == []


def test_bidi_overrides_and_zero_width_characters_are_dropped_from_names_and_titles(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "\u202eCoalition\u200b call\u2066")
    join(server, convening.invite_url, "Ana\u202e Lopez\u200b\ufeff")

    title = database.scalar(
        server.database_url,
        "SELECT title FROM convening WHERE public_id = :public_id",
        public_id=convening.public_id,
    )
    names = database.rows(
        server.database_url,
        "SELECT p.display_name FROM participant p JOIN convening c ON c.id = p.convening_id "
        "WHERE c.public_id = :public_id",
        public_id=convening.public_id,
    )
    assert title == "Coalition call"
    assert names == [("Ana Lopez",)]


def test_nul_byte_in_a_roster_name_names_its_line_and_imports_nothing(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Roster with NUL")
    page = f"/host/convenings/{convening.public_id}"

    response = host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={
            "roster": (
                "r.csv",
                b"name,email\nAna,ana@example.org\nBil\x00al,bilal@example.org\n",
                "text/csv",
            )
        },
    )

    assert response.status_code == 422
    assert "Line 3: name contains control characters" in response.text
    invites = database.scalar(
        server.database_url,
        "SELECT count(*) FROM invite i JOIN convening c ON c.id = i.convening_id "
        "WHERE c.public_id = :public_id AND i.email <> ''",
        public_id=convening.public_id,
    )
    assert invites == 0


def test_nul_byte_in_a_login_email_is_a_field_error_not_a_500(server: LiveServer) -> None:
    client = client_for(server)

    response = client.submit("/login", {"email": "host\x00@example.org", "password": HOST_PASSWORD})

    assert response.status_code == 422
    assert "Remove the control characters" in response.text


def test_nul_byte_in_any_other_form_field_is_a_field_error_and_stores_nothing(
    server: LiveServer, host: Browserish
) -> None:
    """Prompts are not a name or title: the net under every form (verify_csrf) holds them."""
    convening = create_convening(host, "Prompt with NUL")
    base = f"/host/convenings/{convening.public_id}"
    host.submit(
        f"{base}/rounds",
        {"title": "Pairs", "kind": "pairs", "group_size": "2", "duration_minutes": "10"},
        form_page=base,
    )
    round_id = re.findall(r'/rounds/([A-Za-z0-9_-]+)/prompts"', host.get(base).text)[-1]

    response = host.submit(
        f"{base}/rounds/{round_id}/prompts", {"text_en": "Why\x00 here?"}, form_page=base
    )

    assert response.status_code == 422
    assert "Remove the control characters" in response.text
    prompts = database.scalar(
        server.database_url,
        "SELECT count(*) FROM prompt p JOIN round r ON r.id = p.round_id "
        "JOIN convening c ON c.id = r.convening_id WHERE c.public_id = :public_id",
        public_id=convening.public_id,
    )
    assert prompts == 0


def test_private_pages_and_files_are_never_stored_by_caches(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "No store")
    page = f"/host/convenings/{convening.public_id}"
    host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={"roster": ("r.csv", b"name,email\nBilal,bilal@example.org\n", "text/csv")},
    )
    ana = join(server, convening.invite_url, "Ana")
    responses = {
        "host list": host.get("/host"),
        "host page": host.get(page),
        "personal links": host.get(f"{page}/personal-links.csv"),
        "lobby": ana.get(f"/c/{convening.public_id}/lobby"),
        "my data": ana.get(f"/c/{convening.public_id}/my-data.json"),
        "login page": client_for(server).get("/login"),
    }

    assert {what: r.status_code for what, r in responses.items()} == dict.fromkeys(responses, 200)
    assert {what: r.headers.get("cache-control") for what, r in responses.items()} == dict.fromkeys(
        responses, "no-store"
    )
    # Static files keep their own caching.
    static = client_for(server).get("/static/build/app.js")
    assert static.headers.get("cache-control") not in (None, "no-store")


def test_csp_lets_sockets_reach_this_site_only(server: LiveServer, host: Browserish) -> None:
    policy = host.get("/host").headers["content-security-policy"]
    connect = next(p.split()[1:] for p in policy.split(";") if p.split()[0] == "connect-src")

    assert connect == ["'self'", f"ws://127.0.0.1:{server.port}"]


def test_upload_declared_over_the_limit_is_refused_before_it_is_read(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Huge roster")
    page = f"/host/convenings/{convening.public_id}"
    token = host.csrf(page)
    sock = _raw(server)
    head = (
        f"POST {page}/roster HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Cookie: {cookie_header(host)}\r\nX-CSRF-Token: {token}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {100 * 1024 * 1024}\r\n\r\n"
    )
    sock.sendall(head.encode() + b"--x\r\n")  # and not one byte more of the 100 MB

    answer = _read_until_closed(sock)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"larger than 5 MB" in answer


def test_streamed_upload_over_the_limit_is_refused_while_it_streams(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Streamed roster")
    page = f"/host/convenings/{convening.public_id}"
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        yield b'--x\r\nContent-Disposition: form-data; name="roster"; filename="r.csv"\r\n\r\n'
        for _ in range(100):  # 100 MB, in 1 MB chunks, if the server kept reading
            sent += 1
            yield b"name,email\n" + b"a" * (1024 * 1024 - 11)

    # No Content-Length (a generator is sent chunked): the server counts as it reads.
    response = host.post(
        f"{page}/roster",
        content=body(),
        headers={
            "X-CSRF-Token": host.csrf(page),
            "Content-Type": "multipart/form-data; boundary=x",
        },
    )

    assert response.status_code == 413
    assert "larger than 5 MB" in response.text
    assert sent < 100
    assert host.get("/healthz").status_code == 200


async def test_nul_byte_in_a_live_socket_message_is_an_error_reply_and_the_socket_stays(
    server: LiveServer, host: Browserish
) -> None:
    from tests.integration.live_clients import LiveClient

    convening = create_convening(host, "Live NUL")
    ana = join(server, convening.invite_url, "Ana")
    socket = await LiveClient.connect(server, f"/ws/live/{convening.public_id}", ana)
    try:
        await socket.send({"v": 1, "type": "hello", "last_seq": 0})
        await socket.next("snapshot")

        await socket.send({"v": 1, "type": "block", "participant": "p\x00"})
        reply = await socket.next("error")
        await socket.send({"v": 1, "type": "hello", "last_seq": 0})
        still = await socket.next("snapshot")
    finally:
        await socket.close()

    assert reply["code"] == "invalid"
    assert "control characters" in reply["error"]
    assert still["type"] == "snapshot"


async def test_control_characters_typed_into_the_notes_never_reach_the_hosts_export(
    server: LiveServer, host: Browserish
) -> None:
    """Probed after #26 landed: notes.md carried a participant's NUL and ESC as typed."""
    from tests.integration.live_clients import planned_convening
    from tests.integration.notes_client import NotesClient, notes_token

    convening = planned_convening(host, rounds=1)
    ana = join(server, convening.invite_url, "Ana")
    token = notes_token(ana, f"/c/{convening.public_id}/notes")
    client = await NotesClient.connect(server, convening.public_id, token)
    try:
        await client.type("free", "water\x00 rights\x1b[2J\x07 for all. ")
        await client.wait_acked()
    finally:
        await client.socket.close()

    export = host.get(f"/host/convenings/{convening.public_id}/notes.md")

    assert export.status_code == 200
    assert "water rights\\[2J for all." in export.text
    assert not re.search(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]", export.text)
