"""Merging a long log a few updates at a time (crdt_guard.merge_updates) gives the document
one flat merge gives: same text in every section, same state vector, whatever the writers did,
including an update whose parent is missing from the log (it must stay pending, not vanish)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text
from pycrdt import merge_updates as flat_merge

from crossroads.notes import crdt_guard

SECTIONS = ("free", "prompt:a")

# (writer, section, insert or delete, position, text) steps of up to four writers, who sync
# every few steps: concurrent inserts at the same place and deletes of others' text included.
steps = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from(SECTIONS),
        st.booleans(),
        st.integers(0, 1000),
        st.text(alphabet="abc ", min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=120,
)


def _log(plan: list[tuple[int, str, bool, int, str]]) -> list[bytes]:
    writers = [Doc() for _ in range(4)]
    log: list[bytes] = []
    for number, (who, section, insert, position, text) in enumerate(plan):
        doc = writers[who]
        before = doc.get_state()
        shared = doc.get(section, type=Text)
        at = position % (len(shared) + 1)
        if insert or len(shared) == 0:
            shared.insert(at, text)
        else:
            del shared[at : min(len(shared), at + len(text))]
        log.append(doc.get_update(before))
        if number % 5 == 4:  # a sync round: everyone gets everything so far
            everything = flat_merge(*log)
            for other in writers:
                other.apply_update(everything)
    return log


def _read(update: bytes) -> tuple[list[str], bytes]:
    doc = Doc()
    doc.apply_update(update)
    return [str(doc.get(name, type=Text)) for name in SECTIONS], doc.get_state()


@settings(max_examples=60, deadline=None)
@given(plan=steps, fan_in=st.integers(2, 5), drop=st.integers(-1, 119))
def test_merging_a_few_at_a_time_gives_the_flat_merge(
    plan: list[tuple[int, str, bool, int, str]], fan_in: int, drop: int
) -> None:
    log = _log(plan)
    if 0 <= drop < len(log) - 1:
        del log[drop]  # a later update of that writer now waits for a missing parent
    saved, crdt_guard.MERGE_FAN_IN = crdt_guard.MERGE_FAN_IN, fan_in
    try:
        assert _read(crdt_guard.merge_updates(*log)) == _read(flat_merge(*log))
    finally:
        crdt_guard.MERGE_FAN_IN = saved
