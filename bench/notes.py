"""Shared notes: keystroke-to-delivery latency and server CPU, ours against the Node reference.

    python bench/notes.py [--seconds 20] [--runs 3] [--workloads rooms,crowd,typists] [--quick]

Servers, each in its own process, pinned to CPU 0 (the load generator runs on CPU 1):
- ours: `crossroads serve` (uvicorn on loopback) with durability on: a SQLite file in WAL mode
  with synchronous=FULL; an update is relayed at once and acknowledged to its writer once the
  group-commit writer has committed it;
- the reference: `@y/websocket-server` 0.1.1 on Yjs 13 (installed by `npm ci` in bench/), which
  keeps everything in memory.

Workloads (the same for both, one y-websocket room per notes room):
- rooms:   150 rooms x 3 clients, everyone typing at 2 keystrokes/s (900 keystrokes/s);
- crowd:   1 room x 200 clients, 20 of them typing at 3 keystrokes/s;
- typists: 1 room x 400 clients, all typing at 3 keystrokes/s.

Clients are pycrdt documents: each keystroke inserts one character into the room's `Y.Text`
and sends the update (`00 02 <update>`), as y-codemirror does. The load generator speaks
WebSocket through a small asyncio protocol (client frames masked with a zero key, as the RFC
allows) so that reading 10^5 frames/s does not saturate it before the servers. Delivery is
measured at probe clients (every client in "rooms", 10 per room otherwise): the time from a
keystroke's send to the first frame at a probe that holds it, found by decoding the Yjs update
headers (client id and clock range of each struct), so merged updates count too.

First it times a durable commit on the disk ours writes to (one update, appended by the notes
log's own appender to a migrated SQLite file, as the server commits): a floor under ours'
acknowledgement (the writer's "saved"), which the in-memory reference does not send.

Prints p50/p95 ms and server CPU (user+system time of the server process over the typing
window, as % of one core) for both, with ratios ours/reference, as the median and the range
over --runs (runs of ours and the reference interleaved, so that other load on the machine
falls on both); beside each row ours' acknowledgement p50/p95 (keystroke sent to its ack
received by its typist) and commits per second (from /internal/status). ``--quick``: the
150-room workload alone, one run of each, 10 s of typing (under a minute). Not a test:
numbers only, loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pycrdt import Doc, Text

from _common import cpu_seconds, free_port, migrated_sqlite, wait_listening

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from crossroads.notes import tokens  # noqa: E402
from crossroads.store.notes import PendingUpdate, SqliteAppender  # noqa: E402

NODE_SERVER = ROOT / "bench" / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
SECRET = "bench-secret-not-for-production-use-0123456789"
PROBES_PER_ROOM = 10
CONNECT_BATCH = 50
SERVER_CPU = 0
CLIENT_CPU = 1
PROFILE = os.environ.get("NOTES_BENCH_PROFILE", "")  # py-spy raw output for our server


@dataclass(frozen=True)
class Workload:
    name: str
    rooms: int
    clients: int  # per room
    typists: int  # per room
    rate: float  # keystrokes per second per typist


WORKLOADS = {
    "rooms": Workload("150 rooms x 3 clients", 150, 3, 3, 2.0),
    "crowd": Workload("1 room x 200 clients, 20 typing", 1, 200, 20, 3.0),
    "typists": Workload("1 room x 400 typists", 1, 400, 400, 3.0),
}


# --- reading Yjs updates (v1 encoding), just enough to know which keystrokes arrived --------


def _varuint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _skip_string(data: bytes, pos: int) -> tuple[int, int]:
    length, pos = _varuint(data, pos)
    return length, pos + length


def update_ranges(update: bytes) -> list[tuple[int, int, int]]:
    """(client, first clock, end clock) of each struct in a Yjs v1 update (not Skips).

    Mirrors Yjs's readClientsStructRefs: info byte; left origin if bit 8, right origin if
    bit 7; parent info when neither; parentSub if bit 6 then; content by ref (info & 31).
    Only what our clients write (strings, deleted, GC) is understood.
    """
    ranges = []
    groups, pos = _varuint(update, 0)
    for _ in range(groups):
        count, pos = _varuint(update, pos)
        client, pos = _varuint(update, pos)
        clock, pos = _varuint(update, pos)
        for _ in range(count):
            info = update[pos]
            pos += 1
            ref = info & 0x1F
            if ref in (0, 10):  # GC, Skip
                length, pos = _varuint(update, pos)
                if ref == 0:
                    ranges.append((client, clock, clock + length))
                clock += length
                continue
            if info & 0x80:
                pos = _varuint(update, _varuint(update, pos)[1])[1]
            if info & 0x40:
                pos = _varuint(update, _varuint(update, pos)[1])[1]
            if not info & 0xC0:
                kind, pos = _varuint(update, pos)
                if kind == 1:
                    _, pos = _skip_string(update, pos)
                else:
                    pos = _varuint(update, _varuint(update, pos)[1])[1]
                if info & 0x20:
                    _, pos = _skip_string(update, pos)
            if ref == 4:  # ContentString: ASCII here, so bytes = UTF-16 units
                length, pos = _skip_string(update, pos)
            elif ref == 1:  # ContentDeleted
                length, pos = _varuint(update, pos)
            else:
                raise ValueError(f"content ref {ref} not expected in the bench")
            ranges.append((client, clock, clock + length))
            clock += length
    return ranges


# --- a small WebSocket client ---------------------------------------------------------------


class RawSocket(asyncio.Protocol):
    """Client side of RFC 6455, enough for the bench: binary frames (and text ones, for the
    live socket in bench/scale.py), pings, no fragments."""

    def __init__(
        self,
        on_message: Callable[[bytes], None] | None,
        on_text: Callable[[bytes], None] | None = None,
    ) -> None:
        self.on_message = on_message
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self.handshaken = False
        self.closed = False
        self.close_code: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.handshaken:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            del self.buffer[: end + 4]
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self.opened.set_exception(ConnectionError(head[:80].decode(errors="replace")))
                return
            self.handshaken = True
            self.opened.set_result(None)
        buf = self.buffer
        pos = 0
        while len(buf) - pos >= 2:
            opcode = buf[pos] & 0x0F
            length = buf[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                start = pos + 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                start = pos + 10
            if len(buf) - start < length:
                break
            if opcode == 2 and self.on_message is not None:
                self.on_message(bytes(buf[start : start + length]))
            elif opcode == 1 and self.on_text is not None:
                self.on_text(bytes(buf[start : start + length]))
            elif opcode == 9:
                self._send(0xA, bytes(buf[start : start + length]))
            elif opcode == 8:
                self.closed = True
                if length >= 2:
                    self.close_code = int.from_bytes(buf[start : start + 2], "big")
            pos = start + length
        del buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        n = len(payload)
        if n < 126:
            head = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            head = bytes([0x80 | opcode, 0xFE]) + n.to_bytes(2, "big")
        else:
            head = bytes([0x80 | opcode, 0xFF]) + n.to_bytes(8, "big")
        self.transport.write(head + b"\x00\x00\x00\x00" + payload)  # zero mask key

    def send(self, payload: bytes) -> None:
        self._send(2, payload)

    def send_text(self, payload: str) -> None:
        self._send(1, payload.encode())

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_socket(
    port: int,
    path: str,
    origin: str,
    on_message: Callable[[bytes], None] | None,
    *,
    on_text: Callable[[bytes], None] | None = None,
    cookie: str = "",
) -> RawSocket:
    loop = asyncio.get_running_loop()
    _, sock = await loop.create_connection(
        lambda: RawSocket(on_message, on_text), "127.0.0.1", port
    )
    key = base64.b64encode(os.urandom(16)).decode()
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n{extra}\r\n"
    )
    assert sock.transport is not None
    sock.transport.write(request.encode())
    await asyncio.wait_for(sock.opened, 30)
    return sock


# --- clients ---------------------------------------------------------------------------------


@dataclass
class Keystrokes:
    """Send times of every keystroke: sent[client id][clock]."""

    sent: dict[int, list[float]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)  # keystroke sent -> its ack received
    measuring: bool = False


class Probe:
    """Records, per typist, how far its keystrokes have arrived here."""

    def __init__(self, log: Keystrokes, own: int | None) -> None:
        self.log = log
        self.own = own
        self.seen: dict[int, int] = {}

    def on_message(self, frame: bytes) -> None:
        if len(frame) < 3 or frame[0] != 0 or frame[1] not in (1, 2):
            return
        now = time.perf_counter()
        _, pos = _varuint(frame, 2)
        for client, first, end in update_ranges(frame[pos:]):
            if client == self.own:
                continue
            times = self.log.sent.get(client)
            if times is None:
                continue
            seen = self.seen.get(client, 0)
            if end <= seen:
                continue
            for clock in range(max(first, seen), min(end, len(times))):
                if self.log.measuring:
                    self.log.latencies.append(now - times[clock])
            self.seen[client] = end


class Typist:
    def __init__(self, log: Keystrokes) -> None:
        self.doc = Doc()
        self.text = self.doc.get("prompt:bench", type=Text)
        self.log = log
        self.times: list[float] = []
        self.acked = 0
        log.sent[self.doc.client_id] = self.times

    def on_ack(self, frame: bytes) -> None:
        """Ours' ``100 <n>``: the first n updates of this connection are committed (the
        bench's clients send nothing but keystrokes, so n counts keystrokes)."""
        now = time.perf_counter()
        count, _ = _varuint(frame, 1)
        if self.log.measuring:
            self.log.acks.extend(now - t for t in self.times[self.acked : count])
        self.acked = max(self.acked, count)

    def keystroke(self, sock: RawSocket) -> None:
        before = self.doc.get_state()
        self.text.insert(len(self.times), "abcdefghij"[len(self.times) % 10])
        update = self.doc.get_update(before)
        self.times.append(time.perf_counter())
        sock.send(b"\x00\x02" + _write_varuint(len(update)) + update)


def _write_varuint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# --- servers ---------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    origin: str
    path_for: Callable[[str, str], str]  # room, who -> request path
    data_dir: Path | None = None

    async def commits(self) -> int | None:
        """Ours' writer's commits so far (None for the reference, which commits nothing)."""
        if self.name != "ours":
            return None
        pass_ = tokens.mint_peer(SECRET, "bench", "status")
        request = (
            f"GET /internal/status HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"x-crossroads-peer: {pass_}\r\nConnection: close\r\n\r\n"
        )
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(request.encode())
        body = (await reader.read()).split(b"\r\n\r\n", 1)[1]
        writer.close()
        commits = json.loads(body).get("notes_commits")  # None: a server from before #30
        return int(commits) if commits is not None else None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)


async def start_ours() -> Server:
    data_dir = Path(tempfile.mkdtemp(prefix="notes-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CROSSROADS_")},
        "CROSSROADS_DATA_DIR": str(data_dir),
        "CROSSROADS_PORT": str(port),
        "CROSSROADS_PUBLIC_BASE_URL": base,
        "CROSSROADS_SECRET_KEY": SECRET,
        "CROSSROADS_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT / "src"),
    }
    process = subprocess.Popen(  # noqa: ASYNC220  started once, before timing
        # The server itself, not serve's supervisor: its CPU is what is measured.
        [sys.executable, "-m", "crossroads.cli", "serve", "--no-supervise"],
        env=env,
    )
    os.sched_setaffinity(process.pid, {SERVER_CPU})
    await wait_listening(port)
    return Server(
        "ours",
        process,
        port,
        base,
        lambda room, who: f"/ws/notes/{room}?token={tokens.mint(SECRET, who, room)}",
        data_dir,
    )


async def start_node() -> Server:
    if not NODE_SERVER.exists():
        raise SystemExit("run `npm ci` in bench/ first (the Node reference server)")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    process = subprocess.Popen(  # noqa: ASYNC220  started once, before timing
        ["node", str(NODE_SERVER)], env=env, stdout=subprocess.DEVNULL
    )
    os.sched_setaffinity(process.pid, {SERVER_CPU})
    await wait_listening(port)
    return Server("node", process, port, f"http://127.0.0.1:{port}", lambda room, who: f"/{room}")


async def commit_floor(commits: int = 400) -> tuple[float, float, float]:
    """p50 and p95 ms of one durable commit of one update, by the server's own appender on a
    migrated file in the temporary directory ours uses, and the process CPU µs each costs
    (mostly the sync, in the kernel). Commits are about 1 ms apart, as a lone keystroke's
    would be, not back to back."""
    directory = Path(tempfile.mkdtemp(prefix="notes-bench-floor-"))
    try:
        appender = SqliteAppender(await migrated_sqlite(directory / "floor.db"))
        update = [PendingUpdate("floor", os.urandom(32), "bench")]
        await appender.append(update, datetime.now(UTC))  # opens the connection
        times, cpu = [], 0.0
        for _ in range(commits):
            started, cpu_started = time.perf_counter(), time.process_time()
            await appender.append(update, datetime.now(UTC))
            times.append((time.perf_counter() - started) * 1000)
            cpu += time.process_time() - cpu_started
            await asyncio.sleep(0.001)
        appender.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    times.sort()
    return pick(times, 0.5), pick(times, 0.95), cpu / commits * 1e6


# --- one run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    p50: float
    p95: float
    cpu: float  # % of one core
    client_cpu: float  # the load generator's, to see when it is the bottleneck
    delivered: int
    expected: int
    ack_p50: float = float("nan")
    ack_p95: float = float("nan")
    commits: float = float("nan")  # per second


def pick(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run(server: Server, work: Workload, seconds: float, seed: int) -> Result:
    rng = random.Random(seed)
    log = Keystrokes()
    typists: list[tuple[Typist, RawSocket]] = []
    sockets: list[RawSocket] = []
    # Who types and who listens in which room, to count the deliveries to expect.
    typist_rooms: list[tuple[str, Typist]] = []
    probe_rooms: list[tuple[str, Typist | None]] = []
    specs = []
    for r in range(work.rooms):
        room = f"bench{seed}r{r}"
        for c in range(work.clients):
            typing = c < work.typists
            probing = work.clients <= PROBES_PER_ROOM or c >= work.clients - PROBES_PER_ROOM
            specs.append((room, f"p{r * work.clients + c + 1}", typing, probing))
    for start in range(0, len(specs), CONNECT_BATCH):
        batch = specs[start : start + CONNECT_BATCH]

        async def connect(room: str, who: str, typing: bool, probing: bool) -> None:
            typist = Typist(log) if typing else None
            probe = Probe(log, typist.doc.client_id if typist else None) if probing else None
            if typist is not None:
                typist_rooms.append((room, typist))
            if probe is not None:
                probe_rooms.append((room, typist))
            sock = await open_socket(
                server.port,
                server.path_for(room, who),
                server.origin,
                _receiver(typist, probe),
            )
            sockets.append(sock)
            if typist is not None:
                typists.append((typist, sock))

        await asyncio.gather(*(connect(*spec) for spec in batch))
    await asyncio.sleep(1.0)

    stop_at = 0.0

    async def type_(typist: Typist, sock: RawSocket) -> None:
        await asyncio.sleep(rng.random() / work.rate)
        while time.perf_counter() < stop_at and not sock.closed:
            typist.keystroke(sock)
            await asyncio.sleep(rng.uniform(0.5, 1.5) / work.rate)

    warmup = 2.0
    stop_at = time.perf_counter() + warmup + seconds
    tasks = [asyncio.create_task(type_(t, s)) for t, s in typists]
    await asyncio.sleep(warmup)
    log.measuring = True
    warm = {id(t): len(t.times) for t, _ in typists}
    commits0 = await server.commits()
    cpu0, wall0 = cpu_seconds(server.process.pid), time.perf_counter()
    own0 = cpu_seconds(os.getpid())
    spy = None
    if PROFILE and server.name == "ours":
        spy = subprocess.Popen(  # noqa: ASYNC220  a profiler beside the timed window
            [
                "py-spy",
                "record",
                "-p",
                str(server.process.pid),
                "-f",
                "raw",
                "-o",
                PROFILE,
                "-d",
                str(int(seconds)),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
        )
    await asyncio.gather(*tasks)
    await asyncio.sleep(2.0)  # let the last keystrokes arrive
    cpu1, wall1 = cpu_seconds(server.process.pid), time.perf_counter()
    own1 = cpu_seconds(os.getpid())
    commits1 = await server.commits()
    if spy is not None:
        spy.wait()
    log.measuring = False
    closed = sum(s.closed for s in sockets)
    for sock in sockets:
        sock.close()
    if closed:
        print(f"  ({server.name}: {closed} sockets were closed by the server)", flush=True)
    ordered = sorted(log.latencies)
    acks = sorted(log.acks)
    # Each keystroke typed while measuring should reach every probe in its room except its
    # typist's own (when the typist is a probe).
    typed = {id(t): len(t.times) - warm[id(t)] for t, _ in typists}
    per_room: dict[str, int] = {}
    for room, typist in typist_rooms:
        per_room[room] = per_room.get(room, 0) + typed[id(typist)]
    expected = sum(
        per_room.get(room, 0) - (typed[id(own)] if own is not None else 0)
        for room, own in probe_rooms
    )
    return Result(
        pick(ordered, 0.5) * 1000,
        pick(ordered, 0.95) * 1000,
        100 * (cpu1 - cpu0) / (wall1 - wall0),
        100 * (own1 - own0) / (wall1 - wall0),
        len(ordered),
        expected,
        pick(acks, 0.5) * 1000,
        pick(acks, 0.95) * 1000,
        (commits1 - commits0) / (wall1 - wall0)
        if commits0 is not None and commits1 is not None
        else float("nan"),
    )


def _receiver(typist: Typist | None, probe: Probe | None) -> Callable[[bytes], None] | None:
    """What a client does with a binary frame: a typist takes its acknowledgements, a probe
    the updates."""
    if typist is None:
        return probe.on_message if probe is not None else None

    def receive(frame: bytes) -> None:
        if frame and frame[0] == 100:
            typist.on_ack(frame)
        elif probe is not None:
            probe.on_message(frame)

    return receive


async def measure_one(start: Callable, work: Workload, seconds: float, seed: int) -> Result:
    server = await start()
    try:
        return await run(server, work, seconds, seed=seed)
    finally:
        server.stop()


def median(results: list[Result], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in results)


def spread(values: list[float], digits: int = 1) -> str:
    """The median and, over several runs, the range: "2.1 (1.8-3.0)"."""
    mid = statistics.median(values)
    if len(values) < 2:
        return f"{mid:.{digits}f}"
    return f"{mid:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="typing time per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per workload and server")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--only", choices=["ours", "node"], help="run one server only")
    parser.add_argument(
        "--quick", action="store_true", help="150 rooms alone, one run each, 10 s of typing"
    )
    options = parser.parse_args()
    if options.quick:
        options.workloads, options.runs, options.seconds = "rooms", 1, 10.0
    os.sched_setaffinity(0, {CLIENT_CPU})
    if options.only != "node":
        p50, p95, cpu_us = await commit_floor(100 if options.quick else 400)
        print(
            f"a durable commit on this disk (the notes log's, SQLite WAL, synchronous=FULL):"
            f" p50 {p50:.2f} ms, p95 {p95:.2f} ms, {cpu_us:.0f} µs of CPU;"
            " a floor under ours' acknowledgement, not under its relay",
            flush=True,
        )
    print(
        f"median (range) over {options.runs} run(s) of each; ratios are ours/reference per"
        " pair of interleaved runs",
        flush=True,
    )
    starters = {"ours": start_ours, "node": start_node}
    names = [n for n in ("ours", "node") if options.only in (None, n)]
    for key in options.workloads.split(","):
        work = WORKLOADS[key]
        results: dict[str, list[Result]] = {n: [] for n in names}
        for i in range(options.runs):
            # Interleaved, each run's order swapped: the machine is shared, and its other
            # load should fall on both servers alike.
            for name in names if i % 2 == 0 else names[::-1]:
                results[name].append(await measure_one(starters[name], work, options.seconds, i))
        print(f"{work.name}:")
        for name in names:
            rs = results[name]
            line = (
                f"  {name:<4} p50 {spread([r.p50 for r in rs])} ms,"
                f" p95 {spread([r.p95 for r in rs])} ms, cpu {spread([r.cpu for r in rs], 0)}%"
            )
            if name == "ours":
                line += (
                    f"; ack p50 {spread([r.ack_p50 for r in rs])} ms,"
                    f" p95 {spread([r.ack_p95 for r in rs])} ms,"
                    f" {spread([r.commits for r in rs], 0)} commits/s"
                )
            print(line)
        if len(names) == 2:
            mine, ref = results["ours"], results["node"]
            p95s = [m.p95 / n.p95 for m, n in zip(mine, ref, strict=True)]
            cpus = [m.cpu / n.cpu for m, n in zip(mine, ref, strict=True)]
            print(f"  ratio p95 {spread(p95s, 2)}, cpu {spread(cpus, 2)}")
        for name in names:
            for r in results[name]:
                print(
                    f"  {name}: delivered {r.delivered} of {r.expected} keystroke deliveries,"
                    f" load generator cpu {r.client_cpu:.0f}%"
                )
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
