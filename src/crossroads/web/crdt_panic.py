"""What the server does when the CRDT engine panics (notes/crdt_guard.py, issue #26).

1. The room server cuts the sender off (4422) and stops serving the room (notes/rooms.py).
2. ``cut_off`` records the person (``convenings/notes_access.record_cut_off``): muted (their
   edits are refused when they come back, until a host unmutes them) and a report the hosts
   see, "notes connection cut: malformed update".
3. ``panicked`` restarts the node: every notes socket is closed with 1012 "restarting" (the
   clients reconnect to the fresh process and resend what was not acknowledged), uvicorn
   shuts down and the process exits with ``supervisor.EXIT_RESTART``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from crossroads import supervisor
from crossroads.close_codes import CLOSE_RESTARTING
from crossroads.convenings import notes_access
from crossroads.notes import crdt_guard
from crossroads.notes.rooms import RoomServer
from crossroads.store.database import Database

log = structlog.get_logger(__name__)

# How long the restart waits for the record to be written before closing everything.
RECORD_WITHIN = 3.0


class PanicResponse:
    def __init__(self, db: Database, rooms: RoomServer) -> None:
        self.db = db
        self.rooms = rooms
        self.recording: set[asyncio.Task[None]] = set()
        self.restarting: asyncio.Task[None] | None = None

    def install(self) -> None:
        self.rooms.on_cut_off = self.cut_off
        crdt_guard.on_panic(self.panicked)

    def uninstall(self) -> None:
        crdt_guard.on_panic(None)

    def cut_off(self, room: str, author: str) -> None:
        log.critical("notes_author_cut_off", room=room, author=author)
        if author.startswith("p") and author[1:].isdigit():
            task = asyncio.get_running_loop().create_task(self._record(int(author[1:])))
            self.recording.add(task)
            task.add_done_callback(self.recording.discard)

    async def _record(self, participant_id: int) -> None:
        try:
            await notes_access.record_cut_off(self.db, participant_id, now=datetime.now(UTC))
        except Exception:
            log.exception("notes_cut_off_not_recorded", participant=participant_id)

    def panicked(self, what: str, _exc: BaseException) -> None:
        """Called once, inside the failing CRDT call: schedule the restart, do not block."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the loop (a thread): restart without the niceties
            supervisor.request_restart(f"crdt panic in {what}")
            return
        self.restarting = loop.create_task(self._restart(what))

    async def _restart(self, what: str) -> None:
        await asyncio.sleep(0)  # let the room server cut the sender off and start recording
        if self.recording:
            await asyncio.wait(set(self.recording), timeout=RECORD_WITHIN)
        supervisor.request_restart(f"crdt panic in {what}", before=self._close_rooms)

    def _close_rooms(self) -> None:
        for room in list(self.rooms.rooms.values()):
            for conn in list(room.connections):
                conn.read_only = True
                conn.close(CLOSE_RESTARTING, "restarting: reconnect to resync")
        self.rooms.rooms.clear()
