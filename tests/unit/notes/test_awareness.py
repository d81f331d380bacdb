"""Awareness within bounds (notes/awareness.py): pure rules, no sockets."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads.notes import awareness
from crossroads.notes.awareness import (
    MAX_CLIENTS,
    MAX_STATE_BYTES,
    QUERY_BURST,
    AwarenessAbuse,
    QueryBudget,
    admit,
)
from crossroads.notes.protocol import AwarenessEntry

pytestmark = pytest.mark.unit


@dataclass(eq=False)
class Conn:
    closed: bool = False


def entry(client: int, clock: int = 1, state: bytes = b'{"user":{"name":"A"}}') -> AwarenessEntry:
    return AwarenessEntry(client, clock, state)


def test_a_connection_owns_at_most_a_few_client_ids() -> None:
    me = Conn()
    assert admit([entry(i) for i in range(MAX_CLIENTS)], me, set(), {}, {})
    with pytest.raises(AwarenessAbuse, match=f"at most {MAX_CLIENTS}"):
        admit([entry(i) for i in range(MAX_CLIENTS + 1)], me, set(), {}, {})
    with pytest.raises(AwarenessAbuse):
        admit([entry(99)], me, set(range(MAX_CLIENTS)), {}, {})
    # Its own ids can be renewed and removed as often as it likes.
    assert admit([entry(0, 5), entry(0, 6, b"null")], me, {0}, {}, {})


def test_a_large_state_is_refused() -> None:
    with pytest.raises(AwarenessAbuse, match=f"{MAX_STATE_BYTES} bytes"):
        admit([entry(1, state=b'"' + b"x" * MAX_STATE_BYTES + b'"')], Conn(), set(), {}, {})


def test_an_echo_of_someone_elses_entry_is_dropped_and_ownership_stays() -> None:
    me, them = Conn(), Conn()
    theirs = entry(7, 3)
    owner = {7: them}
    assert admit([theirs, entry(7, 4, b"null")], me, set(), owner, {7: theirs}) == []
    # Once its owner is gone, a reconnecting client may take its id back.
    them.closed = True
    assert admit([entry(7, 4)], me, set(), owner, {7: theirs}) == [entry(7, 4)]


def test_older_clocks_and_removals_of_unknown_ids_are_not_relayed() -> None:
    me = Conn()
    known = {1: entry(1, 9)}
    assert admit([entry(1, 3)], me, {1}, {1: me}, known) == []
    assert admit([entry(5, 1, b"null")], me, set(), {}, {}) == []


@settings(max_examples=200)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5), st.booleans()), max_size=12),
        max_size=8,
    )
)
def test_whatever_a_connection_sends_it_never_holds_more_than_the_cap(
    frames: list[list[tuple[int, int, bool]]],
) -> None:
    me = Conn()
    owned: set[int] = set()
    for frame in frames:
        entries = [entry(c, k, b"null" if gone else b"{}") for c, k, gone in frame]
        try:
            for e in admit(entries, me, owned, {}, {}):
                (owned.discard if e.state == b"null" else owned.add)(e.client_id)
        except AwarenessAbuse:
            break
        assert len(owned) <= MAX_CLIENTS


def test_queries_come_in_a_small_burst_then_slowly(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(awareness.time, "monotonic", lambda: now[0])
    budget = QueryBudget()
    for _ in range(QUERY_BURST):
        budget.take()
    with pytest.raises(AwarenessAbuse, match="too many awareness queries"):
        budget.take()
    now[0] += 1.0  # a second later, one more
    budget.take()
