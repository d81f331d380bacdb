"""The SQLite notes log's commit while the event loop's thread is busy, against the old way.

    python bench/notes_log.py [--commits 300] [--rows 3] [--runs 3]

The log thread (``SqliteAppender``) commits a batch while another thread holds the GIL, as
the event loop does under load. Python's sqlite3 lets go of the GIL around each step and
must get it back after: each step can wait for the other thread's switch interval (5 ms).
Ours stores a batch as one INSERT in autocommit mode; the baseline, run in the same
process on a file of its own, is what the log did before: BEGIN IMMEDIATE, ``executemany``
and COMMIT. Both in WAL mode with synchronous=FULL on a migrated database. Prints the median
wall time and log-thread CPU per commit, and ours/baseline. Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from crossroads.store.database import Database  # noqa: E402
from crossroads.store.notes import SqliteAppender  # noqa: E402

Rows = list[tuple[str, bytes, str, str]]


def migrated(path: Path) -> str:
    async def run() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.migrate()
        await db.dispose()

    asyncio.run(run())
    return str(path)


def baseline(appender: SqliteAppender, rows: Rows) -> None:
    conn = appender._conn  # opened by the warm-up commit, with the log's pragmas
    assert conn is not None
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO notes_update (room, data, author, created_at) VALUES (?, ?, ?, ?)", rows
    )
    conn.execute("COMMIT")


def ours(appender: SqliteAppender, rows: Rows) -> None:
    appender._commit(rows)


def measure(
    commit: Callable[[SqliteAppender, Rows], None], path: str, args: argparse.Namespace
) -> tuple[float, float]:
    appender = SqliteAppender(path)
    rows = [
        (f"room-{i}", b"\x01" * 40, "author", "2030-01-02 03:04:05.000000")
        for i in range(args.rows)
    ]
    stop = threading.Event()

    def busy_loop() -> None:  # pure Python work that holds the GIL, as a loaded event loop
        n = 0
        while not stop.is_set():
            n += 1

    results: dict[str, float] = {}

    def log_thread() -> None:
        ours(appender, rows)  # opens the connection (the log's pragmas), warms the caches
        commit(appender, rows)
        wall, cpu = time.perf_counter(), time.thread_time()
        for _ in range(args.commits):
            commit(appender, rows)
        results["wall"] = (time.perf_counter() - wall) / args.commits
        results["cpu"] = (time.thread_time() - cpu) / args.commits

    spinner = threading.Thread(target=busy_loop)
    spinner.start()
    worker = threading.Thread(target=log_thread)
    worker.start()
    worker.join()
    stop.set()
    spinner.join()
    appender.close()
    return results["wall"], results["cpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--rows", type=int, default=3, help="updates per batch")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        samples: dict[str, list[tuple[float, float]]] = {"ours": [], "baseline": []}
        for run in range(args.runs):
            for name, commit in (("baseline", baseline), ("ours", ours)):
                path = migrated(Path(tmp) / f"{name}-{run}.db")
                samples[name].append(measure(commit, path, args))
    medians = {
        name: (statistics.median(s[0] for s in runs), statistics.median(s[1] for s in runs))
        for name, runs in samples.items()
    }
    print(f"{'':10} {'wall ms/commit':>15} {'log cpu ms/commit':>18}")
    for name, (wall, cpu) in medians.items():
        print(f"{name:10} {wall * 1e3:15.2f} {cpu * 1e3:18.3f}")
    ratio_wall = medians["ours"][0] / medians["baseline"][0]
    ratio_cpu = medians["ours"][1] / medians["baseline"][1]
    batch = f"{args.rows} rows a batch"
    print(f"ratio ours/baseline: wall {ratio_wall:.2f}, cpu {ratio_cpu:.2f} ({batch})")


if __name__ == "__main__":
    main()
