"""A structure-aware fuzzer for the notes server's update path (issue #26).

Each case is a stream of updates as a room might receive them: several pycrdt documents
(clients) insert and delete in one or two texts, some concurrently, sync with each other now
and then, and every update they emit is collected, plus whole-document and diff updates and
merges. Their client ids are then rewritten to random ids of every varint length (1 to 10
bytes), sometimes to an id 2**53 apart from another client's (the yrs aliasing behind the
panic in docs/upstream/yrs-panic-block-store.md). The stream is then replayed, shuffled,
truncated, bit-flipped and spliced.

A worker process feeds each case through the server's own path: ``check_update`` (notes/
update_check.py), then ``crdt_guard.apply_update`` on the room's document (notes/rooms.py's
``_update`` does the same), then a state vector and a diff. An update that passes the check
and then panics, kills or hangs the worker is a finding. The worker runs in a subprocess, so
a panic's aftermath (abort, segfault, spin) cannot take the test run with it.

    python -m tests.notes_fuzz [cases] [first seed]       # e.g. 100000 for a long run
    CROSSROADS_FUZZ_NO_CHECK=1 python -m tests.notes_fuzz 400   # without the pre-check
"""

from __future__ import annotations

import os
import random
import select
import subprocess
import sys
from dataclasses import dataclass

from pycrdt import Doc, Text, merge_updates

# The wire's unsigned varint, as the server writes it (plain Python, no engine behind it).
from crossroads.notes.protocol import write_varuint as varint

HANG_AFTER = 20.0  # seconds without progress on one case: the engine is spinning


def random_id(rng: random.Random) -> int:
    """A client id whose varint takes 1 to 10 bytes, each length equally likely."""
    length = rng.randint(1, 10)
    low = 0 if length == 1 else 128 ** (length - 1)
    high = min(128**length, 2**64) - 1
    return rng.randint(low, high)


def _edit(rng: random.Random, doc: Doc, roots: list[str]) -> None:
    text = doc.get(rng.choice(roots), type=Text)
    size = len(text)
    if size and rng.random() < 0.35:
        start = rng.randrange(size)
        del text[start : min(size, start + rng.randint(1, 3))]
    else:
        # ASCII: pycrdt's own deletes panic at indexes inside a multi-byte character, which
        # is the client's bug, not the server's input.
        text.insert(rng.randint(0, size), rng.choice(["a", "bc", "def ", "x\n"]))


def session(rng: random.Random) -> list[bytes]:
    """Genuine updates from 2-4 clients (placeholder ids), then ids rewritten and mangled."""
    clients = rng.randint(2, 4)
    # Placeholders: distinct ids whose 8-byte varints appear nowhere else in an update.
    placeholders = [2**52 + rng.randrange(2**44) * 64 + i for i in range(clients)]
    docs = [Doc(client_id=cid) for cid in placeholders]
    emitted: list[bytes] = []
    for doc in docs:
        doc.observe(lambda event: emitted.append(event.update))
    roots = ["prompt:a"] if rng.random() < 0.5 else ["prompt:a", "free"]
    for _ in range(rng.randint(1, 12)):
        _edit(rng, rng.choice(docs), roots)
        if rng.random() < 0.3:  # two clients exchange what they lack
            a, b = rng.sample(docs, 2)
            b.apply_update(a.get_update(b.get_state()))
    extra = [docs[0].get_update()]
    if rng.random() < 0.5:
        extra.append(docs[-1].get_update(docs[0].get_state()))
    if len(emitted) > 1 and rng.random() < 0.7:
        extra.append(merge_updates(*rng.sample(emitted, rng.randint(2, len(emitted)))))
    stream = emitted + extra
    targets: list[int] = []
    for placeholder in placeholders:
        if targets and rng.random() < 0.4:  # 2**53 apart from another client: yrs aliases
            target = rng.choice(targets) % 2**53 + rng.randint(1, 7) * 2**53
        elif rng.random() < 0.5:
            target = placeholder  # a genuine pycrdt id (53 bits)
        else:
            target = random_id(rng)
        targets.append(target)
    for placeholder, target in zip(placeholders, targets, strict=True):
        old, new = varint(placeholder), varint(target)
        stream = [u.replace(old, new) for u in stream]
    stream = _mangle(rng, stream)
    # Drawn last, so the stream above is the same for a seed as before these were added.
    return stream + crafted(random.Random(rng.getrandbits(64)), targets)


def _mangle(rng: random.Random, stream: list[bytes]) -> list[bytes]:
    out = list(stream)
    if rng.random() < 0.3:
        rng.shuffle(out)
    if rng.random() < 0.3:  # replays
        out += rng.sample(out, rng.randint(1, len(out)))
    for i in range(len(out)):
        roll = rng.random()
        update = out[i]
        if roll < 0.05 and len(update) > 1:
            out[i] = update[: rng.randrange(1, len(update))]  # truncated
        elif roll < 0.10:
            flipped = bytearray(update)
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
            out[i] = bytes(flipped)
        elif roll < 0.12 and len(out) > 1:
            other = rng.choice(out)
            out[i] = update[: rng.randrange(len(update) + 1)] + other[rng.randrange(len(other)) :]
    return out


_TEXTS = ["a", "\u00e9", "\U0001f600", "\u4e2d\u6587", "x\U0001f600y", "\U0010ffff", "ab\ncd"]


def _string(data: bytes) -> bytes:
    return varint(len(data)) + data


def _content(rng: random.Random) -> tuple[int, bytes]:
    """A struct's content of any kind notes accept, well-formed or not inside."""
    ref = rng.choice([1, 2, 3, 4, 4, 4, 5, 6, 7])
    if ref == 1:  # deleted
        return ref, varint(rng.randint(1, 5))
    if ref == 2:  # JSON values, some that are not JSON
        values = [rng.choice([b'"x"', b"1", b"undefined", b"{", b"null"]) for _ in range(3)]
        return ref, varint(len(values)) + b"".join(_string(v) for v in values)
    if ref == 3:  # binary
        return ref, _string(rng.randbytes(rng.randint(0, 4)))
    if ref == 4:  # a string, often with characters of 2 and 4 UTF-8 bytes
        return ref, _string(rng.choice(_TEXTS).encode())
    if ref == 5:  # embed
        return ref, _string(rng.choice([b'{"a":1}', b"{", b"[]", b"1e999", b"NaN"]))
    if ref == 6:  # format: key, value
        key = rng.choice([b"bold", b"", b"\xff"])
        return ref, _string(key) + _string(rng.choice([b"true", b"null", b"{"]))
    type_ref = rng.randint(0, 9)  # a nested type, of a kind that may not exist
    return ref, varint(type_ref) + (_string(b"p") if type_ref in (3, 4) else b"")


def crafted(rng: random.Random, clients: list[int]) -> list[bytes]:
    """Updates written byte by byte, as no Yjs client writes them but a person can send:
    any content kind, origins and parents anywhere in the known clients' clocks (inside a
    multi-byte character too), a known client's clocks written again from the middle, and
    delete sets over any range. Found nothing on pycrdt 0.14.13 in 37,000 updates; kept so
    a new engine version meets them."""
    ids = [c for c in clients if c <= 2**53 - 1] + [77]
    out = []
    for _ in range(rng.randint(0, 3)):
        me, start = rng.choice(ids), rng.randint(0, 8)
        body, count = b"", rng.randint(1, 4)
        for _ in range(count):
            ref, content = _content(rng)
            info, refs = ref, b""
            if rng.random() < 0.5:
                info |= 0x80
                refs += varint(rng.choice(ids)) + varint(rng.randint(0, 12))
            if rng.random() < 0.4:
                info |= 0x40
                refs += varint(rng.choice(ids)) + varint(rng.randint(0, 12))
            if not info & 0xC0:
                if rng.random() < 0.6:
                    refs += varint(1) + _string(rng.choice([b"prompt:a", b"free", b"other"]))
                else:
                    refs += varint(0) + varint(rng.choice(ids)) + varint(rng.randint(0, 12))
                if rng.random() < 0.2:
                    info |= 0x20
                    refs += _string(b"k")
            body += bytes([info]) + refs + content
        deleting = rng.sample(ids, rng.randint(0, min(2, len(ids))))
        deletes = varint(len(deleting))
        for client in deleting:
            spans = rng.randint(1, 3)
            deletes += varint(client) + varint(spans)
            for _ in range(spans):
                deletes += varint(rng.randint(0, 14)) + varint(rng.randint(0, 6))
        structs = varint(1) + varint(count) + varint(me) + varint(start) + body
        out.append(varint(0) + deletes if rng.random() < 0.15 else structs + deletes)
    return out


# --- the worker: the server's path, in a process of its own --------------------------------


def run_case(updates: list[bytes], *, check: bool = True) -> dict[str, int]:
    """Feed one case through the server's update path; raises ``CrdtPanic`` on a panic."""
    from crossroads.notes import crdt_guard
    from crossroads.notes.update_check import check_state_vector, check_update

    counts = {"applied": 0, "refused": 0, "invalid": 0}
    doc = Doc()
    for update in updates:
        if check:
            try:
                check_update(update)
            except ValueError:
                counts["refused"] += 1
                continue
        try:
            crdt_guard.apply_update(doc, update)
        except ValueError:
            counts["invalid"] += 1
            continue
        counts["applied"] += 1
    state = crdt_guard.get_state(doc)
    check_state_vector(state)  # what the server sends must pass its own check
    crdt_guard.get_update(doc, state)
    return counts


def _worker(first: int, count: int) -> None:
    from crossroads.notes.crdt_guard import CrdtPanic

    check = not os.environ.get("CROSSROADS_FUZZ_NO_CHECK")
    for seed in range(first, first + count):
        print(f"start {seed}", flush=True)
        try:
            updates = session(random.Random(seed))
        except BaseException:  # the generating clients' own trouble: not a server finding
            print(f"done {seed} 0 0 0", flush=True)
            continue
        try:
            counts = run_case(updates, check=check)
        except CrdtPanic as exc:
            print(f"panic {seed} {exc}", flush=True)
            sys.exit(3)
        print(
            f"done {seed} {counts['applied']} {counts['refused']} {counts['invalid']}", flush=True
        )


@dataclass
class Finding:
    seed: int
    what: str  # "panic", "died (code)", "hang"


@dataclass
class Report:
    cases: int = 0
    applied: int = 0
    refused: int = 0
    invalid: int = 0


def fuzz(first: int, count: int, *, no_check: bool = False) -> tuple[Report, list[Finding]]:
    """Run seeds ``first`` .. ``first + count - 1``; a worker that fails is replaced and the
    run goes on after its seed."""
    report, findings = Report(), []
    env = {**os.environ}
    if no_check:
        env["CROSSROADS_FUZZ_NO_CHECK"] = "1"
    else:
        env.pop("CROSSROADS_FUZZ_NO_CHECK", None)
    env["RUST_BACKTRACE"] = "0"
    seed = first
    while seed < first + count:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.notes_fuzz",
                "--worker",
                str(seed),
                str(first + count - seed),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert worker.stdout is not None
        current, finding = None, None
        while True:
            ready, _, _ = select.select([worker.stdout], [], [], HANG_AFTER)
            if not ready:
                worker.kill()
                finding = Finding(current if current is not None else seed, "hang")
                break
            line = worker.stdout.readline().decode()
            if not line:
                break
            kind, number, *rest = line.split()
            if kind == "start":
                current = int(number)
            elif kind == "done":
                report.cases += 1
                report.applied += int(rest[0])
                report.refused += int(rest[1])
                report.invalid += int(rest[2])
            elif kind == "panic":
                finding = Finding(int(number), "panic")
        code = worker.wait()
        if finding is None and code != 0:
            finding = Finding(current if current is not None else seed, f"died ({code})")
        if finding is None:
            break
        findings.append(finding)
        seed = finding.seed + 1
    return report, findings


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        _worker(int(sys.argv[2]), int(sys.argv[3]))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    report, findings = fuzz(first, count, no_check=bool(os.environ.get("CROSSROADS_FUZZ_NO_CHECK")))
    print(
        f"{report.cases} cases: {report.applied} updates applied, {report.refused} refused by "
        f"the pre-check, {report.invalid} rejected by pycrdt; {len(findings)} findings"
    )
    for finding in findings:
        print(f"  seed {finding.seed}: {finding.what}")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
