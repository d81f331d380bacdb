"""The shared notes: y-websocket rooms on pycrdt, durable before they are acknowledged.

``rooms.RoomServer`` serves each room's sockets: it reads frames (``protocol``), refuses bad
updates (``update_check``, ``crdt_guard``), hands good ones to the batched ``writer`` that commits
them through the store, and sends each committed update to every reader of the room. ``awareness``
relays presence, ``affinity`` and ``proxy`` place a room on one node of a cluster, ``tokens``
signs the room tickets, ``reading`` serves read-only views.

A keystroke's path stays inside this package from the socket to the store and back out; it never
imports ``convenings`` or ``web`` (docs/architecture.md; tests/unit/test_layers.py).
"""
