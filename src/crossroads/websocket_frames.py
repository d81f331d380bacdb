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

Such a socket's small binary frames skip websockets' parser too (``_take_binary_frames``):
a generator stepped per byte range, a ``Frame`` and an event per message were about 12% of
the server's time under 150 rooms of typists (py-spy). Only whole, final, masked binary frames
within the size limit, and only while websockets' parser stands between frames with nothing
buffered; anything else (a control frame, a fragment, a frame cut by the network, an oversize
or unmasked one) goes to websockets from there on, as before.

What the extension leaves to the caller: flow control. ``write`` refuses a frame while the
transport holds more than the caller allows that the peer has not taken;
``pause_reading``/``resume_reading`` stop and restart a sender the app cannot keep up with.
Closing stays with ASGI (``websocket.close``), so the closing handshake is uvicorn's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame
from websockets.http11 import Request
from websockets.protocol import State
from websockets.streams import StreamReader

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover  (websockets without its C extension)
    from websockets.utils import apply_mask

EXTENSION = "crossroads.websocket.frames"
FIN_BINARY = 0x82  # FIN set, no RSV bits, opcode 2
MASKED = 0x80
_AT_EOF = StreamReader.at_eof.__code__


def binary_frame(payload: bytes) -> bytes:
    """One final, unmasked binary frame (server to client) holding ``payload`` (RFC 6455
    5.2; a fifth of the cost of websockets' ``Frame.serialize``, called once per flush)."""
    size = len(payload)
    if size < 126:
        return bytes((FIN_BINARY, size)) + payload
    if size < 1 << 16:
        return bytes((FIN_BINARY, 126)) + size.to_bytes(2) + payload
    return bytes((FIN_BINARY, 127)) + size.to_bytes(8) + payload


class FrameWriter:
    """What the app gets in ``scope["extensions"][EXTENSION]``."""

    __slots__ = ("_protocol", "_transport")

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol
        self._transport = protocol.transport

    def write(self, frame: bytes, max_unsent: int) -> bool:
        """Write an encoded frame (``binary_frame``), unless more than ``max_unsent`` bytes
        still wait in the transport for the peer: False then, and nothing is written. Once
        the socket is closing, nothing is written either. One call per receiver of a
        broadcast: a room of 200 makes it 200 times per keystroke."""
        transport = self._transport
        if transport.get_write_buffer_size() > max_unsent:
            return False
        protocol = self._protocol
        if protocol.handshake_complete and not protocol.close_sent and not transport.is_closing():
            transport.write(frame)
        return True

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

    def data_received(self, data: bytes) -> None:
        if self.binary_handler is not None and not self.close_sent and self._between_frames():
            data = self._take_binary_frames(data)
            if not data:
                return
        super().data_received(data)

    def _between_frames(self) -> bool:
        """Whether websockets' parser waits for the first byte of a frame, with nothing
        buffered: then the next bytes start a frame, and frames taken here leave it as it is.
        (Its parser is a generator: between frames it is suspended in ``at_eof``.)"""
        conn = self.conn
        if conn.state is not State.OPEN or conn.current_size is not None or conn.reader.buffer:
            return False
        inner: Any = conn.parser
        while (outer := getattr(inner, "gi_yieldfrom", None)) is not None:
            inner = outer
        return getattr(inner, "gi_code", None) is _AT_EOF

    def _take_binary_frames(self, data: bytes) -> bytes:
        """Hand the whole final masked binary frames that ``data`` starts with to the binary
        handler; return the rest, from the first byte that is not one of them."""
        limit = self.conn.max_message_size
        pos, size = 0, len(data)
        while pos + 6 <= size and not self.close_sent:
            if data[pos] != FIN_BINARY or not data[pos + 1] & MASKED:
                break
            length, head = data[pos + 1] & 0x7F, pos + 2
            if length == 126:
                length, head = int.from_bytes(data[head : head + 2]), head + 2
            elif length == 127:  # 64 KiB or more: rare, websockets' parser is fine
                break
            end = head + 4 + length
            if end > size or (limit is not None and length > limit):
                break
            handler = self.binary_handler
            if handler is None:
                break
            handler(apply_mask(data[head + 4 : end], data[head : head + 4]))
            pos = end
        return data[pos:] if pos else data

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The app's task is created but has not run yet: the scope can still gain a key.
        scope: Any = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = FrameWriter(self)
