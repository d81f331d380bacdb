"""uvicorn's sans-io WebSocket protocol, plus an ASGI extension for writing ready-made frames.

Through ASGI every message a socket sends is a dict passed down a chain of coroutines
(Starlette, uvicorn) and framed on its own. A notes room sends the same update to all of
its connections: framed once here, written to each transport, that costs one ``write``
per receiver instead of ~25 µs of Python (bench/notes.py, perf). The extension is offered
in the scope under ``EXTENSION`` (ASGI lets servers add their own); an app that finds none
(another ASGI server) sends the usual way.

Receiving likewise: through ASGI each message is queued, reading is paused and resumed
around it, and the app's task wakes to take it. An app may instead ``take_binary``: each
complete binary message is handed to its callback as it is parsed, in ``data_received``.
Text and fragmented messages, the peer's close and the disconnect still arrive through ASGI's
``receive``, so an app keeps its receive loop; it only sees less there.

What the extension leaves to the caller: flow control. ``unsent`` tells how much the
transport holds that the peer has not taken; ``pause_reading``/``resume_reading`` stop and
restart a sender the app cannot keep up with. Closing stays with ASGI (``websocket.close``),
so the closing handshake is uvicorn's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request

EXTENSION = "crossroads.websocket.frames"


def binary_frame(payload: bytes) -> bytes:
    """One final, unmasked binary frame (server to client) holding ``payload``."""
    return Frame(Opcode.BINARY, payload).serialize(mask=False, extensions=[])


class FrameWriter:
    """What the app gets in ``scope["extensions"][EXTENSION]``."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def write(self, frame: bytes) -> bool:
        """Write an encoded frame (``binary_frame``); False once the socket is closing."""
        protocol = self._protocol
        transport = protocol.transport
        if not protocol.handshake_complete or protocol.close_sent or transport.is_closing():
            return False
        transport.write(frame)
        return True

    @property
    def unsent(self) -> int:
        """Bytes written that the transport has not yet handed to the kernel."""
        return self._protocol.transport.get_write_buffer_size()

    def take_binary(self, handler: Callable[[bytes], None] | None) -> None:
        """Hand each complete binary message to ``handler`` as it arrives (None: queue them
        for ``receive`` again). ``handler`` runs inside the protocol: it must not raise."""
        self._protocol.binary_handler = handler

    def pause_reading(self) -> None:
        if not self._protocol.transport.is_closing():
            self._protocol.transport.pause_reading()

    def resume_reading(self) -> None:
        # uvicorn pauses reading too, while a message it queued waits for ``receive``; it
        # resumes by itself then.
        if not self._protocol.read_paused and not self._protocol.transport.is_closing():
            self._protocol.transport.resume_reading()


class FramesProtocol(WebSocketsSansIOProtocol):
    """``uvicorn.run(ws=FramesProtocol)``: uvicorn's protocol, offering the extension."""

    binary_handler: Callable[[bytes], None] | None = None

    def handle_bytes(self, event: Frame) -> None:
        handler = self.binary_handler
        if handler is None or not event.fin or self.close_sent:
            super().handle_bytes(event)
            return
        handler(bytes(event.data))

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The app's task is created but has not run yet: the scope can still gain a key.
        scope: Any = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = FrameWriter(self)
