"""The live event socket: one JSON WebSocket per participant and host, and the live flow's owner.

A change to a live call runs one way through this package:

- ``events``: what changed, one frozen dataclass per kind (``RoundStarted``, ``PersonRemoved``,
  ...). Use cases in ``convenings`` record them inside the transaction that makes the change.
- ``publisher``: commit, then publish. A use case's unit of work announces its events only after
  its transaction commits, to the hub, and runs a change's follow-ups (a removed person's live
  and notes sockets close).
- ``hub.LiveHub``: each convening's connections on this node; one refresher per convening turns
  bus events into views, rendered by an injected ``hub.Views`` (implemented by
  convenings/live_views.py: the domain comes in, this package never reaches out to it).
- ``bus`` carries events between nodes (in-process, or Redis pub/sub); ``cluster`` tracks
  presence across nodes; ``calls`` relays call signalling; ``protocol`` reads the messages
  clients send and ``replies`` types what the server answers; ``wiring`` puts bus, hub and
  publisher together for one node.

The package knows sockets, channels and presence, not what a convening or a round is: it imports
neither ``convenings`` nor ``web`` (docs/architecture.md; tests/unit/test_layers.py).
"""
