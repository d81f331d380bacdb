"""Which sections a Yjs update touches, checked against updates made by pycrdt itself."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pycrdt import Doc, Text, merge_updates

from crossroads.notes.protocol import FrameError
from crossroads.notes.structs import SectionIndex, parse_update

pytestmark = pytest.mark.unit


def edit(doc: Doc, change: Callable[[], object]) -> bytes:
    before = doc.get_state()
    change()
    return doc.get_update(before)


def test_structs_name_the_section_of_inserts_after_text_and_of_deletions() -> None:
    doc = Doc()
    a = doc.get("prompt:a", type=Text)
    b = doc.get("prompt:b", type=Text)
    index = SectionIndex()
    first = parse_update(edit(doc, lambda: a.insert(0, "Ana")))
    index.add(first)
    index.add(parse_update(edit(doc, lambda: b.insert(0, "Bo"))))

    after = parse_update(edit(doc, lambda: a.insert(3, "!")))  # names only its left origin
    before = parse_update(edit(doc, lambda: a.insert(0, ">")))  # names only its right origin
    deletion = parse_update(edit(doc, lambda: b.__delitem__(slice(0, 1))))

    assert first.items[0].parent == "prompt:a"
    assert after.items[0].parent is None and after.items[0].origin is not None
    assert index.touched(after) == {"prompt:a"}
    assert index.touched(before) == {"prompt:a"}
    assert index.touched(deletion) == {"prompt:b"}


def test_structs_resolve_a_merged_update_and_a_full_state_from_another_writer() -> None:
    ana, bo = Doc(), Doc()
    index = SectionIndex()
    seed = edit(ana, lambda: ana.get("prompt:a", type=Text).insert(0, "land "))
    index.add(parse_update(seed))
    bo.apply_update(seed)
    one = edit(bo, lambda: bo.get("prompt:a", type=Text).insert(5, "is life"))
    two = edit(bo, lambda: bo.get("prompt:free", type=Text).insert(0, "hi 😀"))

    assert index.touched(parse_update(merge_updates(one, two))) == {"prompt:a", "prompt:free"}
    assert SectionIndex().touched(parse_update(bo.get_update())) == {"prompt:a", "prompt:free"}


def test_structs_cannot_place_an_item_whose_origin_is_unknown() -> None:
    doc = Doc()
    text = doc.get("prompt:a", type=Text)
    edit(doc, lambda: text.insert(0, "unseen by the server"))
    later = parse_update(edit(doc, lambda: text.insert(4, "!")))

    assert SectionIndex().touched(later) is None


def test_structs_reject_truncated_updates() -> None:
    doc = Doc()
    update = edit(doc, lambda: doc.get("prompt:a", type=Text).insert(0, "abc"))

    with pytest.raises(FrameError):
        parse_update(update[:-6])
