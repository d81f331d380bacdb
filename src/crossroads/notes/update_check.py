"""A cheap structural check of every Yjs update and state vector before pycrdt sees it.

yrs (the Rust engine under pycrdt) panics, hangs or corrupts its memory on some well-formed
updates that no real Yjs client sends (issue #26; docs/upstream/yrs-panic-block-store.md).
The one found: yrs keeps a client id as ``value | 0xFFE0_0000_0000_0000`` (its 53-bit
``ClientID``), so ids 2**53 apart are the same client to it. An update naming client
``A + 2**53`` next to ``A`` (or an origin, a parent or a deletion of such an id) overlaps
A's clocks and panics at block_store.rs or loops forever in ``Item::resolve_conflict``.

What real clients produce (measured, see docs/notes-protocol.md): Yjs draws client ids as
uint32; pycrdt/yrs draw them below 2**53. Clocks count one client's insertions: a notes room
never reaches a billion. So we refuse, with 1007 and a specific reason:

- a client id above ``MAX_CLIENT`` (2**53 - 1) anywhere: struct groups, origins, parents,
  deletions, state vectors;
- the same client twice in one update's structs or delete set (Yjs writes each once);
- a clock or a length above ``MAX_CLOCK``, or a range ending beyond it;
- an empty struct (length 0), or an item whose origin is its own client's later clock
  (Yjs never writes either; yrs panics on the first, update.rs:85);
- trailing bytes, truncation, lying lengths, content kinds notes never use (the parser's).

It walks the bytes once, in pure Python; a keystroke's update (20-70 bytes) costs a few
microseconds (bench/notes_check.py). It never calls pycrdt.
"""

from __future__ import annotations

from crossroads.notes.protocol import MAX_VARUINT_BYTES, FrameError

MAX_CLIENT = 2**53 - 1  # yrs's ClientID is 53 bits: larger ids alias smaller ones
MAX_CLOCK = 2**32  # a room's clocks: a client typing 4 billion characters is not a client


class UpdateRefused(FrameError):
    """An update or state vector the server will not hand to the CRDT engine."""


def _var(data: bytes, pos: int) -> tuple[int, int]:
    """protocol.read_varuint, faster on the one-byte values most fields hold (an IndexError
    past the end is a truncated update, see check_update)."""
    byte = data[pos]
    if byte < 0x80:
        return byte, pos + 1
    value = byte & 0x7F
    shift = 7
    while True:
        pos += 1
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + 1
        shift += 7
        if shift >= 7 * MAX_VARUINT_BYTES:
            raise UpdateRefused("varint too long")


def _bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = _var(data, pos)
    end = pos + length
    if end > len(data):
        raise UpdateRefused("length runs past the end of the update")
    return data[pos:end], end


def _client(value: int) -> int:
    if value > MAX_CLIENT:
        raise UpdateRefused(f"client id {value} is beyond 53 bits")
    return value


def _range(clock: int, length: int) -> None:
    if clock > MAX_CLOCK or length > MAX_CLOCK or clock + length > MAX_CLOCK:
        raise UpdateRefused("clock out of range")


def _id(data: bytes, pos: int) -> int:
    client, pos = _var(data, pos)
    _client(client)
    clock, pos = _var(data, pos)
    _range(clock, 0)
    return pos


def _origin(data: bytes, pos: int, client: int, clock: int) -> int:
    """An item's origin: a client's own earlier structs only (it created them first)."""
    origin_client, pos = _var(data, pos)
    _client(origin_client)
    origin_clock, pos = _var(data, pos)
    _range(origin_clock, 0)
    if origin_client == client and origin_clock >= clock:
        raise UpdateRefused("an item whose origin comes after it")
    return pos


def _skip_bytes(data: bytes, pos: int) -> int:
    return _bytes(data, pos)[1]


def _content(data: bytes, pos: int, ref: int) -> tuple[int, int]:
    """The content's length in clock units, and where it ends (as Yjs reads it)."""
    if ref == 1:  # deleted
        return _var(data, pos)
    if ref == 2:  # JSON: count, then that many strings
        count, pos = _var(data, pos)
        if count > len(data):
            raise UpdateRefused("JSON content count runs past the update")
        for _ in range(count):
            pos = _skip_bytes(data, pos)
        return count, pos
    if ref == 4:  # string: its length in UTF-16 code units, as Yjs counts
        raw, pos = _bytes(data, pos)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UpdateRefused("bad string in update") from exc
        return len(text.encode("utf-16-le")) // 2, pos
    if ref in (3, 5):  # binary, embed
        return 1, _skip_bytes(data, pos)
    if ref == 6:  # format: key, value
        return 1, _skip_bytes(data, _skip_bytes(data, pos))
    if ref == 7:  # a nested type
        type_ref, pos = _var(data, pos)
        if type_ref in (3, 4):  # XmlElement, XmlHook carry a name
            pos = _skip_bytes(data, pos)
        return 1, pos
    raise UpdateRefused(f"content kind {ref} is not used in notes")


def check_update(data: bytes) -> None:
    """Raise ``UpdateRefused`` (a ``FrameError``) unless ``data`` is a v1 update as Yjs and
    pycrdt clients write them."""
    try:
        _check_update(data)
    except IndexError as exc:
        raise UpdateRefused("truncated update") from exc


def _check_update(data: bytes) -> None:
    groups, pos = _var(data, 0)
    if groups > len(data):
        raise UpdateRefused("more client groups than bytes")
    seen: set[int] = set()
    for _ in range(groups):
        count, pos = _var(data, pos)
        client, pos = _var(data, pos)
        if _client(client) in seen:
            raise UpdateRefused("a client appears twice in one update")
        seen.add(client)
        clock, pos = _var(data, pos)
        if count > len(data) - pos:
            raise UpdateRefused("more structs than bytes")
        for _ in range(count):
            info = data[pos]
            pos += 1
            ref = info & 0x1F
            if ref in (0, 10):  # GC and Skip: a length, no content
                length, pos = _var(data, pos)
            else:
                if info & 0x80:
                    pos = _origin(data, pos, client, clock)
                if info & 0x40:
                    pos = _origin(data, pos, client, clock)
                if not info & 0xC0:
                    kind, pos = _var(data, pos)
                    pos = _skip_bytes(data, pos) if kind == 1 else _id(data, pos)
                    if info & 0x20:
                        pos = _skip_bytes(data, pos)  # parentSub (a map key)
                length, pos = _content(data, pos, ref)
            if length == 0:
                raise UpdateRefused("an empty struct")  # Yjs never writes one; yrs panics
            _range(clock, length)
            clock += length
    # The delete set: Yjs always writes it (possibly empty), so an update ends with it.
    clients, pos = _var(data, pos)
    if clients > len(data) - pos:
        raise UpdateRefused("more deleting clients than bytes")
    seen.clear()
    for _ in range(clients):
        client, pos = _var(data, pos)
        if _client(client) in seen:
            raise UpdateRefused("a client appears twice in one delete set")
        seen.add(client)
        ranges, pos = _var(data, pos)
        if ranges > len(data) - pos:
            raise UpdateRefused("more deleted ranges than bytes")
        for _ in range(ranges):
            clock, pos = _var(data, pos)
            length, pos = _var(data, pos)
            _range(clock, length)
    if pos != len(data):
        raise UpdateRefused("trailing bytes after the update")


def check_state_vector(data: bytes) -> None:
    """Raise ``UpdateRefused`` unless ``data`` is a v1 state vector: (client, clock) pairs."""
    try:
        _check_state_vector(data)
    except IndexError as exc:
        raise UpdateRefused("truncated state vector") from exc


def _check_state_vector(data: bytes) -> None:
    count, pos = _var(data, 0)
    if count > len(data):
        raise UpdateRefused("more clients than bytes in the state vector")
    seen: set[int] = set()
    for _ in range(count):
        client, pos = _var(data, pos)
        if _client(client) in seen:
            raise UpdateRefused("a client appears twice in the state vector")
        seen.add(client)
        clock, pos = _var(data, pos)
        _range(clock, 0)
    if pos != len(data):
        raise UpdateRefused("trailing bytes after the state vector")
