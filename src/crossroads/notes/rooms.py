"""The notes room server: one pycrdt document per room, shared by its connections.

Per room: a lock so concurrent first joiners load it once; the document; the awareness
states and which connection owns each client id (so a closed connection's presence is
removed at once). Per connection: one bounded send queue and one writer task; a client that
cannot keep up is closed (1013) and resyncs when it reconnects.

An update is applied to the room's document (which also validates it), relayed to the other
connections at once, and committed through the batched writer; only the commit acknowledges it
to its sender (its "saved"). Relay first, acknowledge after the commit: a keystroke's delivery
never waits for the disk, and an edit is safe once acknowledged, because a writer resends on
reconnect whatever it has not seen acknowledged (and readers who hold it sync it back too:
docs/notes-protocol.md). Acknowledgements go out on the loop turn after their commit, one
frame per sender, whatever the fan-out budget.

Broadcasts go out per room in flushes: what was applied since the last one, merged into
one update, framed once and written to every connection. A flush costs a write per
connection, so a room of N typists flushing every keystroke would cost N^2 writes per round
of keystrokes. Each room has a budget of writes per second (a token bucket, see
``Room.schedule``): while it lasts, an update is flushed at once (a room of up to
``RELAY_AT_ONCE``) or on the next turn of the event loop; a room that would exceed it
(hundreds typing at once) flushes at the budget's pace, and every flush carries more.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import structlog
from pycrdt import Doc

from crossroads.close_codes import (
    CLOSE_CUT_OFF,
    CLOSE_GOING_AWAY,
    CLOSE_INVALID,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_RESTARTING,
    CLOSE_TOO_BIG,
    CLOSE_UNAVAILABLE,
)
from crossroads.close_codes import CLOSE_TRY_AGAIN as CLOSE_SLOW
from crossroads.notes import crdt_guard, protocol
from crossroads.notes.attribution import replay
from crossroads.notes.awareness import AwarenessAbuse, QueryBudget, admit
from crossroads.notes.blocks import is_block
from crossroads.notes.crdt_guard import CrdtPanic
from crossroads.notes.errors import RoomElsewhere
from crossroads.notes.protocol import AwarenessEntry, FrameError
from crossroads.notes.structs import SectionIndex, parse_update
from crossroads.notes.update_check import check_state_vector, check_update
from crossroads.notes.writer import RETRY_FOR, NotesWriter
from crossroads.outbox import Outbox
from crossroads.store import notes as notes_store
from crossroads.store.database import Database
from crossroads.store.errors import Conflict
from crossroads.store.notes import PendingUpdate
from crossroads.websocket_frames import binary_frame

log = structlog.get_logger(__name__)

SEND_QUEUE = 256
EMPTY_UPDATE = b"\x00\x00"
# Fan-out budget per room, in frames written per second, and how much of it a burst may use
# at once (a flush costs one frame per connection). 200 readers and 20 typists at 3 keys/s
# need 12,000/s: flushed as they come. 400 typists would need 480,000/s: one flush every
# 20 ms instead. A flush never waits longer than MAX_WAIT.
# A room this small relays an update as it is read: merging what one turn reads saves it
# little, and the hand-off to the next turn costs a scheduled callback per keystroke.
RELAY_AT_ONCE = 8
FANOUT_PER_SECOND = 20_000
FANOUT_BURST = 1_000
MAX_WAIT = 0.05
# Bytes a connection may leave unsent (its transport's buffer) before it counts as too slow.
# Checked before each write, so one large message (a long document's sync) always goes out.
MAX_UNSENT = 2 * 1024 * 1024
# Updates of one connection waiting for their commit before it is read no further.
MAX_INFLIGHT = 64


class Ownership(Protocol):
    """Whether this node may hold a room (notes/affinity.py, with several nodes)."""

    async def claim(self, room: str) -> bool: ...

    async def release(self, room: str) -> None: ...


class BinarySocket(Protocol):
    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class FrameSink(Protocol):
    """The server's own frame writer (websocket_frames.py), when it offers one."""

    def write(self, frame: bytes, max_unsent: int) -> bool: ...

    def take_binary(self, handler: Callable[[bytes], None] | None) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


@dataclass(eq=False)
class NotesConnection:
    socket: BinarySocket
    author: str  # "p<id>" or "h<id>": kept with each update for the harvest
    read_only: bool = False
    # The group blocks this connection may write (notes/blocks.py); None: every block (hosts).
    blocks: frozenset[str] | None = None
    received: int = 0  # updates received from this connection: what acknowledgements count
    client_ids: set[int] = field(default_factory=set)
    outbox: Outbox[bytes] = field(default_factory=lambda: Outbox(SEND_QUEUE))
    # Written straight to the transport when the server allows it; else through the outbox,
    # which also does the closing in both cases (after everything written before it).
    frames: FrameSink | None = None
    # Updates taken from this connection and not yet committed. At MAX_INFLIGHT the server
    # stops reading from it (``hold``) until the writer catches up (``release``).
    inflight: int = 0
    drained: asyncio.Event = field(default_factory=asyncio.Event)
    queries: QueryBudget = field(default_factory=QueryBudget)  # awareness queries allowed

    def __post_init__(self) -> None:
        self.drained.set()

    @property
    def closed(self) -> bool:
        return self.outbox.closed

    def hold(self) -> None:
        if self.drained.is_set():
            self.drained.clear()
            if self.frames is not None:
                self.frames.pause_reading()

    def release(self) -> None:
        if not self.drained.is_set():
            self.drained.set()
            if self.frames is not None:
                self.frames.resume_reading()

    def send(self, data: bytes, frame: bytes | None = None) -> None:
        """Send one message; ``frame`` is ``data`` already framed (a broadcast frames once)."""
        frames = self.frames
        if frames is None:
            self.outbox.put(data)
        elif not self.outbox.closed and not frames.write(
            frame if frame is not None else binary_frame(data), MAX_UNSENT
        ):
            self.close(CLOSE_SLOW, "too slow: reconnect to resync")

    def close(self, code: int, reason: str = "") -> None:
        self.outbox.close(code, reason)


class Room:
    def __init__(
        self,
        name: str,
        doc: Doc,
        locked: set[str] | None = None,
        *,
        epoch: int = 0,
        upto: int = 0,
    ) -> None:
        self.name = name
        self.doc = doc
        self.epoch = epoch  # this loading of the room, for the writer (see notes/writer.py)
        self.upto = upto  # the last log row read from the database (not those written since)
        self.locked: set[str] = set()
        # Which root each known item belongs to (notes/structs.py): what a lock or a group's
        # block is checked against. Built at load, since any participant's update may touch a
        # block; a keystroke's update parses in microseconds (bench/notes_check.py).
        self.index: SectionIndex | None = SectionIndex()
        self.index.add(parse_update(crdt_guard.get_update(doc)))
        self.has_blocks = any(is_block(root) for root in self.index.roots)
        for section in locked or ():
            self.lock(section, locked=True)
        self.connections: set[NotesConnection] = set()
        self.awareness: dict[int, AwarenessEntry] = {}
        self.owner: dict[int, NotesConnection] = {}
        self.pending: list[bytes] = []  # applied, not yet broadcast
        self._sender: NotesConnection | None = None  # who sent ``pending``'s lone update
        self.acks: dict[NotesConnection, int] = {}  # committed counts not yet acknowledged
        self._acking: asyncio.Handle | None = None
        # Updates submitted to the writer and not settled yet: the room is not unloaded
        # before they are (a load meanwhile would miss them: see RoomServer._unload_if_idle).
        self.unsaved = 0
        self.saved = asyncio.Event()
        self.saved.set()
        self._flush: asyncio.Handle | None = None
        self._tokens = float(FANOUT_BURST)  # frames the fan-out budget allows right now
        self._refilled = 0.0  # loop time the tokens were counted at

    def others(self, conn: NotesConnection) -> list[NotesConnection]:
        return [c for c in self.connections if c is not conn and not c.closed]

    def lock(self, section: str, *, locked: bool) -> None:
        if locked:
            if self.index is None:
                self.index = SectionIndex()
                self.index.add(parse_update(crdt_guard.get_update(self.doc)))
            self.locked.add(section)
        else:
            self.locked.discard(section)

    def acknowledge(self, conn: NotesConnection, count: int) -> None:
        """Tell ``conn`` on the next loop turn that its first ``count`` updates are committed
        (the writer settles a batch in one go: one frame per sender for all of it)."""
        self.acks[conn] = count
        if self._acking is None:
            self._acking = asyncio.get_running_loop().call_soon(self.send_acks)

    def send_acks(self) -> None:
        self._acking = None
        acks, self.acks = self.acks, {}
        for conn, count in acks.items():
            if not conn.closed:
                conn.send(protocol.ack_message(count))

    def relay(self, update: bytes, sender: NotesConnection | None = None) -> None:
        """Queue an applied update for the next broadcast to everyone but its ``sender``
        (None: one read back from the log, for everyone)."""
        self.pending.append(update)
        self._sender = sender if len(self.pending) == 1 else None
        self.schedule()

    def submitted(self) -> None:
        self.unsaved += 1
        self.saved.clear()

    def settled(self) -> None:
        self.unsaved -= 1
        if self.unsaved == 0:
            self.saved.set()

    def schedule(self) -> None:
        """Flush on the next loop turn if the fan-out budget has a flush's worth of frames
        left, else once it will have (never later than MAX_WAIT)."""
        if self._flush is not None:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        capacity = max(FANOUT_BURST, len(self.connections))
        self._tokens = min(capacity, self._tokens + (now - self._refilled) * FANOUT_PER_SECOND)
        self._refilled = now
        short = len(self.connections) - self._tokens
        if short <= 0 and len(self.connections) <= RELAY_AT_ONCE:
            self.flush()
        elif short <= 0:
            # The next turn, not now: what the same turn reads (other sockets' frames) joins.
            self._flush = loop.call_soon(self.flush)
        else:
            self._flush = loop.call_later(min(MAX_WAIT, short / FANOUT_PER_SECOND), self.flush)

    def flush(self) -> None:
        """Send everything applied since the last flush as one update.

        A lone update skips its sender (it has it); a merged one goes to everyone, senders
        included: applying what one already has is a no-op in Yjs, and one frame encoded once
        is cheaper than a merge per receiver.
        """
        self._flush = None
        updates, self.pending = self.pending, []
        skip, self._sender = self._sender, None
        if not updates:
            return
        merged = updates[0] if len(updates) == 1 else crdt_guard.merge_updates(*updates)
        message = protocol.sync_message(protocol.UPDATE, merged)
        frame = binary_frame(message)
        self._tokens -= len(self.connections)
        for conn in self.connections:
            if conn is not skip:
                conn.send(message, frame)  # which skips a closed one

    def cancel_flush(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._acking is not None:
            self._acking.cancel()
            self._acking = None


BLOCK_REFUSED = "not your group's block"


def _foreign_block(mine: frozenset[str], touched: set[str] | None) -> bool:
    """Whether an update touches a group's block the writer may not write (notes/blocks.py).
    (An update whose items cannot all be placed is dealt with before: see RoomServer._update.)"""
    return touched is not None and any(is_block(root) and root not in mine for root in touched)


class RoomServer:
    def __init__(
        self,
        db: Database,
        *,
        max_update_bytes: int,
        compact_after: int,
        retry_for: float = RETRY_FOR,
        ownership: Ownership | None = None,
        precheck: bool = True,
    ) -> None:
        self.db = db
        self.precheck = precheck  # off only to test a real engine panic (settings.py)
        self.ownership = ownership
        self.writer = NotesWriter(db, retry_for=retry_for)
        self.max_update_bytes = max_update_bytes
        self.compact_after = compact_after
        self.rooms: dict[str, Room] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._epochs = itertools.count(1)
        # Told (room, author) when an author's update made the CRDT engine panic (the app
        # mutes them and tells the hosts; web/app.py).
        self.on_cut_off: Callable[[str, str], None] | None = None

    # --- rooms ----------------------------------------------------------------------------

    async def room(self, name: str) -> Room:
        """The loaded room, else loaded now; ``RoomElsewhere`` if another node holds it."""
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            room = self.rooms.get(name)
            if room is None:
                # Claimed under the room's lock, before reading: two first joiners on this
                # node claim once, and a room another node holds is never loaded here.
                if self.ownership is not None and not await self.ownership.claim(name):
                    raise RoomElsewhere(name)
                async with self.db.transaction() as tx:
                    stored = await notes_store.load_room(tx, name)
                    locked = await notes_store.locked_sections(tx, name)
                doc = Doc()
                if stored.snapshot:
                    crdt_guard.apply_update(doc, stored.snapshot, "load")
                for update in stored.updates:
                    crdt_guard.apply_update(doc, update, "load")
                room = self.rooms[name] = Room(
                    name, doc, locked, epoch=next(self._epochs), upto=stored.last_id
                )
            return room

    async def _unload_if_idle(self, room: Room) -> None:
        async with self._locks.setdefault(room.name, asyncio.Lock()):
            if room.connections or self.rooms.get(room.name) is not room:
                return
            # Its last updates may still be on their way to the store (relayed before their
            # commit): a load now would miss them. Joiners wait on the lock meanwhile, and
            # find the room still loaded if they came before it was saved.
            await room.saved.wait()
            if room.connections or self.rooms.get(room.name) is not room:
                return
            del self.rooms[room.name]
            room.cancel_flush()  # nobody is left to tell
            if self.ownership is not None:
                await self.ownership.release(room.name)
        await self.compact(room.name)

    async def evict(self, name: str, code: int, reason: str) -> None:
        """Drop a room another node now holds: its connections close (and reconnect to the
        owner, resending whatever it lacks); nothing is compacted from here."""
        async with self._locks.setdefault(name, asyncio.Lock()):
            room = self.rooms.pop(name, None)
        if room is None:
            return
        room.cancel_flush()
        for conn in list(room.connections):
            conn.read_only = True  # nothing more is taken in here
            conn.close(code, reason)

    async def catch_up(self, name: str) -> None:
        """Apply what the log holds beyond this room's document (updates another node
        committed while both held the room) and relay the difference to the connections."""
        async with self._locks.setdefault(name, asyncio.Lock()):
            room = self.rooms.get(name)
            if room is None:
                return
            async with self.db.transaction() as tx:
                stored = await notes_store.load_room(tx, name)
            before = crdt_guard.get_state(room.doc)
            for update in [stored.snapshot or EMPTY_UPDATE, *stored.updates]:
                crdt_guard.apply_update(room.doc, update, "catch_up")
            room.upto = max(room.upto, stored.last_id)
            missing = crdt_guard.get_update(room.doc, before)
            if missing != EMPTY_UPDATE:
                if room.index is not None:
                    room.index.add(parse_update(missing))
                room.relay(missing)  # already stored: to everyone

    async def compact(self, name: str) -> bool:
        """Merge the room's log into its snapshot when it has grown long (by sequence: only
        rows up to the last id read are replaced, whatever arrives meanwhile)."""
        try:
            return await self._compact(name)
        except Conflict:  # another node wrote the room's first snapshot meanwhile
            return False

    async def _compact(self, name: str) -> bool:
        async with self.db.transaction() as tx:
            if await notes_store.count_updates(tx, name) < self.compact_after:
                return False
            stored = await notes_store.load_log(tx, name)
            parts = ([stored.snapshot] if stored.snapshot else []) + [u for u, _ in stored.updates]
            merged = (
                crdt_guard.merge_updates(*parts, what="compact") if len(parts) > 1 else parts[0]
            )
            # The log's authors are about to go: keep who wrote what with the snapshot. The
            # sections come from the merge (one apply) rather than a second replay of the log.
            merged_doc = Doc()
            crdt_guard.apply_update(merged_doc, merged, "compact")
            sections = sorted(merged_doc.keys())
            _doc, runs = replay(stored.snapshot, stored.attribution, stored.updates, sections)
            # Only over the snapshot we read: two nodes compacting one room (after a split)
            # must not put an older merge over a newer one whose rows are already gone.
            return await notes_store.replace_with_snapshot(
                tx,
                name,
                merged,
                stored.last_id,
                datetime.now(UTC),
                runs,
                replaces=stored.snapshot_upto,
            )

    # --- connections ----------------------------------------------------------------------

    async def serve(
        self,
        room_name: str,
        conn: NotesConnection,
        frames: Callable[[], Awaitable[bytes | None]],
    ) -> None:
        """Run one connection: sync, then relay until the peer leaves or breaks the rules.

        With the server's frame writer, binary frames come to ``take`` as they are parsed;
        ``frames`` then brings only what ASGI still delivers (a fragmented message), and
        returns None when the peer leaves or the connection was closed."""
        room = await self.room(room_name)
        conn.outbox.start(conn.socket.send_bytes, conn.socket.close)
        room.connections.add(conn)
        # Our state vector, and everyone's presence, as y-websocket servers do on connect.
        conn.send(protocol.sync_message(protocol.STEP1, crdt_guard.get_state(room.doc)))
        if room.awareness:
            conn.send(
                protocol.awareness_message(protocol.encode_awareness(list(room.awareness.values())))
            )
        if conn.frames is not None:
            conn.frames.take_binary(lambda frame: self.take(room, conn, frame))
        try:
            while not conn.closed:
                frame = await frames()
                if frame is None:
                    break
                self.take(room, conn, frame)
                if conn.inflight >= MAX_INFLIGHT:
                    await conn.drained.wait()
        finally:
            if conn.frames is not None:
                conn.frames.take_binary(None)
            room.connections.discard(conn)
            self._drop_presence(room, conn)
            conn.close(CLOSE_NORMAL)
            await conn.outbox.wait_done(within=2)
            if not room.connections:
                await self._unload_if_idle(room)

    def take(self, room: Room, conn: NotesConnection, frame: bytes) -> None:
        """Handle one frame from ``conn``. Called from the socket's protocol: never raises."""
        if conn.closed:
            return
        try:
            messages = protocol.parse_frame(frame)
        except FrameError as exc:
            conn.close(CLOSE_INVALID, f"bad frame: {exc}")
            return
        try:
            for message in messages:
                if conn.closed or not self._handle(room, conn, message):
                    return
        except CrdtPanic:
            self._panicked(room, conn)
        except Exception:
            log.exception("notes_frame_failed", room=room.name)
            conn.close(CLOSE_UNAVAILABLE, "server error: reconnect to resync")

    def _handle(self, room: Room, conn: NotesConnection, message: protocol.Message) -> bool:
        if message.kind == protocol.SYNC:
            if message.step == protocol.STEP1:
                try:
                    check_state_vector(message.payload)
                    reply = crdt_guard.get_update(room.doc, message.payload)
                except ValueError as exc:
                    conn.close(CLOSE_INVALID, f"bad state vector: {exc}")
                    return False
                conn.send(protocol.sync_message(protocol.STEP2, reply))
                return True
            return self._update(room, conn, message.payload)
        if message.kind == protocol.AWARENESS:
            return self._awareness(room, conn, message.payload)
        if message.kind == protocol.QUERY_AWARENESS:
            try:
                conn.queries.take()
            except AwarenessAbuse as exc:
                conn.close(CLOSE_POLICY, str(exc))
                return False
            conn.send(
                protocol.awareness_message(protocol.encode_awareness(list(room.awareness.values())))
            )
        return True

    def _update(self, room: Room, conn: NotesConnection, update: bytes) -> bool:
        if len(update) > self.max_update_bytes:
            conn.close(CLOSE_TOO_BIG, f"updates are limited to {self.max_update_bytes} bytes")
            return False
        if conn.read_only:
            return True  # a read-only viewer's edits are not taken (their editor is read-only)
        try:
            if self.precheck:
                check_update(update)  # before pycrdt: see notes/update_check.py
        except FrameError as exc:
            conn.close(CLOSE_INVALID, f"update refused: {exc}")
            return False
        parsed = None
        if room.index is not None:
            try:
                parsed = parse_update(update)
            except FrameError:
                conn.close(CLOSE_INVALID, "not a Yjs update")
                return False
            touched = room.index.touched(parsed)
            if touched is None and conn.blocks is not None and room.has_blocks:
                # Built on items the server lacks (the room reloaded without an update
                # another writer will resend): where it lands cannot be told yet, so it is
                # neither taken nor acknowledged. Reconnecting resends it with the sync.
                conn.close(CLOSE_SLOW, "update built on missing parts: reconnect to resync")
                return False
            refusal = None
            if room.locked and (touched is None or touched & room.locked):
                refusal = "section locked"
            elif conn.blocks is not None and _foreign_block(conn.blocks, touched):
                refusal = BLOCK_REFUSED
            if refusal is not None:
                # Refused whole: nothing of it is applied or stored. Counted and acknowledged
                # as dealt with, so the sender's "saving" indicator does not wait forever.
                conn.send(protocol.permission_denied_message(refusal))
                self._store(room, conn, None)
                return True
        try:
            crdt_guard.apply_update(room.doc, update)
        except ValueError:
            conn.close(CLOSE_INVALID, "not a Yjs update")
            return False
        if room.index is not None and parsed is not None:
            room.index.add(parsed)
            if not room.has_blocks:
                room.has_blocks = any(is_block(root) for root in room.index.roots)
        # Stored even when it adds nothing visible yet (a resend, or an update still waiting
        # for its parents): a parent arriving later completes it, and replays are harmless.
        # A client with nothing the server lacks answers the sync with an empty update:
        # acknowledged (acknowledgements count messages) but kept out of the log.
        if update == EMPTY_UPDATE:
            self._store(room, conn, None)
            return True
        # Relayed before the commit (the module's docstring says why that is safe); the
        # writer is handed it in the same call, so a reader's edit built on it is always
        # queued, and committed or refused, after it.
        room.relay(update, conn)
        self._store(room, conn, update)
        return True

    def _store(self, room: Room, conn: NotesConnection, update: bytes | None) -> None:
        """Count an update from ``conn`` and commit it (None: nothing to store); once that is
        done, acknowledge it. In order: the writer settles in queue order."""
        conn.received += 1
        count = conn.received
        conn.inflight += 1
        if conn.inflight >= MAX_INFLIGHT:
            conn.hold()
        room.submitted()

        def done(error: Exception | None) -> None:
            conn.inflight -= 1
            if conn.inflight < MAX_INFLIGHT:
                conn.release()
            room.settled()
            if error is not None:
                log.error("notes_commit_failed", room=room.name, error=str(error))
                self._discard(room)
                return
            room.acknowledge(conn, count)  # persisted: now it is "saved"

        pending = None if update is None else PendingUpdate(room.name, update, conn.author)
        self.writer.submit(pending, epoch=room.epoch, done=done)

    def _discard(self, room: Room) -> None:
        """Forget a room whose document holds an update the store did not take.

        Kept, it would tell reconnecting clients it has that update (its state vector says
        so), they would not resend it, and it would be lost with the next restart. Dropped,
        the room reloads from the store and every client's sync sends back what is missing
        (the writer's, and any reader's who got it relayed). What was committed is
        acknowledged first; then everyone is closed and resyncs."""
        if self.rooms.get(room.name) is room:
            del self.rooms[room.name]
        room.cancel_flush()
        room.send_acks()
        for conn in list(room.connections):
            conn.close(CLOSE_UNAVAILABLE, "could not save: reconnect to resend")

    def _panicked(self, room: Room, conn: NotesConnection) -> None:
        """The CRDT engine panicked on something ``conn`` sent (notes/crdt_guard.py).

        The room's document is not trusted any more: the room is served no longer, whatever
        it had not committed is not committed (it was never acknowledged), the sender is cut
        off (4422) and reported to the hosts (``on_cut_off``), and everyone else in the room
        is told to reconnect (1012). The process restart the guard asked for does the rest.
        """
        log.critical("notes_crdt_panic", room=room.name, author=conn.author)
        if self.rooms.get(room.name) is room:
            del self.rooms[room.name]
        room.cancel_flush()
        conn.read_only = True
        conn.close(CLOSE_CUT_OFF, "update refused: it broke the document engine")
        for other in list(room.connections):
            other.read_only = True
            other.close(CLOSE_RESTARTING, "restarting: reconnect to resync")
        if self.on_cut_off is not None:
            self.on_cut_off(room.name, conn.author)

    def _awareness(self, room: Room, conn: NotesConnection, payload: bytes) -> bool:
        try:
            entries = protocol.parse_awareness(payload)
        except FrameError as exc:
            conn.close(CLOSE_INVALID, f"bad awareness message: {exc}")
            return False
        try:  # within bounds, and only one's own entries (notes/awareness.py)
            entries = admit(entries, conn, conn.client_ids, room.owner, room.awareness)
        except AwarenessAbuse as exc:
            conn.close(CLOSE_POLICY, str(exc))
            return False
        if not entries:
            return True
        for entry in entries:
            if entry.state == b"null":
                room.awareness.pop(entry.client_id, None)
                room.owner.pop(entry.client_id, None)
                conn.client_ids.discard(entry.client_id)
            else:
                room.awareness[entry.client_id] = entry
                room.owner[entry.client_id] = conn
                conn.client_ids.add(entry.client_id)
        relay = protocol.awareness_message(protocol.encode_awareness(entries))
        for other in room.others(conn):
            other.send(relay)
        return True

    def _drop_presence(self, room: Room, conn: NotesConnection) -> None:
        gone = []
        for client_id in conn.client_ids:
            if room.owner.get(client_id) not in (conn, None):
                continue  # taken over by a newer connection of the same client
            entry = room.awareness.pop(client_id, None)
            room.owner.pop(client_id, None)
            if entry is not None:
                gone.append(AwarenessEntry(client_id, entry.clock + 1, b"null"))
        if gone:
            relay = protocol.awareness_message(protocol.encode_awareness(gone))
            for other in room.others(conn):
                other.send(relay)

    async def set_locked(self, room_name: str, section: str, *, locked: bool) -> None:
        """Tell a loaded room that the host (un)locked a section; the lock is stored already
        (an unloaded room reads it when it loads)."""
        async with self._locks.setdefault(room_name, asyncio.Lock()):
            room = self.rooms.get(room_name)
            if room is not None:
                room.lock(section, locked=locked)

    def close_author(
        self, room_name: str, author: str, code: int, reason: str = "removed by the host"
    ) -> None:
        """Close a person's connections to a room (a host removed, muted or unmuted them).
        Their edits stop counting at once, before the close reaches them."""
        room = self.rooms.get(room_name)
        for conn in list(room.connections if room else ()):
            if conn.author == author:
                conn.read_only = True
                conn.close(code, reason)

    async def close(self) -> None:
        for room in self.rooms.values():
            for conn in room.connections:
                conn.close(CLOSE_GOING_AWAY, "server going away")
        await self.writer.close()
