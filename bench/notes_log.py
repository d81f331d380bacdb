"""The SQLite notes log's commit as a busy event loop sees it: on the loop, against the thread.

    python bench/notes_log.py [--commits 60] [--rows 3] [--runs 3]

The writer awaits ``SqliteAppender.append`` for each batch while the loop is busy with
other work (tasks that run pure Python for about 0.2 ms and yield, as frame handling does).
Ours commits the batch on the loop while that is quick; the baseline, run in the same process
on a file of its own, is the same appender made to hand every batch to its thread (as every
batch went before): a wake-up of the thread, then one of the loop, each waiting for the GIL.
Both in WAL mode with synchronous=FULL on a migrated database. Prints the median and p95
time an append takes, commits per second, and how much of the other work the loop got done
meanwhile (iterations per second: the baseline's loop is left more time, as its writer
mostly waits), with ours/baseline. The measured writer lets the loop turn between
batches, as the notes writer does while it waits for the next. Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import migrated_sqlite

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from crossroads.store.notes import PendingUpdate, SqliteAppender  # noqa: E402

BUSY_TASKS = 2
BUSY_SLICE = 3000  # iterations between yields: about 0.2 ms of pure Python


async def measure(path: str, *, on_loop: bool, args: argparse.Namespace) -> dict[str, float]:
    appender = SqliteAppender(path)
    if not on_loop:
        appender._inline_from = math.inf  # every batch to the thread, as before
    batch = [PendingUpdate(f"room-{i}", b"\x01" * 40, "author") for i in range(args.rows)]
    now = datetime.now(UTC)
    await appender.append(batch, now)  # opens the connections, warms the caches
    done = 0
    stop = False

    async def busy() -> None:
        nonlocal done
        while not stop:
            for _ in range(BUSY_SLICE):
                pass
            done += BUSY_SLICE
            await asyncio.sleep(0)

    workers = [asyncio.create_task(busy()) for _ in range(BUSY_TASKS)]
    await asyncio.sleep(0.05)
    times: list[float] = []
    done, started = 0, time.perf_counter()
    for _ in range(args.commits):
        t = time.perf_counter()
        await appender.append(batch, now)
        times.append(time.perf_counter() - t)
        await asyncio.sleep(0)  # the writer waits for its next batch: the loop turns
    elapsed = time.perf_counter() - started
    stop = True
    await asyncio.gather(*workers)
    appender.close()
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95)],
        "commits": args.commits / elapsed,
        "work": done / elapsed,
        "on_loop": appender.inline_commits / (args.commits + 1),
    }


async def main(args: argparse.Namespace) -> None:
    samples: dict[str, list[dict[str, float]]] = {"ours": [], "baseline": []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for name in ("baseline", "ours"):
                path = await migrated_sqlite(Path(tmp) / f"{name}-{run}.db")
                samples[name].append(await measure(path, on_loop=name == "ours", args=args))
    med = {
        name: {key: statistics.median(s[key] for s in runs) for key in runs[0]}
        for name, runs in samples.items()
    }
    header = f"{'append p50 ms':>14} {'p95 ms':>8} {'commits/s':>10} {'other work/s':>13}"
    print(f"{'':10} {header} {'on loop':>8}")
    for name, m in med.items():
        print(
            f"{name:10} {m['p50'] * 1e3:14.3f} {m['p95'] * 1e3:8.3f} {m['commits']:10.0f} "
            f"{m['work']:13.3g} {m['on_loop']:8.0%}"
        )
    o, b = med["ours"], med["baseline"]
    print(
        f"ratio ours/baseline: p50 {o['p50'] / b['p50']:.2f}, p95 {o['p95'] / b['p95']:.2f}, "
        f"commits/s {o['commits'] / b['commits']:.2f} ({args.rows} rows a batch)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=60)
    parser.add_argument("--rows", type=int, default=3, help="updates per batch")
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
