"""Who wrote which text: replaying the notes log with its authors.

Every row of the log records who sent it (``p<id>`` or ``h<id>``, from the socket's token). To
attribute text we replay the rows in log order on top of the snapshot, observing each section's
``Y.Text``: what an update inserts belongs to its sender, what it deletes is gone. Attribution is
kept per UTF-8 byte (pycrdt's delta unit) and stored as runs, ``[[author, bytes], ...]`` per
section. Compaction merges rows into the snapshot and would lose their authors, so it writes the
runs as of the new snapshot in the same transaction (``notes_attribution``); the next replay
starts from them.

Limits, on purpose: an update that waited for a missing parent is attributed to whoever sent
the update that completed it (Yjs integrates it then); text in a snapshot written before runs were
kept is attributed to nobody (``""``). Whether a name may be shown is decided by the caller, from
the person's consent and the convening's privacy mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pycrdt import Doc, Text

from crossroads.notes.crdt_guard import guarded

UNKNOWN = ""
Runs = list[list[str | int]]  # [[author, length in UTF-8 bytes], ...]


def _expand(runs: Runs | None, size: int) -> list[str]:
    authors: list[str] = []
    for author, length in runs or ():
        authors += [str(author)] * int(length)
    if len(authors) != size:  # no runs, or runs that do not fit the text: nobody known
        return [UNKNOWN] * size
    return authors


def _compress(authors: list[str]) -> Runs:
    runs: Runs = []
    for author in authors:
        if runs and runs[-1][0] == author:
            runs[-1][1] = int(runs[-1][1]) + 1
        else:
            runs.append([author, 1])
    return runs


def replay(
    snapshot: bytes | None,
    attribution: dict[str, Runs] | None,
    updates: Iterable[tuple[bytes, str]],
    sections: Iterable[str] | None = None,
) -> tuple[Doc, dict[str, Runs]]:
    """The document after the log, and each section's authorship runs.

    ``sections`` are the root names to attribute; by default every root in the result.
    A panic of the CRDT engine is ``CrdtPanic`` (notes/crdt_guard.py).
    """
    with guarded("attribution replay"):
        return _replay(snapshot, attribution, updates, sections)


def _replay(
    snapshot: bytes | None,
    attribution: dict[str, Runs] | None,
    updates: Iterable[tuple[bytes, str]],
    sections: Iterable[str] | None,
) -> tuple[Doc, dict[str, Runs]]:
    updates = list(updates)
    if sections is None:
        scratch = Doc()
        for data in ([snapshot] if snapshot else []) + [u for u, _ in updates]:
            scratch.apply_update(data)
        sections = sorted(scratch.keys())
    doc = Doc()
    if snapshot:
        doc.apply_update(snapshot)
    current = [UNKNOWN]
    authors: dict[str, list[str]] = {}
    subscriptions = []
    texts = {}
    for name in sections:
        text = texts[name] = doc.get(name, type=Text)
        authors[name] = _expand((attribution or {}).get(name), len(str(text).encode()))

        subscriptions.append((text, text.observe(_observer(authors[name], current))))
    try:
        for data, author in updates:
            current[0] = author
            doc.apply_update(data)
    finally:
        for text, subscription in subscriptions:
            text.unobserve(subscription)  # an observer keeps the Doc alive (pycrdt 421)
    return doc, {name: _compress(chars) for name, chars in authors.items()}


def _observer(chars: list[str], current: list[str]) -> Callable[[object], None]:
    # One parameter only: pycrdt passes the transaction too to callbacks that take two.
    def changed(event: object) -> None:
        pos = 0
        for op in event.delta:  # type: ignore[attr-defined]  # pycrdt TextEvent
            if "retain" in op:
                pos += op["retain"]
            elif "insert" in op:
                size = len(str(op["insert"]).encode())
                chars[pos:pos] = [current[0]] * size
                pos += size
            elif "delete" in op:
                del chars[pos : pos + op["delete"]]

    return changed


def runs_with_text(text: str, runs: Runs) -> list[tuple[str, str]]:
    """Pair each run with its text: ``[("p1", "Ana wrote this"), ...]``."""
    data = text.encode()
    out = []
    pos = 0
    for author, length in runs:
        chunk = data[pos : pos + int(length)].decode(errors="replace")
        pos += int(length)
        out.append((str(author), chunk))
    return out
