"""The live event socket: one JSON WebSocket per participant and host.

``hub.LiveHub`` holds each convening's connections and sends them their views; ``bus`` carries
events between nodes (in-process, or Redis pub/sub); ``cluster`` tracks presence across nodes;
``calls`` relays call signalling; ``protocol`` reads the messages clients send.

The package knows sockets, channels and presence, not what a convening or a round is: it imports
neither ``convenings`` nor ``web`` (docs/architecture.md; tests/unit/test_layers.py). The web
layer wires it to the use cases.
"""
