"""A room's fan-out budget: small rooms relay every update at once, crowded ones pace flushes.
Acknowledgements are apart from it: one frame per sender on the turn after its commit."""

from __future__ import annotations

import asyncio

from pycrdt import Doc, Text

from crossroads.notes import protocol
from crossroads.notes.rooms import FANOUT_BURST, MAX_WAIT, NotesConnection, Room


class Sink:
    """The server's frame writer, as a room sees it: records what is written."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def write(self, frame: bytes, max_unsent: int) -> bool:
        self.frames.append(frame)
        return True

    def take_binary(self, handler: object) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class NoSocket:
    async def send_bytes(self, data: bytes) -> None:
        raise AssertionError("frames go through the sink")

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass


def room_of(people: int) -> tuple[Room, list[Sink]]:
    room = Room("r", Doc())
    sinks = []
    for i in range(people):
        sink = Sink()
        room.connections.add(NotesConnection(socket=NoSocket(), author=f"p{i}", frames=sink))
        sinks.append(sink)
    return room, sinks


def websocket_payload(frame: bytes) -> bytes:
    """What an unmasked server frame carries (RFC 6455 section 5.2)."""
    length = frame[1] & 0x7F
    return frame[{126: 4, 127: 10}.get(length, 2) :]


def keystrokes(count: int) -> list[bytes]:
    doc = Doc()
    text = doc.get("prompt:x", type=Text)
    updates = []
    for i in range(count):
        before = doc.get_state()
        text += str(i % 10)
        updates.append(doc.get_update(before))
    return updates


def test_in_a_small_room_every_update_goes_out_on_the_next_loop_turn() -> None:
    async def scenario() -> None:
        room, sinks = room_of(3)
        sender = next(iter(room.connections))
        for n, update in enumerate(keystrokes(50), start=1):
            room.relay(update, sender)
            await asyncio.sleep(0)
            # Everyone but the sender has this keystroke's frame, before any commit.
            assert sorted(len(s.frames) for s in sinks) == [n - 1, n, n]
            room.acknowledge(sender, n)
            await asyncio.sleep(0)
            # The sender its acknowledgement, once the writer says it is committed.
            assert sorted(len(s.frames) for s in sinks) == [n, n, n]
            assert sender.frames is not None
            last = sender.frames.frames[-1]  # type: ignore[attr-defined]
            assert protocol.read_varuint(websocket_payload(last), 1)[0] == n

    asyncio.run(scenario())


def test_acknowledgements_of_one_batch_go_out_as_one_frame_per_sender() -> None:
    async def scenario() -> None:
        room, sinks = room_of(3)
        sender = next(iter(room.connections))
        for n in range(1, 6):  # one batch of the writer settles them in one go
            room.acknowledge(sender, n)
        await asyncio.sleep(0)
        assert sender.frames is not None
        frames = sender.frames.frames  # type: ignore[attr-defined]
        assert [protocol.read_varuint(websocket_payload(f), 1)[0] for f in frames] == [5]
        assert sum(len(s.frames) for s in sinks) == 1

    asyncio.run(scenario())


def test_a_crowded_room_spends_its_burst_then_paces_flushes_and_merges_what_waits() -> None:
    people = 400
    burst_flushes = FANOUT_BURST // people  # flushes the burst pays for at once

    async def scenario() -> None:
        room, sinks = room_of(people)
        sender = next(iter(room.connections))
        reader = next(s for s in sinks if s is not sender.frames)
        updates = keystrokes(burst_flushes + 5)
        for update in updates[:burst_flushes]:
            room.relay(update, sender)
            await asyncio.sleep(0)
        assert len(reader.frames) == burst_flushes  # each went out at once
        for update in updates[burst_flushes:]:
            room.relay(update, sender)
            await asyncio.sleep(0)
        # The budget is spent: the rest wait for one flush, merged into one frame...
        assert len(reader.frames) == burst_flushes
        async with asyncio.timeout(MAX_WAIT * 20):
            while len(reader.frames) == burst_flushes:  # noqa: ASYNC110  polling a fake
                await asyncio.sleep(MAX_WAIT / 10)
        assert len(reader.frames) == burst_flushes + 1
        # ...which holds every keystroke: applied, the reader's copy reads like the writer's.
        doc = Doc()
        for frame in reader.frames:
            (message,) = protocol.parse_frame(websocket_payload(frame))
            doc.apply_update(message.payload)
        assert str(doc.get("prompt:x", type=Text)) == "".join(
            str(i % 10) for i in range(len(updates))
        )

    asyncio.run(scenario())
