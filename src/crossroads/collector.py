"""Holding Python's cycle collector off during a burst that people are waiting for.

A round start for 2,000 people allocates tens of thousands of objects in a fraction of a
second; with thousands of connections in the heap each young-generation collection took
10-20 ms and an older one 60-200 ms, and they landed in the middle of the fan-out
(bench/round_fanout.py). Reference counting frees nearly everything anyway; the collections
that were held back run as soon as the last burst ends. Bursts may overlap (two convenings'
fan-outs interleave at their awaits), so pauses are counted.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_pauses = 0


@contextmanager
def paused() -> Iterator[None]:
    global _pauses
    if _pauses == 0 and not gc.isenabled():
        # Someone else turned the collector off (a test, an embedding app): leave it be.
        yield
        return
    _pauses += 1
    gc.disable()
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0:
            gc.enable()
