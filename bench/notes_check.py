"""What the notes pre-check (notes/update_check.py) adds to each update, against pycrdt.

    python bench/notes_check.py [--runs 5] [--updates 2000]

Builds the updates a typist sends (one per keystroke, a few deletions), a 1 KB and a 100 KB
paste, with pycrdt, then times per update: ``check_update`` (pure Python, the cost added to
the hot path) and the baseline, ``Doc.apply_update`` of the same update into the room's
document, which the server already did for each update. Prints medians in microseconds and
check/apply. Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pycrdt import Doc, Text  # noqa: E402

from crossroads.notes.update_check import check_update  # noqa: E402


def keystrokes(count: int) -> list[bytes]:
    doc = Doc()
    text = doc.get("prompt:a", type=Text)
    out: list[bytes] = []
    doc.observe(lambda event: out.append(event.update))
    for i in range(count):
        if i % 10 == 9:
            del text[len(text) - 1 : len(text)]
        else:
            text.insert(len(text) // 2 if i % 7 == 0 else len(text), "abcdefgh"[i % 8])
    return out


def paste(size: int) -> list[bytes]:
    doc = Doc()
    text = doc.get("prompt:a", type=Text)
    text += "x" * size
    return [doc.get_update()]


def timed(updates: list[bytes], runs: int) -> tuple[float, float]:
    """Median µs per update: the check, and applying to a fresh document in order."""
    checks, applies = [], []
    for _ in range(runs):
        start = time.perf_counter()
        for update in updates:
            check_update(update)
        checks.append((time.perf_counter() - start) / len(updates) * 1e6)
        doc = Doc()
        start = time.perf_counter()
        for update in updates:
            doc.apply_update(update)
        applies.append((time.perf_counter() - start) / len(updates) * 1e6)
    return statistics.median(checks), statistics.median(applies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--updates", type=int, default=2000)
    args = parser.parse_args()
    cases = {
        "keystroke": keystrokes(args.updates),
        "1 KB paste": paste(1024),
        "100 KB paste": paste(100 * 1024),
    }
    print(f"{'update':<14}{'bytes':>8}{'check µs':>11}{'apply µs':>11}{'check/apply':>13}")
    for name, updates in cases.items():
        size = statistics.median(len(u) for u in updates)
        check, apply = timed(updates, args.runs)
        print(f"{name:<14}{size:>8.0f}{check:>11.2f}{apply:>11.2f}{check / apply:>13.2f}")


if __name__ == "__main__":
    main()
