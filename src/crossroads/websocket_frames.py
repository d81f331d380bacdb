"""uvicorn's sans-io WebSocket protocol, plus an ASGI extension for writing ready-made frames.

Through ASGI every message a socket sends is a dict passed down a chain of coroutines
(Starlette, uvicorn) and framed on its own. A notes room sends the same update to all of
its connections: framed once here, written to each transport, that costs one ``write``
per receiver instead of ~25 µs of Python (bench/notes.py, perf). The extension is offered
in the scope under ``EXTENSION`` (ASGI lets servers add their own); an app that finds none
(another ASGI server) sends the usual way.

What the extension does not do: flow control. ``unsent`` tells how much the transport holds
that the peer has not taken; the caller decides when that means the peer is too slow.
Closing stays with ASGI (``websocket.close``), so the closing handshake is uvicorn's.
"""

from __future__ import annotations

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


class FramesProtocol(WebSocketsSansIOProtocol):
    """``uvicorn.run(ws=FramesProtocol)``: uvicorn's protocol, offering the extension."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The app's task is created but has not run yet: the scope can still gain a key.
        scope: Any = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = FrameWriter(self)
