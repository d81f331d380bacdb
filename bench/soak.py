"""Soak: many clients connected for a long time, in rounds and typing notes (#12).

    python bench/soak.py [--clients 2000] [--minutes 30] [--round-seconds 120]
                         [--typists 0.05] [--keystrokes 0.5]

A real `crossroads serve` (SQLite, one node) on loopback with N participants (made in-process
by round_fanout.prepare), each holding a live socket (/ws/live) that reconnects by itself
with its last seq, as the browser does. A host console starts a round every --round-seconds,
extends it by a minute a third of the way in and ends it two thirds in. A fraction of the
participants also type into the convening's shared notes through y-websocket clients on
pycrdt (notes.Typist over notes.open_socket) at a steady rate each. Every 10 s a few page
loads (health, a lobby, the host console) check HTTP.

Every minute, and at the end, it prints the server's resident memory (/proc VmRSS) and CPU,
connected clients, reconnects, client errors, error frames, HTTP 5xx, rounds completed and
notes updates sent/acknowledged; the summary adds RSS start/peak/end, growth per hour (end
minus start, and the least-squares slope of the per-minute samples) and the error lines in
the server log. Bounded: loopback only, stops by itself after --minutes (at most 240), at
most 20,000 clients. Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets

from _common import cpu_seconds, free_port, rss_bytes, wait_listening
from notes import SECRET, Keystrokes, RawSocket, Typist, open_socket
from round_fanout import CONNECT_BATCH, prepare

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from crossroads.notes import protocol, tokens  # noqa: E402

MAX_CLIENTS = 20_000
MAX_MINUTES = 240
MAX_ROUNDS_PLANNED = 40  # the agenda is cycled when a soak runs more rounds than this
REPORT_EVERY = 60.0
HTTP_EVERY = 10.0
LOG_ERRORS = re.compile(r"(?i)\b(error|exception|traceback)\b")


@dataclass
class Tally:
    connected: int = 0
    reconnects: int = 0
    client_errors: Counter[str] = field(default_factory=Counter)
    error_frames: Counter[str] = field(default_factory=Counter)
    snapshots: int = 0
    http_requests: int = 0
    http_5xx: int = 0
    http_failures: int = 0
    rounds_started: int = 0
    rounds_completed: int = 0
    extends: int = 0
    console_reconnects: int = 0
    notes_sent: int = 0
    notes_denied: int = 0
    notes_reopened: int = 0
    acked: dict[int, int] = field(default_factory=dict)  # per open notes socket
    acked_on_closed: int = 0  # by sockets closed since

    @property
    def notes_acked(self) -> int:
        return self.acked_on_closed + sum(self.acked.values())


# --- the server ----------------------------------------------------------------------------


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CROSSROADS_")},
        "CROSSROADS_DATA_DIR": str(data_dir),
        "CROSSROADS_HOST": "127.0.0.1",
        "CROSSROADS_PORT": str(port),
        "CROSSROADS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CROSSROADS_SECRET_KEY": SECRET,
        "CROSSROADS_LOG_LEVEL": "warning",
        "CROSSROADS_WRAP_UP_SECONDS": "5",
        "PYTHONPATH": str(ROOT / "src"),
    }
    log = (data_dir / "server.log").open("ab")
    return subprocess.Popen(
        # The server itself, not serve's supervisor: its CPU and memory are what is measured.
        [sys.executable, "-m", "crossroads.cli", "serve", "--no-supervise"],
        env=env,
        stdout=log,
        stderr=log,
    )


# --- clients -------------------------------------------------------------------------------


async def participant(
    url: str, headers: dict[str, str], delay: float, tally: Tally, stop: asyncio.Event
) -> None:
    """One person's live socket for the whole soak; reconnects after a drop, as live.ts does."""
    await asyncio.sleep(delay)
    last_seq = 0
    first = True
    while not stop.is_set():
        try:
            async with websockets.connect(
                url, additional_headers=headers, max_size=2**22, open_timeout=60
            ) as ws:
                tally.connected += 1
                if not first:
                    tally.reconnects += 1
                first = False
                try:
                    await ws.send(json.dumps({"type": "hello", "last_seq": last_seq}))
                    async for raw in _until(ws, stop):
                        message = json.loads(raw)
                        kind = message.get("type")
                        if kind == "snapshot":
                            tally.snapshots += 1
                            last_seq = int(message.get("seq", last_seq))
                        elif kind == "error":
                            tally.error_frames[str(message.get("code"))] += 1
                finally:
                    tally.connected -= 1
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            if stop.is_set():
                return
            tally.client_errors[type(exc).__name__] += 1
        if not stop.is_set():
            await asyncio.sleep(1 + random.random())


async def _until(
    ws: websockets.ClientConnection, stop: asyncio.Event
) -> AsyncIterator[str | bytes]:
    """The socket's messages until it closes or the soak stops."""
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            receiving = asyncio.ensure_future(ws.recv())
            done, _ = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if receiving not in done:
                receiving.cancel()
                return
            yield receiving.result()
    finally:
        stopping.cancel()


async def host_console(
    url: str,
    headers: dict[str, str],
    round_ids: list[str],
    round_seconds: float,
    tally: Tally,
    stop: asyncio.Event,
) -> None:
    """Start, extend and end a round every ``round_seconds``; reconnect if the socket drops."""
    done: asyncio.Queue[str] = asyncio.Queue()
    number = 0

    async def read(ws: websockets.ClientConnection) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "done":
                await done.put(str(message.get("command")))
            elif message.get("type") == "error":
                tally.error_frames[f"host:{message.get('code')}"] += 1

    async def command(ws: websockets.ClientConnection, message: dict[str, object]) -> bool:
        await ws.send(json.dumps(message))
        try:
            async with asyncio.timeout(60):
                while (await done.get()) != message["type"]:
                    pass
        except TimeoutError:
            tally.client_errors[f"host {message['type']} unanswered"] += 1
            return False
        return True

    async def pause(seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    first = True
    while not stop.is_set():
        try:
            async with websockets.connect(url, additional_headers=headers, max_size=2**24) as ws:
                if not first:
                    tally.console_reconnects += 1
                first = False
                reader = asyncio.create_task(read(ws))
                await ws.send(json.dumps({"type": "hello"}))
                while not stop.is_set():
                    round_id = round_ids[number % len(round_ids)]
                    if await command(ws, {"type": "start_round", "round": round_id}):
                        tally.rounds_started += 1
                    await pause(round_seconds / 3)
                    if stop.is_set():
                        break
                    if await command(ws, {"type": "extend", "minutes": 1}):
                        tally.extends += 1
                    await pause(round_seconds / 3)
                    if await command(ws, {"type": "end_round"}):
                        tally.rounds_completed += 1
                    number += 1
                    await pause(round_seconds / 3)
                reader.cancel()
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            tally.client_errors[f"host {type(exc).__name__}"] += 1
            await pause(2)


async def typist(
    port: int,
    room: str,
    who: str,
    rate: float,
    log: Keystrokes,
    tally: Tally,
    stop: asyncio.Event,
    delay: float,
) -> None:
    """A y-websocket client typing ``rate`` keystrokes a second; counts our server's acks."""
    await asyncio.sleep(delay)
    writer = Typist(log)
    key = id(writer)
    origin = f"http://127.0.0.1:{port}"
    path = f"/ws/notes/{room}?token={tokens.mint(SECRET, who, room)}"

    def on_message(frame: bytes) -> None:
        if frame and frame[0] == protocol.ACK:
            tally.acked[key] = max(tally.acked.get(key, 0), protocol.read_varuint(frame, 1)[0])
        elif frame and frame[0] == protocol.AUTH:
            tally.notes_denied += 1

    sock: RawSocket | None = None
    rng = random.Random(key)
    while not stop.is_set():
        if sock is None or sock.closed:
            if sock is not None:
                # The server counts acknowledgements per connection: bank the old count.
                tally.notes_reopened += 1
                tally.acked_on_closed += tally.acked.pop(key, 0)
            try:
                sock = await open_socket(port, path, origin, on_message)
            except (OSError, TimeoutError, ConnectionError) as exc:
                tally.client_errors[f"notes {type(exc).__name__}"] += 1
                await asyncio.sleep(2)
                continue
        writer.keystroke(sock)
        tally.notes_sent += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.uniform(0.5, 1.5) / rate)
    if sock is not None:
        await asyncio.sleep(1.0)  # the last acknowledgements
        sock.close()


async def http_checks(
    base: str,
    public_id: str,
    host_session: str,
    sessions: list[str],
    tally: Tally,
    stop: asyncio.Event,
) -> None:
    """A few page loads every HTTP_EVERY seconds: the server still answers pages while busy."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not stop.is_set():
            session = random.choice(sessions)
            for path, cookie in (
                ("/healthz", ""),
                (f"/c/{public_id}/lobby", f"crossroads_participant={session}"),
                (f"/host/convenings/{public_id}/live", f"crossroads_host={host_session}"),
            ):
                tally.http_requests += 1
                try:
                    response = await client.get(path, headers={"Cookie": cookie})
                    if response.status_code >= 500:
                        tally.http_5xx += 1
                    elif response.status_code != 200:
                        tally.http_failures += 1
                except httpx.HTTPError:
                    tally.http_failures += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HTTP_EVERY)


# --- reporting -----------------------------------------------------------------------------


def mb(value: float) -> str:
    return f"{value / 2**20:.1f} MB"


def slope_per_hour(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of (seconds, bytes) samples, in bytes per hour."""
    if len(samples) < 2:
        return float("nan")
    xs = [s[0] for s in samples]
    ys = [float(s[1]) for s in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    if spread == 0:
        return float("nan")
    return 3600 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread


def line(elapsed: float, rss: int, cpu: float, tally: Tally, n: int) -> str:
    return (
        f"{elapsed / 60:5.1f} min  rss {mb(rss):>9}  cpu {cpu:4.0f}%  connected {tally.connected}"
        f"/{n}  reconnects {tally.reconnects}  client errors {sum(tally.client_errors.values())}"
        f"  error frames {sum(tally.error_frames.values())}  http 5xx {tally.http_5xx}"
        f"/{tally.http_requests}  rounds {tally.rounds_completed}"
        f"  notes acked {tally.notes_acked}/{tally.notes_sent}"
    )


def log_errors(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [x for x in path.read_text(errors="replace").splitlines() if LOG_ERRORS.search(x)]


# --- main ----------------------------------------------------------------------------------


async def soak(options: argparse.Namespace) -> None:
    n = options.clients
    data_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rounds_needed = int(options.minutes * 60 / options.round_seconds) + 1
    planned = min(rounds_needed, MAX_ROUNDS_PLANNED)
    print(f"preparing {n} participants and {planned} rounds in {data_dir} ...", flush=True)
    public_id, host_session, sessions = await prepare(data_dir, base, n, rounds=planned)
    server = start_server(data_dir, port)
    tally = Tally()
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        await wait_listening(port)
        idle_rss = rss_bytes(server.pid)
        ws_base = base.replace("http", "ws", 1)
        async with httpx.AsyncClient(base_url=base) as client:
            page = (
                await client.get(
                    f"/host/convenings/{public_id}",
                    headers={"Cookie": f"crossroads_host={host_session}"},
                )
            ).text
        round_ids = list(dict.fromkeys(re.findall(r'/rounds/([A-Za-z0-9_-]+)/prompts"', page)))
        assert len(round_ids) == planned, f"found {len(round_ids)} rounds on the host page"

        started = time.perf_counter()
        for i, session in enumerate(sessions):
            headers = {"Cookie": f"crossroads_participant={session}", "Origin": base}
            delay = (i // CONNECT_BATCH) * 1.0
            tasks.append(
                asyncio.create_task(
                    participant(f"{ws_base}/ws/live/{public_id}", headers, delay, tally, stop)
                )
            )
        async with asyncio.timeout(max(120, n / CONNECT_BATCH * 10)):
            while tally.connected < n:  # noqa: ASYNC110  polling a counter many tasks share
                await asyncio.sleep(0.5)
        print(f"{n} clients connected in {time.perf_counter() - started:.0f} s", flush=True)

        log = Keystrokes()
        typists = max(1, round(n * options.typists)) if options.typists > 0 else 0
        for i in range(typists):
            tasks.append(
                asyncio.create_task(
                    typist(
                        port,
                        public_id,
                        f"p{i + 1}",
                        options.keystrokes,
                        log,
                        tally,
                        stop,
                        delay=i / max(typists, 1),
                    )
                )
            )
        console_headers = {"Cookie": f"crossroads_host={host_session}", "Origin": base}
        tasks.append(
            asyncio.create_task(
                host_console(
                    f"{ws_base}/ws/host/{public_id}",
                    console_headers,
                    round_ids,
                    options.round_seconds,
                    tally,
                    stop,
                )
            )
        )
        tasks.append(
            asyncio.create_task(http_checks(base, public_id, host_session, sessions, tally, stop))
        )

        t0 = time.perf_counter()
        start_rss = rss_bytes(server.pid)
        samples = [(0.0, start_rss)]
        cpu_then, wall_then = cpu_seconds(server.pid), t0
        print(
            f"soak: {n} clients, {typists} typists at {options.keystrokes}/s, a round every"
            f" {options.round_seconds:.0f} s, for {options.minutes} min; idle rss {mb(idle_rss)}",
            flush=True,
        )
        end = t0 + options.minutes * 60
        while (now := time.perf_counter()) < end:
            await asyncio.sleep(min(REPORT_EVERY, end - now))
            if server.poll() is not None:
                print("the server exited", flush=True)
                break
            rss = rss_bytes(server.pid)
            cpu_now, wall_now = cpu_seconds(server.pid), time.perf_counter()
            cpu = 100 * (cpu_now - cpu_then) / max(wall_now - wall_then, 1e-9)
            cpu_then, wall_then = cpu_now, wall_now
            samples.append((wall_now - t0, rss))
            print(line(wall_now - t0, rss, cpu, tally, n), flush=True)
        elapsed = time.perf_counter() - t0
        end_rss = rss_bytes(server.pid) if server.poll() is None else samples[-1][1]
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    peak = max(rss for _, rss in samples)
    hours = elapsed / 3600
    errors = log_errors(data_dir / "server.log")
    print("\nsummary")
    print(f"  duration            {elapsed / 60:.1f} min, {n} clients, {typists} typists")
    print(
        f"  server rss          idle {mb(idle_rss)}, start {mb(start_rss)}, peak {mb(peak)},"
        f" end {mb(end_rss)}"
    )
    later = samples[len(samples) // 2 :]
    print(
        f"  rss growth          {mb((end_rss - start_rss) / hours)}/hour (end - start),"
        f" {mb(slope_per_hour(samples))}/hour (slope of {len(samples)} samples),"
        f" {mb(slope_per_hour(later))}/hour (slope of the second half, after warm-up)"
    )
    print(
        f"  rounds              {tally.rounds_started} started, {tally.extends} extended,"
        f" {tally.rounds_completed} completed"
    )
    print(
        f"  live sockets        {tally.reconnects} reconnects, {tally.snapshots} snapshots,"
        f" console reconnects {tally.console_reconnects}"
    )
    print(f"  client errors       {sum(tally.client_errors.values())} {dict(tally.client_errors)}")
    print(f"  error frames        {sum(tally.error_frames.values())} {dict(tally.error_frames)}")
    print(
        f"  http                {tally.http_requests} requests, {tally.http_5xx} 5xx,"
        f" {tally.http_failures} other failures"
    )
    print(
        f"  notes               {tally.notes_sent} updates sent, {tally.notes_acked} acknowledged,"
        f" {tally.notes_denied} denied, {tally.notes_reopened} sockets reopened"
    )
    print(f"  server log errors   {len(errors)}")
    for entry in errors[:5]:
        print(f"    {entry[:200]}")
    if options.keep:
        print(f"  data                {data_dir}")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2000, help="participants connected")
    parser.add_argument("--minutes", type=float, default=30, help="how long the soak runs")
    parser.add_argument(
        "--round-seconds", type=float, default=120, help="one round every this many seconds"
    )
    parser.add_argument(
        "--typists", type=float, default=0.05, help="fraction of participants typing notes"
    )
    parser.add_argument(
        "--keystrokes", type=float, default=0.5, help="keystrokes per second per typist"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data folder (database, server log)"
    )
    options = parser.parse_args()
    if not 2 <= options.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be between 2 and {MAX_CLIENTS}")
    if not 0 < options.minutes <= MAX_MINUTES:
        parser.error(f"--minutes must be more than 0 and at most {MAX_MINUTES}")
    if options.round_seconds < 15:
        parser.error("--round-seconds must be at least 15")
    if not 0 <= options.typists <= 1 or not 0 < options.keystrokes <= 20:
        parser.error("--typists is a fraction (0 to 1); --keystrokes is 0 to 20 per second")
    asyncio.run(soak(options))


if __name__ == "__main__":
    main()
