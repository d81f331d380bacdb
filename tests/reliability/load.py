"""The reliability mode: fault tests repeated, on a machine kept busy (#30).

``CROSSROADS_RELIABILITY_REPEAT=N`` runs the long form: N kills of the notes server, N/2
PostgreSQL restarts, N/4 outages longer than the writer's retries (``make reliability``
runs N=20). Unset, the suite (and CI) runs the short form, the counts below. Either way two
busy processes run beside the test: a 1,307-word loss once showed only on a loaded CI
machine, never on a quiet one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Read at import: the suite clears CROSSROADS_* from the environment of every test.
REPEAT = int(os.environ.get("CROSSROADS_RELIABILITY_REPEAT") or 0)
SHORT_KILLS = 6
SHORT_RESTARTS = 3
SHORT_LONG_OUTAGES = 2
BUSY_PROCESSES = 2
BUSY_FOR = 900  # seconds at most, should a test die without stopping them


def kills() -> int:
    return REPEAT or SHORT_KILLS


def restarts() -> int:
    return max(SHORT_RESTARTS, REPEAT // 2)


def long_outages() -> int:
    return max(SHORT_LONG_OUTAGES, REPEAT // 4)


@contextmanager
def busy_machine() -> Iterator[None]:
    """Two processes spinning on the CPU for as long as the block runs (bounded, and stopped
    by their ids)."""
    spin = f"import time\nend = time.monotonic() + {BUSY_FOR}\nwhile time.monotonic() < end: pass"
    busy = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(BUSY_PROCESSES)]
    try:
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()
