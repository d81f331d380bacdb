"""Which root types a Yjs update touches, read from its structs (for locked sections).

A Yjs v1 update lists, per client, its new structs, then a delete set. An item names its parent
only when it has no neighbours (a root type's name, or a nested type's id); otherwise its parent
is its left origin's parent, or its right origin's. So the room keeps a ``SectionIndex``: for each
client, the clock ranges of the items it knows and the root each belongs to. An update's items
are resolved against the index (and against each other, in any order); its deletions are looked
up in the index. Example: a keystroke typed after "Ana" in ``prompt:x`` is an item whose left
origin is the id of "a", which the index maps to ``prompt:x``.

Content the server never integrated as live items (GC ranges, skips, deletions of ids it has
never seen, e.g. already garbage-collected) cannot change visible text and is ignored; an item
whose parent cannot be resolved makes the answer ``None`` ("cannot tell"), which the room treats
as touching a locked section when any is locked. Mirrors Yjs's ``readClientsStructRefs`` and
``readDeleteSet`` (yjs/src/utils/encoding.js, updates.js); keep them in step.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from crossroads.notes.protocol import FrameError, read_bytes, read_varuint

Id = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Item:
    client: int
    clock: int
    length: int
    parent: str | Id | None  # a root's name, a nested type's id, or implied by the origins
    origin: Id | None
    right: Id | None


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    items: list[Item]
    deletes: list[tuple[int, int, int]]  # client, clock, length


def _id(data: bytes, pos: int) -> tuple[Id, int]:
    client, pos = read_varuint(data, pos)
    clock, pos = read_varuint(data, pos)
    return (client, clock), pos


def _string(data: bytes, pos: int) -> tuple[str, int]:
    raw, pos = read_bytes(data, pos)
    try:
        return raw.decode("utf-8"), pos
    except UnicodeDecodeError as exc:
        raise FrameError("bad string in update") from exc


def _content_length(data: bytes, pos: int, ref: int) -> tuple[int, int]:
    if ref == 1:  # deleted
        return read_varuint(data, pos)
    if ref == 2:  # JSON: count, then that many strings
        count, pos = read_varuint(data, pos)
        for _ in range(count):
            _, pos = read_bytes(data, pos)
        return count, pos
    if ref == 3:  # binary
        _, pos = read_bytes(data, pos)
        return 1, pos
    if ref == 4:  # string: its length in UTF-16 code units, as Yjs counts
        text, pos = _string(data, pos)
        return len(text.encode("utf-16-le")) // 2, pos
    if ref == 5:  # embed (JSON string)
        _, pos = read_bytes(data, pos)
        return 1, pos
    if ref == 6:  # format: key, value
        _, pos = read_bytes(data, pos)
        _, pos = read_bytes(data, pos)
        return 1, pos
    if ref == 7:  # a nested type
        type_ref, pos = read_varuint(data, pos)
        if type_ref in (3, 4):  # XmlElement, XmlHook carry a name
            _, pos = read_bytes(data, pos)
        return 1, pos
    raise FrameError(f"content kind {ref} is not used in notes")


def parse_update(update: bytes) -> ParsedUpdate:
    """The items and deletions of a v1 update; ``FrameError`` if it cannot be read."""
    try:
        return _parse(update)
    except IndexError as exc:
        raise FrameError("truncated update") from exc


def _parse(data: bytes) -> ParsedUpdate:
    items: list[Item] = []
    groups, pos = read_varuint(data, 0)
    for _ in range(groups):
        count, pos = read_varuint(data, pos)
        client, pos = read_varuint(data, pos)
        clock, pos = read_varuint(data, pos)
        for _ in range(count):
            info = data[pos]
            pos += 1
            ref = info & 0x1F
            if ref in (0, 10):  # GC and Skip: no content
                length, pos = read_varuint(data, pos)
                clock += length
                continue
            origin = right = None
            parent: str | Id | None = None
            if info & 0x80:
                origin, pos = _id(data, pos)
            if info & 0x40:
                right, pos = _id(data, pos)
            if not info & 0xC0:
                kind, pos = read_varuint(data, pos)
                if kind == 1:
                    parent, pos = _string(data, pos)
                else:
                    parent, pos = _id(data, pos)
                if info & 0x20:
                    _, pos = read_bytes(data, pos)  # parentSub (a map key)
            length, pos = _content_length(data, pos, ref)
            items.append(Item(client, clock, length, parent, origin, right))
            clock += length
    deletes = []
    if pos < len(data):
        clients, pos = read_varuint(data, pos)
        for _ in range(clients):
            client, pos = read_varuint(data, pos)
            ranges, pos = read_varuint(data, pos)
            for _ in range(ranges):
                clock, pos = read_varuint(data, pos)
                length, pos = read_varuint(data, pos)
                deletes.append((client, clock, length))
    return ParsedUpdate(items, deletes)


class SectionIndex:
    """For each client, the clock ranges of known items and the root each belongs to."""

    def __init__(self) -> None:
        self._starts: dict[int, list[int]] = {}
        self._ranges: dict[int, list[tuple[int, int, str]]] = {}
        self.roots: set[str] = set()  # every root an item was placed in

    def root_of(self, ident: Id) -> str | None:
        client, clock = ident
        starts = self._starts.get(client)
        if not starts:
            return None
        i = bisect.bisect_right(starts, clock) - 1
        if i < 0:
            return None
        start, end, root = self._ranges[client][i]
        return root if start <= clock < end else None

    def _add(self, client: int, start: int, end: int, root: str) -> None:
        self.roots.add(root)
        starts = self._starts.setdefault(client, [])
        ranges = self._ranges.setdefault(client, [])
        i = bisect.bisect_right(starts, start)
        if i and ranges[i - 1][2] == root and ranges[i - 1][1] == start:  # extend the run
            ranges[i - 1] = (ranges[i - 1][0], end, root)
            return
        if i and ranges[i - 1][1] > start:  # already known (a resend)
            return
        starts.insert(i, start)
        ranges.insert(i, (start, end, root))

    def resolve(self, parsed: ParsedUpdate) -> tuple[dict[Item, str], bool]:
        """Each item's root, and whether every item could be resolved."""
        roots: dict[Item, str] = {}
        local: dict[int, list[tuple[int, int, str]]] = {}

        def lookup(ident: Id | None) -> str | None:
            if ident is None:
                return None
            for start, end, root in local.get(ident[0], ()):
                if start <= ident[1] < end:
                    return root
            return self.root_of(ident)

        waiting = list(parsed.items)
        while waiting:
            still = []
            for item in waiting:
                if isinstance(item.parent, str):
                    root = item.parent
                elif item.parent is not None:
                    root = lookup(item.parent)
                else:
                    root = lookup(item.origin) or lookup(item.right)
                if root is None:
                    still.append(item)
                    continue
                roots[item] = root
                local.setdefault(item.client, []).append(
                    (item.clock, item.clock + item.length, root)
                )
            if len(still) == len(waiting):
                return roots, False
            waiting = still
        return roots, True

    def touched(self, parsed: ParsedUpdate) -> set[str] | None:
        """The roots an update changes, or None when some item cannot be placed."""
        roots, complete = self.resolve(parsed)
        if not complete:
            return None
        touched = set(roots.values())
        for client, clock, length in parsed.deletes:
            touched |= self._roots_in(client, clock, clock + length)
        return touched

    def _roots_in(self, client: int, start: int, end: int) -> set[str]:
        starts = self._starts.get(client)
        if not starts:
            return set()
        i = max(0, bisect.bisect_right(starts, start) - 1)
        found = set()
        for r_start, r_end, root in self._ranges[client][i:]:
            if r_start >= end:
                break
            if r_end > start:
                found.add(root)
        return found

    def add(self, parsed: ParsedUpdate) -> None:
        roots, _complete = self.resolve(parsed)
        for item in sorted(roots, key=lambda it: (it.client, it.clock)):
            self._add(item.client, item.clock, item.clock + item.length, roots[item])
