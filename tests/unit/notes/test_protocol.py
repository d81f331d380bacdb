"""Fuzzing the y-websocket frame parser (#12): any bytes give messages or ``FrameError``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads.notes import protocol
from crossroads.notes.protocol import AwarenessEntry, FrameError, Message
from crossroads.notes.structs import parse_update

pytestmark = pytest.mark.unit

# Generous: a hang or a quadratic blow-up takes far longer; a loaded CI machine does not.
BOUNDED = timedelta(seconds=2)


def _encode(message: Message) -> bytes:
    if message.kind == protocol.SYNC:
        assert message.step is not None
        return protocol.sync_message(message.step, message.payload)
    if message.kind == protocol.AWARENESS:
        return protocol.awareness_message(message.payload)
    return bytes([protocol.QUERY_AWARENESS])


messages = st.one_of(
    st.builds(
        Message,
        st.just(protocol.SYNC),
        st.sampled_from([protocol.STEP1, protocol.STEP2, protocol.UPDATE]),
        st.binary(max_size=300),
    ),
    st.builds(Message, st.just(protocol.AWARENESS), st.none(), st.binary(max_size=300)),
    st.just(Message(protocol.QUERY_AWARENESS, None, b"")),
)


@settings(max_examples=500, deadline=BOUNDED)
@given(st.binary(max_size=2048))
def test_parse_frame_of_any_bytes_gives_messages_or_frame_error(frame: bytes) -> None:
    try:
        parsed = protocol.parse_frame(frame)
    except FrameError:
        return
    assert b"".join(_encode(m) for m in parsed) == frame


@settings(max_examples=300, deadline=BOUNDED)
@given(st.lists(messages, min_size=1, max_size=5))
def test_parse_frame_reads_back_what_was_written(written: list[Message]) -> None:
    frame = b"".join(_encode(m) for m in written)

    assert protocol.parse_frame(frame) == written


@settings(max_examples=300, deadline=BOUNDED)
@given(st.lists(messages, min_size=1, max_size=5), st.data())
def test_truncated_frame_gives_frame_error_or_its_whole_messages(
    written: list[Message], data: st.DataObject
) -> None:
    frame = b"".join(_encode(m) for m in written)
    cut = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))

    try:
        parsed = protocol.parse_frame(frame[:cut])
    except FrameError:
        return
    # Cut exactly between two messages: what is left parses to the messages before the cut.
    assert parsed == written[: len(parsed)]
    assert b"".join(_encode(m) for m in parsed) == frame[:cut]


@settings(max_examples=200)
@given(
    st.sampled_from([protocol.STEP1, protocol.STEP2, protocol.UPDATE]),
    st.binary(max_size=64),
    st.integers(min_value=1, max_value=2**48),
)
def test_length_beyond_the_frame_is_refused(step: int, payload: bytes, extra: int) -> None:
    lying = bytes([protocol.SYNC, step]) + protocol.write_varuint(len(payload) + extra) + payload

    with pytest.raises(FrameError, match="length runs past the end of the frame"):
        protocol.parse_frame(lying)


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        (b"", "empty frame"),
        (b"\x80", "truncated varint"),
        (b"\x00\x02\xff\xff\xff", "truncated varint"),
        (b"\xff" * 9, "varint too long"),
        (b"\x00\x07\x00", "unknown sync step 7"),
        (b"\x05", "unknown message type 5"),
        (b"\x00\x02\x05ab", "length runs past the end of the frame"),
    ],
)
def test_malformed_frames_name_the_problem(frame: bytes, problem: str) -> None:
    with pytest.raises(FrameError, match=problem):
        protocol.parse_frame(frame)


def test_huge_frame_of_tiny_messages_is_read_in_one_pass() -> None:
    # A megabyte of one-byte "query awareness" messages: linear work, no quadratic re-slicing.
    frame = bytes([protocol.QUERY_AWARENESS]) * 1_000_000

    assert len(protocol.parse_frame(frame)) == 1_000_000


@settings(max_examples=400, deadline=BOUNDED)
@given(st.binary(max_size=1024))
def test_parse_awareness_of_any_bytes_gives_entries_or_frame_error(payload: bytes) -> None:
    try:
        entries = protocol.parse_awareness(payload)
    except FrameError:
        return
    # Same entries, though not always the same bytes: lib0 (and so our reader) accepts an
    # overlong varint such as 80 00 for 0, which encoding writes as 00.
    assert protocol.parse_awareness(protocol.encode_awareness(entries)) == entries


json_states = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
).map(lambda value: json.dumps(value).encode())


@settings(max_examples=200)
@given(
    st.lists(
        st.builds(
            AwarenessEntry,
            st.integers(min_value=0, max_value=2**53),
            st.integers(min_value=0, max_value=2**32),
            json_states,
        ),
        max_size=5,
    )
)
def test_parse_awareness_reads_back_json_states(entries: list[AwarenessEntry]) -> None:
    assert protocol.parse_awareness(protocol.encode_awareness(entries)) == entries


@pytest.mark.parametrize(
    "state",
    [
        b"{not json",
        b"\xff\xfe",
        b"[" * 5000 + b"]" * 5000,
        b'{"user": {"name": "A"}',
        # Python's json takes these; the browsers' JSON.parse throws on them (#26).
        b'{"cursor": NaN}',
        b"Infinity",
        b"[-Infinity]",
    ],
    ids=str,
)
def test_awareness_state_that_is_not_json_is_refused(state: bytes) -> None:
    payload = protocol.encode_awareness([AwarenessEntry(1, 1, state)])

    with pytest.raises(FrameError, match="awareness state is not JSON"):
        protocol.parse_awareness(payload)


@pytest.mark.parametrize(
    "cursor",
    [
        b"{}",  # y-codemirror reads anchor.item: undefined is not null, then .client throws
        b'{"item": {"client": 1}, "type": null, "tname": null, "assoc": 0}',
        b'{"item": {"client": 5, "clock": "a"}, "type": null, "tname": null, "assoc": 0}',
        b'{"item": null, "type": null, "tname": null, "assoc": 0}',  # Yjs: unexpected case
        b'{"item": {"client": 5, "clock": -1}, "type": null, "tname": null, "assoc": 0}',
        b'{"item": {"client": 5, "clock": 1.5}, "type": null, "tname": null, "assoc": 0}',
        b'{"item": null, "type": null, "tname": ["x"], "assoc": 0}',
        b"5",
    ],
    ids=str,
)
def test_awareness_cursor_that_no_client_writes_is_refused(cursor: bytes) -> None:
    """Probed after #26: a cursor position y-codemirror cannot read makes Yjs throw in every
    other browser's remote-selection plugin (CodeMirror then drops it: no one sees cursors);
    what no Yjs client writes (a fractional clock, a list for a name) is refused alike."""
    ends = b'"anchor": ' + cursor + b', "head": ' + cursor
    state = b'{"user": {"name": "A"}, "cursor": {' + ends + b"}}"
    payload = protocol.encode_awareness([AwarenessEntry(1, 1, state)])

    with pytest.raises(FrameError, match="awareness cursor"):
        protocol.parse_awareness(payload)


@pytest.mark.parametrize(
    "state",
    [
        b'{"user": {"name": "A"}, "cursor": null}',
        b'{"user": {"name": "A"}}',
        b'{"cursor": {"anchor": null, "head": null}}',
        b'"just a string"',
        # What y-codemirror sends: RelativePosition objects as JSON.stringify writes them.
        b'{"user": {"name": "A", "color": "#30bced"}, "cursor": {"anchor": {"type": null, '
        b'"tname": null, "item": {"client": 3184, "clock": 4}, "assoc": 0}, "head": {"type": '
        b'{"client": 3184, "clock": 0}, "tname": null, "item": null, "assoc": -1}}}',
        b'{"cursor": {"anchor": {"type": null, "tname": "prompt:a", "item": null, "assoc": 0},'
        b' "head": {"type": null, "tname": "prompt:a", "item": null, "assoc": 0}}}',
    ],
    ids=str,
)
def test_awareness_states_real_clients_send_pass(state: bytes) -> None:
    payload = protocol.encode_awareness([AwarenessEntry(1, 1, state)])

    assert protocol.parse_awareness(payload)[0].state == state


@settings(max_examples=400, deadline=BOUNDED)
@given(st.binary(max_size=1024))
def test_parse_update_of_any_bytes_gives_structs_or_frame_error(update: bytes) -> None:
    try:
        parsed = parse_update(update)
    except FrameError:
        return
    assert all(item.length >= 0 for item in parsed.items)
