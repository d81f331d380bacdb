"""Fuzzed frames on the real sockets (#12): a batch of bad frames from one client gets that
client refused (notes: closed with 1007; live: an error reply per frame), while a second
client in the same room keeps working and the stored notes do not change."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc

from crossroads.live import protocol as live_protocol
from crossroads.notes import protocol
from tests import database
from tests.integration.conftest import Browserish, join, login, serve
from tests.integration.live_clients import LiveClient, planned_convening
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.sqlite_only(
        reason="frames are refused before the database is reached; on PostgreSQL too, "
        "test_notes.py checks bad frames store nothing and test_live.py that they get an error"
    ),
]

FUZZ = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _refused_by_parser(frame: bytes) -> bool:
    try:
        protocol.parse_frame(frame)
    except protocol.FrameError:
        return True
    return False


def _not_an_update(payload: bytes) -> bool:
    try:
        Doc().apply_update(payload)
    except ValueError:
        return True
    return False


def _truncations(frame: bytes) -> st.SearchStrategy[bytes]:
    return st.integers(min_value=1, max_value=len(frame) - 1).map(lambda cut: frame[:cut])


_valid = protocol.sync_message(protocol.UPDATE, b"\x01\x01\x05\x00\x04\x01\x04free\x01x\x00")
bad_notes_frames = st.one_of(
    st.binary(min_size=1, max_size=200).filter(_refused_by_parser),
    _truncations(_valid).filter(_refused_by_parser),
    # A length that runs past the end of the frame.
    st.binary(max_size=50).map(lambda p: bytes([0, 2]) + protocol.write_varuint(len(p) + 7) + p),
    # Well framed, but the payload is no Yjs update.
    st.binary(min_size=1, max_size=100)
    .filter(_not_an_update)
    .map(lambda p: protocol.sync_message(protocol.UPDATE, p)),
    # Presence whose state is not JSON (every browser would JSON.parse it).
    st.binary(max_size=40)
    .filter(lambda s: not s.strip().startswith((b"{", b"[", b'"')) and not s.strip().isdigit())
    .map(
        lambda s: protocol.awareness_message(
            protocol.encode_awareness([protocol.AwarenessEntry(7, 1, b"{" + s)])
        )
    ),
)


@pytest.fixture(scope="module")
def fuzz_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("fuzz-sockets"))) as server:
        yield server


@pytest.fixture(scope="module")
def room(fuzz_server: LiveServer) -> tuple[str, Browserish, Browserish]:
    host = login(fuzz_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    ana = join(fuzz_server, convening.invite_url, "Ana")
    mallory = join(fuzz_server, convening.invite_url, "Mallory")
    return convening.public_id, ana, mallory


def _stored(server: LiveServer, room: str) -> list[bytes]:
    url = server.database_url
    updates = database.rows(
        url, "SELECT data FROM notes_update WHERE room = :r ORDER BY id", r=room
    )
    snapshots = database.rows(url, "SELECT data FROM notes_snapshot WHERE room = :r", r=room)
    return [bytes(row[0]) for row in (*snapshots, *updates)]


@FUZZ
@given(batch=st.lists(bad_notes_frames, min_size=8, max_size=15))
def test_fuzzed_notes_frames_close_only_the_sender_and_store_nothing(
    fuzz_server: LiveServer, room: tuple[str, Browserish, Browserish], batch: list[bytes]
) -> None:
    public_id, ana, mallory = room
    ana_token = notes_token(ana, f"/c/{public_id}/notes")
    mallory_token = notes_token(mallory, f"/c/{public_id}/notes")

    async def scenario() -> None:
        good = await NotesClient.connect(fuzz_server, public_id, ana_token)
        await good.synced.wait()
        await good.type("free", "steady ")
        await good.wait_acked()
        before = _stored(fuzz_server, public_id)
        text = str(good.text("free"))
        closes = []
        for frame in batch:
            bad = await NotesClient.connect(fuzz_server, public_id, mallory_token)
            await bad.socket.send(frame)
            closes.append(await bad.closed())
            await bad.close()

        assert closes == [1007] * len(batch)
        assert _stored(fuzz_server, public_id) == before
        # The other writer was never disconnected and carries on.
        await good.type("free", "still here ")
        await good.wait_acked()
        reader = await NotesClient.connect(fuzz_server, public_id, mallory_token)
        await reader.wait_text("free", text + "still here ")
        await reader.close()
        await good.close()

    asyncio.run(scenario())


KNOWN_TYPES = sorted(live_protocol.PARTICIPANT_TYPES | live_protocol.HOST_TYPES)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
bad_live_frames = st.one_of(
    st.text(max_size=120),
    st.binary(max_size=120),
    json_values.map(json.dumps),
    st.builds(
        lambda kind, fields: json.dumps({**fields, "type": kind}),
        st.sampled_from([*KNOWN_TYPES, "nope"]),
        st.dictionaries(st.sampled_from(["v", "to", "text", "sdp", "id", "x"]), json_values),
    ),
    st.integers(min_value=1000, max_value=8000).map(lambda n: "[" * n + "]" * n),
)


def _refusal(frame: str | bytes) -> str | None:
    """The error code our parser gives this frame, or None when it is a valid message."""
    try:
        live_protocol.parse_participant(frame)
    except live_protocol.BadMessage as exc:
        return exc.code
    return None


@FUZZ
@given(batch=st.lists(bad_live_frames.filter(lambda f: _refusal(f) is not None), min_size=10))
def test_fuzzed_live_frames_get_error_replies_and_leave_others_working(
    fuzz_server: LiveServer, room: tuple[str, Browserish, Browserish], batch: list[str | bytes]
) -> None:
    public_id, ana, mallory = room
    path = f"/ws/live/{public_id}"

    async def scenario() -> None:
        good = await LiveClient.connect(fuzz_server, path, ana)
        bad = await LiveClient.connect(fuzz_server, path, mallory)
        codes = []
        for frame in batch:
            await bad.send(frame)
            codes.append((await bad.next("error"))["code"])

        assert codes == [_refusal(frame) for frame in batch]
        # The fuzzing client is still connected, and so is everyone else.
        await bad.send({"type": "ping"})
        await bad.next("pong")
        await good.send({"type": "ping"})
        await good.next("pong")
        assert [m for m in good.seen if m.get("type") == "error"] == []
        await bad.close()
        await good.close()

    asyncio.run(scenario())
