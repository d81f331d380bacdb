"""Which node a notes room belongs to when nobody holds it yet: the same consistent hash as
nginx's ``hash $uri consistent`` (ketama), so that behind the sample nginx configuration the
node nginx sends a room's clients to is the node that owns it, and proxying between nodes
is rare (docs/deploy.md).

nginx builds the ring from each ``server`` line of the upstream: for ``app1:8000``, the CRC32
of ``app1``, a zero byte and ``8000`` seeds 160 points (times the weight; we assume 1), each
the CRC32 of that seed followed by the previous point as 4 little-endian bytes, starting
from 0. A request goes to the first point at or after CRC32 of the key (the URI), wrapping
around; a server that is down is skipped by walking on to the next point. Taking the ring of
the live nodes and the first point gives the same answer as nginx skipping the dead ones.

    >>> owner("/ws/notes/abc", ["app1:8000", "app2:8000", "app3:8000"])
    'app3:8000'
    >>> owner("/ws/notes/abc", ["app1:8000", "app2:8000"])  # app3 is down
    'app1:8000'

Checked against Debian's nginx 1.22 itself: random rooms over three servers, then with one
down, all routed alike (tests/integration/test_nginx.py, wherever nginx is installed).

Node ids that are not ``host:port`` strings still hash consistently, just not like nginx.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Iterable
from functools import lru_cache

POINTS_PER_SERVER = 160


def room_key(room: str) -> str:
    """The URI nginx hashes for a room's socket (the query string is not part of ``$uri``)."""
    return f"/ws/notes/{room}"


def _seed(server: str) -> bytes:
    """``host \\0 port``, split as nginx does: at the last colon followed only by digits."""
    host, colon, port = server.rpartition(":")
    if colon and port.isdigit():
        return host.encode() + b"\0" + port.encode()
    return server.encode() + b"\0"


def points(server: str) -> list[int]:
    seed = zlib.crc32(_seed(server))
    previous = 0
    out = []
    for _ in range(POINTS_PER_SERVER):
        # crc32(data, running) continues a CRC over seed + data, as nginx's update does.
        previous = zlib.crc32(previous.to_bytes(4, "little"), seed)
        out.append(previous)
    return out


@lru_cache(maxsize=64)
def _ring(servers: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    placed: dict[int, str] = {}
    for server in servers:
        for point in points(server):
            placed.setdefault(point, server)  # a collision keeps one point, as nginx does
    ordered = sorted(placed)
    return tuple(ordered), tuple(placed[p] for p in ordered)


def owner(key: str, servers: Iterable[str]) -> str | None:
    """The server the ring gives ``key`` to (None for no servers)."""
    hashes, names = _ring(tuple(sorted(set(servers))))
    if not hashes:
        return None
    index = bisect.bisect_left(hashes, zlib.crc32(key.encode()))
    return names[index % len(hashes)]
