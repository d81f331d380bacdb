"""The structural pre-check of updates (notes/update_check.py), against pycrdt's own updates."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text, merge_updates

from crossroads.notes.protocol import FrameError
from crossroads.notes.update_check import (
    MAX_CLIENT,
    UpdateRefused,
    check_state_vector,
    check_update,
)
from tests.notes_fuzz import varint

pytestmark = pytest.mark.unit

# The update that panicked yrs 0.28 (docs/upstream/yrs-panic-block-store.md): client
# 0x49...d9 and the same id plus 2**53, both 8-byte varints.
CRASHING_UPDATE = bytes.fromhex(
    "0201d9ff859785aa91490004010174016201d9ff859785aa91090044d9ff859785aa91490002636300"
)

ops = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.booleans(),
        st.integers(0, 50),
        st.sampled_from(["a", "bc", "ñ", "x y"]),
    ),
    min_size=1,
    max_size=12,
)


def genuine_updates(client_ids: list[int], script: list[tuple[int, bool, int, str]]) -> list[bytes]:
    """Every update a few pycrdt clients emit while typing and deleting, plus merges."""
    docs = [Doc(client_id=cid) for cid in client_ids]
    out: list[bytes] = []
    for doc in docs:
        doc.observe(lambda event: out.append(event.update))
    for who, delete, where, words in script:
        doc = docs[who % len(docs)]
        text = doc.get("prompt:a", type=Text)
        if delete and len(str(text)):
            start = where % len(str(text))
            # pycrdt indexes UTF-8 bytes: delete a whole ASCII-or-not character range safely
            prefix = len(str(text)[:start].encode())
            del text[prefix : prefix + len(str(text)[start].encode())]
        else:
            size = len(str(text))
            text.insert(len(str(text)[: where % (size + 1)].encode()), words)
        other = docs[(who + 1) % len(docs)]
        if where % 3 == 0:
            other.apply_update(doc.get_update(other.get_state()))
    out += [doc.get_update() for doc in docs]
    if len(out) > 1:
        out.append(merge_updates(*out))
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, MAX_CLIENT), min_size=1, max_size=3, unique=True),
    ops,
)
def test_every_update_and_state_vector_pycrdt_writes_passes(
    client_ids: list[int], script: list[tuple[int, bool, int, str]]
) -> None:
    for update in genuine_updates(client_ids, script):
        check_update(update)
        doc = Doc()
        doc.apply_update(update)
        check_state_vector(doc.get_state())


def test_the_update_that_panicked_yrs_is_refused_for_its_client_id() -> None:
    with pytest.raises(UpdateRefused, match="beyond 53 bits"):
        check_update(CRASHING_UPDATE)


@pytest.mark.parametrize("client", [2**53, 2**53 + 5, 2**56 - 1])
def test_client_ids_beyond_53_bits_are_refused_wherever_they_appear(client: int) -> None:
    placeholder = 2**52 + 12345
    doc = Doc(client_id=placeholder)
    text = doc.get("prompt:a", type=Text)
    text += "abc"
    del text[0:1]
    update = doc.get_update().replace(varint(placeholder), varint(client))
    with pytest.raises(UpdateRefused, match="beyond 53 bits"):
        check_update(update)
    with pytest.raises(UpdateRefused, match="beyond 53 bits"):
        check_state_vector(doc.get_state().replace(varint(placeholder), varint(client)))


def test_a_client_id_of_nine_or_ten_varint_bytes_is_refused() -> None:
    # 0 groups, then a delete set naming a client whose varint takes 9 bytes.
    update = b"\x00\x01" + varint(2**60) + b"\x01\x00\x01"
    with pytest.raises(FrameError):
        check_update(update)


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        (b"\x00\x00\x00", "trailing bytes"),
        (b"\x00", "truncated"),
        (b"\x01\x01\x05\x00\x04\x01\x01t\x00\x00", "empty struct"),  # a "" string item
        (b"\x00\x01\x05\x01" + varint(2**40) + b"\x01", "clock out of range"),
        (b"\x00\x01\x05\x01\x00" + varint(2**33), "clock out of range"),
        (b"\x00\x02\x05\x00\x05\x00", "twice"),  # one client twice in the delete set
        (b"\x7f\x00", "more client groups than bytes"),
        # an item whose origin is its own client's later clock
        (b"\x01\x01\x05\x00\x84\x05\x03\x01a\x00", "origin comes after"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.hex(),
)
def test_structures_no_client_writes_are_refused(update: bytes, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        check_update(update)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=256))
def test_any_bytes_are_checked_or_refused_without_other_errors(data: bytes) -> None:
    for check in (check_update, check_state_vector):
        with contextlib.suppress(FrameError):
            check(data)
