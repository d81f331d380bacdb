"""Who wrote what: replaying a log of (update, author) rows, with and without a snapshot."""

from __future__ import annotations

import pytest
from pycrdt import Doc, Text, merge_updates

from crossroads.notes.attribution import replay, runs_with_text

pytestmark = pytest.mark.unit


def test_replay_gives_each_writer_their_inserted_text_minus_deletions() -> None:
    ana, bo = Doc(), Doc()
    rows = []
    for doc, author, change in [
        (ana, "p1", lambda t: t.insert(0, "land is life. ")),
        (bo, "p2", lambda t: t.insert(len(t), "rivers are kin 😀")),
        (ana, "p1", lambda t: t.__delitem__(slice(0, 5))),
    ]:
        for other, _a, _c in rows:
            doc.apply_update(other)
        before = doc.get_state()
        change(doc.get("prompt:x", type=Text))
        rows.append((doc.get_update(before), author, None))
    log = [(u, a) for u, a, _ in rows]

    doc, runs = replay(None, None, log, ["prompt:x"])
    text = str(doc.get("prompt:x", type=Text))

    assert text == "is life. rivers are kin 😀"
    assert runs_with_text(text, runs["prompt:x"]) == [
        ("p1", "is life. "),
        ("p2", "rivers are kin 😀"),
    ]

    # Compaction: the merged snapshot plus its runs, then more rows, give the same answer.
    snapshot = merge_updates(*(u for u, _ in log[:2]))
    _doc, kept = replay(None, None, log[:2])
    doc2, runs2 = replay(snapshot, kept, log[2:], ["prompt:x"])
    assert runs_with_text(str(doc2.get("prompt:x", type=Text)), runs2["prompt:x"]) == [
        ("p1", "is life. "),
        ("p2", "rivers are kin 😀"),
    ]
