"""Scale: one node with 2,000 participants, three nodes with 10,000 (#11).

    python bench/scale.py [--quick] [--cases one,three] [--runs 3] [--workers 3]
                          [--database-url postgresql+asyncpg://user:pw@127.0.0.1/db]

Cases (--quick: 500 and 1,500 participants, a third of the notes rooms, 5 s of typing):
- one:   one `crossroads serve` on SQLite with the in-process bus (the default setup),
         2,000 participants;
- three: three nodes on PostgreSQL (a fresh database on the server of --database-url, else
         of $CROSSROADS_TEST_DATABASE_URL; dropped afterwards) and a redis-server of the
         bench's own on a free port, 10,000 participants, spread over the nodes as a
         least-connections balancer would.

For each case: participants are made in-process (round_fanout.prepare); the node(s) start;
load-generator processes (--workers, each an asyncio loop of raw RFC 6455 clients from
bench/notes.py: a websockets client costs too much to hold 10,000 on two cores) open one
live socket per participant and wait for its first snapshot. Then:

- round start: the host console (on node 0) starts --runs rounds; each client notes when
  its snapshot of that round with a group arrives (CLOCK_MONOTONIC, shared by processes on
  one machine); p50/p95/p99 of (arrival - start sent), median over runs. Baseline in the
  same run: one bare `websockets` server per node (round_fanout.BARE_SERVER) holding the
  same clients, broadcasting a payload of our largest snapshot's size on a trigger;
- notes: rooms x 5 writers, each writer sending its next keystroke as soon as the last one
  is acknowledged (after commit), for --seconds; writers connect to the room's owner, as
  nginx's consistent hash sends them (notes/ring.py). Acknowledged updates per second over
  all rooms, and the acknowledgement latency p50/p95;
- memory per connection: the servers' resident memory (VmRSS, summed over nodes) with
  every socket open minus before any, divided by the sockets; the bare server's likewise.

Prints one table. Loopback only; bounded: at most 12,000 clients, every wait has a timeout,
and every process it starts is stopped at the end. Not a test: numbers only, on a shared
machine, so read the ratios and medians rather than single figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import websockets
from pycrdt import Doc, Text

from _common import free_port, rss_bytes, wait_listening
from notes import RawSocket, open_socket
from round_fanout import BARE_SERVER, percentiles, prepare

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from crossroads.notes import ring, tokens  # noqa: E402
from crossroads.notes.protocol import read_varuint, write_varuint  # noqa: E402

MAX_CLIENTS = 12_000
CONNECT_BATCH = 200
HOST_WATCHES = 5.0  # the console is open a while before the first start (plans settle)
ROUND_TIMEOUT = 240.0
WRITERS_PER_ROOM = 5
ACK = 100


@dataclass(frozen=True)
class Case:
    name: str
    nodes: int
    clients: int
    rooms: int


CASES = {
    "one": Case("one node, SQLite", 1, 2_000, 40),
    "three": Case("three nodes, PostgreSQL + Redis", 3, 10_000, 120),
}
QUICK = {
    "one": Case("one node, SQLite", 1, 500, 12),
    "three": Case("three nodes, PostgreSQL + Redis", 3, 1_500, 36),
}


# --- load generator (one process each) --------------------------------------------------------


class LiveClient:
    """One participant's live socket: hello, then waits for the round it is told to."""

    def __init__(self) -> None:
        self.sock: RawSocket | None = None
        self.first = asyncio.Event()
        self.want: int | None = None
        self.done = asyncio.Event()
        self.arrived = 0.0
        self.largest = b""

    def on_text(self, data: bytes) -> None:
        if not self.first.is_set():
            self.first.set()
            return
        if self.want is None or self.done.is_set() or b'"snapshot"' not in data:
            return
        message = json.loads(data)
        if message.get("group") and (message.get("round") or {}).get("number") == self.want:
            self.arrived = time.monotonic()
            if len(data) > len(self.largest):
                self.largest = data
            self.done.set()

    def arm(self, number: int) -> None:
        self.want, self.done = number, asyncio.Event()


class BareClient:
    def __init__(self) -> None:
        self.done = asyncio.Event()
        self.arrived = 0.0

    def on_text(self, data: bytes) -> None:
        json.loads(data)  # the same decoding work our clients do
        self.arrived = time.monotonic()
        self.done.set()


@dataclass
class Writer:
    """Types into a notes room, one keystroke in flight: the next goes when the last is
    acknowledged (the server acknowledges after commit)."""

    doc: Doc = field(default_factory=Doc)
    sock: RawSocket | None = None
    sent: int = 0
    acked: int = 0
    typing: bool = False
    sent_at: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    acks_in_window: int = 0

    def on_message(self, frame: bytes) -> None:
        if not frame or frame[0] != ACK:
            return  # sync messages and others' updates: this writer only counts its own
        count = read_varuint(frame, 1)[0]
        now = time.monotonic()
        for number in range(self.acked + 1, count + 1):
            started = self.sent_at.pop(number, None)
            if started is not None and self.typing:
                self.latencies.append(now - started)
                self.acks_in_window += 1
        self.acked = max(self.acked, count)
        if self.typing and self.acked >= self.sent:
            self.keystroke()

    def keystroke(self) -> None:
        assert self.sock is not None
        text = self.doc.get("prompt:free", type=Text)
        before = self.doc.get_state()
        text.insert(len(text), "abcdefghij"[self.sent % 10])
        update = self.doc.get_update(before)
        self.sent += 1
        self.sent_at[self.sent] = time.monotonic()
        self.sock.send(b"\x00\x02" + write_varuint(len(update)) + update)


async def _connect_batched(specs: list[Any], opener: Any) -> list[Any]:
    out = []
    for start in range(0, len(specs), CONNECT_BATCH):
        out += await asyncio.gather(*(opener(s) for s in specs[start : start + CONNECT_BATCH]))
    return out


async def _worker(pipe: Connection) -> None:
    lives: list[LiveClient] = []
    bares: list[BareClient] = []
    writers: list[Writer] = []
    sockets: list[RawSocket] = []
    while True:
        command, arg = await asyncio.to_thread(pipe.recv)
        if command == "live":

            async def open_live(spec: dict[str, Any]) -> LiveClient:
                client = LiveClient()
                client.sock = await open_socket(
                    spec["port"], spec["path"], spec["origin"], None,
                    on_text=client.on_text, cookie=spec["cookie"],
                )  # fmt: skip
                client.sock.send_text('{"v": 1, "type": "hello", "last_seq": 0}')
                return client

            lives = await _connect_batched(arg, open_live)
            sockets += [c.sock for c in lives if c.sock is not None]
            await asyncio.wait_for(asyncio.gather(*(c.first.wait() for c in lives)), 300)
            pipe.send(("ready", len(lives)))
        elif command == "arm":
            for client in lives:
                client.arm(arg)
            pipe.send(("armed", None))
        elif command == "round":
            waiting = asyncio.gather(*(c.done.wait() for c in lives))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiting, ROUND_TIMEOUT)
            arrived = [c.arrived for c in lives if c.done.is_set()]
            largest = max((c.largest for c in lives), key=len, default=b"")
            pipe.send(("arrived", (arrived, len(lives) - len(arrived), largest.decode())))
        elif command == "writers":

            async def open_writer(spec: dict[str, Any]) -> Writer:
                writer = Writer()
                writer.sock = await open_socket(
                    spec["port"], spec["path"], spec["origin"], writer.on_message
                )
                return writer

            writers = await _connect_batched(arg, open_writer)
            sockets += [w.sock for w in writers if w.sock is not None]
            pipe.send(("writers", len(writers)))
        elif command == "type":
            for writer in writers:
                writer.typing = True
                writer.keystroke()
            await asyncio.sleep(arg)
            for writer in writers:
                writer.typing = False
            latencies = [x for w in writers for x in w.latencies]
            pipe.send(("typed", (sum(w.acks_in_window for w in writers), latencies)))
        elif command == "bare":

            async def open_bare(spec: dict[str, Any]) -> tuple[BareClient, RawSocket]:
                client = BareClient()
                sock = await open_socket(
                    spec["port"], "/client", "http://127.0.0.1", None, on_text=client.on_text
                )
                return client, sock

            opened = await _connect_batched(arg, open_bare)
            bares = [client for client, _sock in opened]
            sockets += [sock for _client, sock in opened]
            pipe.send(("bare", len(bares)))
        elif command == "bare-arm":
            for client in bares:
                client.done = asyncio.Event()
            pipe.send(("armed", None))
        elif command == "bare-wait":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in bares)), 120)
            pipe.send(("arrived", ([c.arrived for c in bares if c.done.is_set()], 0, "")))
        elif command == "close":
            for sock in sockets:
                sock.close()
            sockets, lives, bares, writers = [], [], [], []
            await asyncio.sleep(0.5)
            pipe.send(("closed", None))
        elif command == "exit":
            return


def worker_main(pipe: Connection) -> None:
    asyncio.run(_worker(pipe))


class Workers:
    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=worker_main, args=(theirs,), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    async def ask(self, commands: list[tuple[str, Any]], wait: float = 600) -> list[Any]:
        """Send each worker its command; return their answers' payloads."""
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)

        async def answer(pipe: Connection) -> Any:
            return await asyncio.to_thread(_recv, pipe, wait)

        return [a[1] for a in await asyncio.gather(*(answer(p) for p in self.pipes))]

    async def all(self, command: str, arg: Any = None, wait: float = 600) -> list[Any]:
        return await self.ask([(command, arg)] * len(self.pipes), wait)

    def stop(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("exit", None))
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def _recv(pipe: Connection, timeout: float) -> Any:
    if not pipe.poll(timeout):
        raise TimeoutError("a load-generator process did not answer")
    return pipe.recv()


def _share(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[i::parts] for i in range(parts)]


# --- servers ----------------------------------------------------------------------------------


@dataclass
class Cluster:
    processes: list[subprocess.Popen[bytes]]
    ports: list[int]
    redis: subprocess.Popen[bytes] | None = None

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def rss(self) -> int:
        return sum(rss_bytes(pid) for pid in self.pids)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait(timeout=10)


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"redis://127.0.0.1:{port}/0"


def start_nodes(
    data_dir: Path, ports: list[int], base: str, secret: str, database_url: str | None
) -> Cluster:
    redis, redis_url = start_redis() if len(ports) > 1 else (None, "")
    prefix = f"scale-{secrets.token_hex(3)}:"  # one for all nodes: they must find each other
    processes = []
    for port in ports:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CROSSROADS_")},
            "CROSSROADS_DATA_DIR": str(data_dir),
            "CROSSROADS_PORT": str(port),
            "CROSSROADS_PUBLIC_BASE_URL": base,
            "CROSSROADS_SECRET_KEY": secret,
            "CROSSROADS_LOG_LEVEL": "warning",
            # Every notes writer here is the host "h1": lift the per-person socket cap.
            "CROSSROADS_MAX_SOCKETS_PER_PERSON": "1000000",
            "PYTHONPATH": str(ROOT / "src"),
        }
        if database_url:
            env.update(
                {
                    "CROSSROADS_DATABASE_URL": database_url,
                    "CROSSROADS_REDIS_URL": redis_url,
                    "CROSSROADS_REDIS_PREFIX": prefix,
                    "CROSSROADS_NODE_ID": f"127.0.0.1:{port}",
                }
            )
        processes.append(
            subprocess.Popen(
                # The server itself, not serve's supervisor: its memory is what is measured.
                [sys.executable, "-m", "crossroads.cli", "serve", "--no-supervise"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return Cluster(processes, ports, redis)


async def healthy(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"no node answers on {port}")


@asynccontextmanager
async def fresh_database(admin_url: str) -> AsyncIterator[str]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"crossroads_scale_{secrets.token_hex(4)}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def no_database() -> AsyncIterator[None]:
    yield None


# --- one case -----------------------------------------------------------------------------------


@dataclass
class Row:
    case: Case
    ours: tuple[float, float, float]
    bare: tuple[float, float, float]
    missing: int
    updates_per_second: float
    ack_p50: float
    ack_p95: float
    kb_ours: float
    kb_bare: float
    payload: int


def median_ms(results: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return tuple(statistics.median(r[i] for r in results) * 1000 for i in range(3))  # type: ignore[return-value]


async def run_case(case: Case, workers: Workers, options: argparse.Namespace) -> Row:
    data_dir = Path(tempfile.mkdtemp(prefix="scale-"))
    ports = [free_port() for _ in range(case.nodes)]
    base = f"http://127.0.0.1:{ports[0]}"
    admin_url = options.database_url or os.environ.get("CROSSROADS_TEST_DATABASE_URL")
    if case.nodes > 1 and not admin_url:
        raise SystemExit("three nodes need PostgreSQL: --database-url (or the CI variable)")
    database = fresh_database(admin_url) if case.nodes > 1 and admin_url else no_database()
    async with database as database_url:
        started = time.monotonic()
        public_id, host_session, sessions = await prepare(
            data_dir, base, case.clients, database_url=database_url
        )
        made = time.monotonic() - started
        print(f"  {case.clients} participants made in {made:.0f} s", flush=True)
        secret = (data_dir / "secret_key").read_text().strip()
        cluster = start_nodes(data_dir, ports, base, secret, database_url)
        try:
            await asyncio.gather(*(healthy(p) for p in ports))
            made_call = (public_id, host_session, sessions, secret)
            return await _measure(case, workers, options, cluster, made_call)
        finally:
            await workers.all("close")
            cluster.stop()
            shutil.rmtree(data_dir, ignore_errors=True)


async def _measure(
    case: Case,
    workers: Workers,
    options: argparse.Namespace,
    cluster: Cluster,
    made_call: tuple[str, str, list[str], str],
) -> Row:
    public_id, host_session, sessions, secret = made_call
    base = f"http://127.0.0.1:{cluster.ports[0]}"
    idle = cluster.rss()
    specs = [
        {
            "port": cluster.ports[i % case.nodes],
            "path": f"/ws/live/{public_id}",
            "origin": base,
            "cookie": f"crossroads_participant={s}",
        }
        for i, s in enumerate(sessions)
    ]
    started = time.monotonic()
    ready = await workers.ask([("live", share) for share in _share(specs, len(workers.pipes))])
    print(f"  {sum(ready)} live sockets open in {time.monotonic() - started:.0f} s", flush=True)
    kb_ours = (cluster.rss() - idle) / len(sessions) / 1024

    console = await websockets.connect(
        f"ws://127.0.0.1:{cluster.ports[0]}/ws/host/{public_id}",
        additional_headers={"Cookie": f"crossroads_host={host_session}", "Origin": base},
        max_size=2**26,
    )
    await console.send(json.dumps({"type": "hello"}))
    await asyncio.sleep(HOST_WATCHES)
    results, missing, largest = [], 0, ""
    for number in range(1, options.runs + 1):
        await workers.all("arm", number)
        await asyncio.sleep(0.2)
        start = time.monotonic()
        await console.send(json.dumps({"type": "start_round"}))
        answers = await workers.all("round", wait=ROUND_TIMEOUT + 60)
        arrivals = [t - start for a in answers for t in a[0]]
        missing += sum(a[1] for a in answers)
        largest = max([largest, *(a[2] for a in answers)], key=len)
        results.append(percentiles(arrivals))
        print(f"  round {number}: p99 {results[-1][2] * 1000:.0f} ms", flush=True)
        while True:  # the console's views of thousands of people
            try:
                await asyncio.wait_for(console.recv(), 1.0)
            except TimeoutError:
                break
    await console.close()

    # Notes: writers at each room's owner, as nginx's consistent hash sends them.
    ids = [f"127.0.0.1:{p}" for p in cluster.ports]
    writer_specs = []
    for index in range(case.rooms):
        room = f"scale-room-{index}"
        owner = ring.owner(ring.room_key(room), ids) if case.nodes > 1 else ids[0]
        port = int(str(owner).rsplit(":", 1)[1])
        token = tokens.mint(secret, "h1", room)
        for _ in range(WRITERS_PER_ROOM):
            writer_specs.append(
                {"port": port, "path": f"/ws/notes/{room}?token={token}", "origin": base}
            )
    await workers.ask([("writers", s) for s in _share(writer_specs, len(workers.pipes))])
    await asyncio.sleep(1.0)
    typed = await workers.all("type", options.seconds, wait=options.seconds + 120)
    acked = sum(t[0] for t in typed)
    latencies = sorted(x for t in typed for x in t[1])
    await workers.all("close")
    cluster.stop()

    bare_p, kb_bare = await _bare(case, workers, options, largest, len(sessions))
    return Row(
        case=case,
        ours=median_ms(results),
        bare=bare_p,
        missing=missing,
        updates_per_second=acked / options.seconds,
        ack_p50=latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        ack_p95=latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0.0,
        kb_ours=kb_ours,
        kb_bare=kb_bare,
        payload=len(largest.encode()),
    )


async def _bare(
    case: Case, workers: Workers, options: argparse.Namespace, payload: str, n: int
) -> tuple[tuple[float, float, float], float]:
    ports = [free_port() for _ in range(case.nodes)]
    servers = [
        subprocess.Popen(  # noqa: ASYNC220  started once, before timing
            [sys.executable, "-c", BARE_SERVER, str(p), payload or "{}"]
        )
        for p in ports
    ]
    try:
        for port in ports:
            await wait_listening(port)
        idle = sum(rss_bytes(s.pid) for s in servers)
        specs = [{"port": ports[i % case.nodes]} for i in range(n)]
        await workers.ask([("bare", share) for share in _share(specs, len(workers.pipes))])
        kb = (sum(rss_bytes(s.pid) for s in servers) - idle) / n / 1024
        triggers = [await websockets.connect(f"ws://127.0.0.1:{p}/trigger") for p in ports]
        results = []
        for _ in range(options.runs):
            await workers.all("bare-arm")
            await asyncio.sleep(0.2)
            start = time.monotonic()
            for trigger in triggers:
                await trigger.send("go")
            answers = await workers.all("bare-wait", wait=180)
            results.append(percentiles([t - start for a in answers for t in a[0]]))
        for trigger in triggers:
            await trigger.close()
        await workers.all("close")
        return median_ms(results), kb
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def table(rows: list[Row], options: argparse.Namespace) -> str:
    lines = [
        f"{'case':<34} {'clients':>7} {'round start p50/p95/p99 ms':>27} {'bare p99':>9} "
        f"{'ratio':>6} {'notes upd/s':>11} {'ack p50/p95 ms':>15} {'KB/conn':>8} {'bare':>6}"
    ]
    for r in rows:
        a = r.ours
        lines.append(
            f"{r.case.name:<34} {r.case.clients:>7} {a[0]:>9.0f}/{a[1]:>6.0f}/{a[2]:>7.0f} "
            f"{r.bare[2]:>9.0f} {a[2] / max(r.bare[2], 0.001):>6.2f} {r.updates_per_second:>11.0f} "
            f"{r.ack_p50:>7.1f}/{r.ack_p95:>6.1f} {r.kb_ours:>8.1f} {r.kb_bare:>6.1f}"
        )
    notes = [
        f"medians over {options.runs} round starts; notes: rooms x {WRITERS_PER_ROOM} writers, "
        f"one keystroke in flight each, {options.seconds:.0f} s; payload {rows[0].payload} bytes"
        if rows
        else "",
    ]
    missing = sum(r.missing for r in rows)
    if missing:
        notes.append(f"{missing} clients never saw their round within {ROUND_TIMEOUT:.0f} s")
    return "\n".join(lines + notes)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="500 and 1,500 participants")
    parser.add_argument("--cases", default="one,three", help="one, three, or both")
    parser.add_argument("--runs", type=int, default=3, help="round starts per case (1-6)")
    parser.add_argument("--workers", type=int, default=3, help="load-generator processes")
    parser.add_argument("--seconds", type=float, default=None, help="typing time per case")
    parser.add_argument("--database-url", default=None, help="PostgreSQL for three nodes")
    options = parser.parse_args()
    options.runs = max(1, min(options.runs, 6))
    options.seconds = options.seconds or (5.0 if options.quick else 10.0)
    chosen = [(QUICK if options.quick else CASES)[c] for c in options.cases.split(",")]
    if any(c.clients > MAX_CLIENTS for c in chosen):
        raise SystemExit(f"at most {MAX_CLIENTS} clients")
    workers = Workers(max(1, options.workers))
    rows = []
    try:
        for case in chosen:
            print(f"{case.name}: {case.clients} participants", flush=True)
            rows.append(await run_case(case, workers, options))
    finally:
        workers.stop()
    print(table(rows, options))


if __name__ == "__main__":
    asyncio.run(main())
