"""Errors raised by the notes room server (frame errors are ``protocol.FrameError``).

NotesError
 └── RoomElsewhere  another node holds this room's lease: its clients belong there
"""

from __future__ import annotations


class NotesError(Exception):
    code = "notes_error"


class RoomElsewhere(NotesError):
    code = "room_elsewhere"

    def __init__(self, room: str) -> None:
        super().__init__(f"notes room {room} is held by another node")
        self.room = room
