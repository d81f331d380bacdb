"""Fuzzing the live socket's message parser (#12): any JSON value or text gives a parsed
message or ``BadMessage``, never another exception."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from crossroads.live import protocol
from crossroads.live.protocol import BadMessage

pytestmark = pytest.mark.unit

PARSERS = {"participant": protocol.parse_participant, "host": protocol.parse_host}
KNOWN = sorted(protocol.PARTICIPANT_TYPES | protocol.HOST_TYPES)
BOUNDED = timedelta(seconds=2)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
# Objects that look like our messages: a known type, some known and some stray fields.
FIELDS = ["v", "type", "text", "to", "sdp", "candidate", "minutes", "participant", "round", "id"]
messages = st.builds(
    lambda kind, fields: {**fields, "type": kind},
    st.sampled_from([*KNOWN, "nope", ""]),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
)


def _parse_or_refuse(side: str, raw: str | bytes) -> None:
    try:
        parsed = PARSERS[side](raw)
    except BadMessage as exc:
        assert exc.code in {"too_big", "malformed", "forbidden", "unknown_type", "invalid"}
        assert exc.detail
        return
    assert isinstance(parsed, BaseModel)
    assert parsed.type in (  # type: ignore[attr-defined]  # every message model has one
        protocol.PARTICIPANT_TYPES if side == "participant" else protocol.HOST_TYPES
    )


@settings(max_examples=300, deadline=BOUNDED)
@given(st.sampled_from(sorted(PARSERS)), json_values | messages)
def test_any_json_value_is_parsed_or_refused(side: str, value: object) -> None:
    _parse_or_refuse(side, json.dumps(value))


@settings(max_examples=300, deadline=BOUNDED)
@given(st.sampled_from(sorted(PARSERS)), st.text(max_size=200) | st.binary(max_size=200))
def test_any_text_or_bytes_is_parsed_or_refused(side: str, raw: str | bytes) -> None:
    _parse_or_refuse(side, raw)


@settings(max_examples=100, deadline=BOUNDED)
@given(st.sampled_from(sorted(PARSERS)), st.integers(min_value=1, max_value=8000))
def test_deeply_nested_json_is_refused_as_malformed(side: str, depth: int) -> None:
    raw = '{"type": "chat", "text": ' + "[" * depth + "]" * depth + "}"

    try:
        PARSERS[side](raw)
    except BadMessage as exc:
        assert exc.code in {"malformed", "invalid", "forbidden", "too_big"}
    else:
        pytest.fail("a list is not a chat text")


def test_nesting_deeper_than_the_decoder_recurses_is_malformed() -> None:
    raw = "[" * 8000 + "]" * 8000

    with pytest.raises(BadMessage) as refused:
        protocol.parse_participant(raw)

    assert (refused.value.code, refused.value.detail) == (
        "malformed",
        "not JSON: nested too deeply",
    )


def test_frame_over_the_limit_is_too_big_before_decoding() -> None:
    raw = json.dumps({"type": "chat", "text": "x" * protocol.MAX_FRAME_BYTES})

    with pytest.raises(BadMessage) as refused:
        protocol.parse_participant(raw)

    assert refused.value.code == "too_big"
