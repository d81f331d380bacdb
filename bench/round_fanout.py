"""Round start fan-out: from the host's "start round" to every client holding its group.

    python bench/round_fanout.py [--sizes 500,1000,2000] [--runs 3]

For each size N: a real `crossroads serve` (SQLite, one node) with N participants, N real
WebSocket clients on loopback, and a host console. The host sends start_round; each client
records when its snapshot with a group arrives. Baseline in the same run: a bare `websockets`
server in its own process broadcasting a payload of the same size to N clients on a trigger.
Prints p50/p95/p99 (median over runs) for both and the ratio. Loopback only, bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import websockets

from _common import free_port

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from crossroads.convenings import access, hosts, invitations, joining, planning  # noqa: E402
from crossroads.convenings.invitations import InviteLinks  # noqa: E402
from crossroads.live.publisher import Events  # noqa: E402
from crossroads.settings import Settings  # noqa: E402
from crossroads.store.convenings import ConveningFields  # noqa: E402
from crossroads.store.database import Database  # noqa: E402
from crossroads.store.participants import ProfileFields  # noqa: E402
from crossroads.store.records import PrivacyMode, RoundKind  # noqa: E402

ROUNDS = 8
CONNECT_BATCH = 200
HOST_WATCHES = 3.0  # seconds between opening the host console and the first start
BETWEEN_ROUNDS = 2.0  # seconds between one round's fan-out and the next start

BARE_SERVER = """
import asyncio, sys, websockets
clients = set()
payload = sys.argv[2]
async def handler(ws):
    if ws.request.path == "/trigger":
        async for _ in ws:
            websockets.broadcast(clients, payload)
        return
    clients.add(ws)
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)
async def main():
    async with websockets.serve(
        handler, "127.0.0.1", int(sys.argv[1]), max_queue=None, compression=None
    ):
        await asyncio.Future()
asyncio.run(main())
"""


async def prepare(
    data_dir: Path,
    base_url: str,
    n: int,
    *,
    rounds: int = ROUNDS,
    database_url: str | None = None,
) -> tuple[str, str, list[str]]:
    """Host, convening with rounds, and n participants with sessions, made in-process (in
    the data folder's SQLite file unless ``database_url`` says otherwise)."""
    settings = Settings(data_dir=data_dir, public_base_url=base_url, database_url=database_url)
    links = InviteLinks(base_url=base_url, secret_key=settings.resolved_secret_key)
    db = Database(settings.resolved_database_url)
    await db.migrate()
    now = datetime.now(UTC)
    host = await hosts.create_host(
        db, email="bench@example.org", display_name="Bench", password="bench password 1", now=now
    )
    convening = await planning.create_convening(
        db,
        host,
        ConveningFields(
            title="Fan-out bench",
            description="",
            starts_at=now,
            timezone="UTC",
            duration_minutes=90,
            languages=("en", "es", "fr"),
            plenary_url="",
            code_of_conduct="Be kind.",
            privacy_mode=PrivacyMode.NAMED,
        ),
        now=now,
    )
    for r in range(rounds):
        plan = await planning.add_round(
            db,
            Events(),
            host,
            convening.public_id,
            title=f"Round {r + 1}",
            kind=RoundKind.PAIRS,
            group_size=2,
            duration_minutes=10,
        )
        await planning.add_prompt(
            db,
            Events(),
            host,
            convening.public_id,
            round_id=plan.rounds[-1].public_id,
            texts={"en": "What brought you to this work?", "es": "¿Qué te trajo?"},
        )
    invite = await invitations.shared_invite(db, host, convening.public_id, links, now=now, days=1)
    token = links.token(invite)
    langs = [("en",), ("es", "en"), ("fr", "en"), ("es",), ("en", "fr")]
    sessions = []
    for i in range(n):
        person = await joining.join_convening(
            db,
            token,
            ProfileFields(
                display_name=f"Person {i}",
                organisation=f"Org {i % 97}",
                movements=(f"movement {i % 12}",),
                region=f"Region {i % 6}",
                languages=langs[i % len(langs)],
                about="Organising for climate justice in my city.",
                consent_listed=True,
                consent_quoted=False,
            ),
            coc_accepted=True,
            now=now,
        )
        sessions.append(await access.start_session(db, now=now, days=1, participant_id=person.id))
    host_session = await access.start_session(db, now=now, days=1, host_id=host.id)
    await db.dispose()
    return convening.public_id, host_session, sessions


async def connect_all(
    url: str, headers_for: list[dict[str, str]]
) -> list[websockets.ClientConnection]:
    sockets: list[websockets.ClientConnection] = []
    for start in range(0, len(headers_for), CONNECT_BATCH):
        batch = headers_for[start : start + CONNECT_BATCH]
        sockets += await asyncio.gather(
            *(websockets.connect(url, additional_headers=h, max_size=2**22) for h in batch)
        )
    return sockets


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return pick(0.50), pick(0.95), pick(0.99)


async def ours(n: int, runs: int) -> tuple[list[tuple[float, float, float]], str]:
    data_dir = Path(tempfile.mkdtemp(prefix="fanout-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    public_id, host_session, sessions = await prepare(data_dir, base, n)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CROSSROADS_")},
        "CROSSROADS_DATA_DIR": str(data_dir),
        "CROSSROADS_PORT": str(port),
        "CROSSROADS_PUBLIC_BASE_URL": base,
        "CROSSROADS_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT / "src"),
    }
    server = subprocess.Popen(  # noqa: ASYNC220  started once, before timing
        [sys.executable, "-m", "crossroads.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)
        ws_base = base.replace("http", "ws", 1)
        sockets = await connect_all(
            f"{ws_base}/ws/live/{public_id}",
            [{"Cookie": f"crossroads_participant={s}", "Origin": base} for s in sessions],
        )
        for s in sockets:
            await s.send(json.dumps({"type": "hello", "last_seq": 0}))
        for s in sockets:  # the initial snapshots
            await s.recv()
        console = await websockets.connect(
            f"{ws_base}/ws/host/{public_id}",
            additional_headers={"Cookie": f"crossroads_host={host_session}", "Origin": base},
            max_size=2**24,
        )
        # A host watches the lobby fill before starting; meanwhile the node works out the
        # pairing (web/round_plans.py). Starting the instant the console opens would time
        # the fallback that pairs on the click (the first line of the output says which).
        await asyncio.sleep(HOST_WATCHES)
        results = []
        sample = ""
        for run in range(runs):
            arrived: list[float] = []

            async def wait_group(
                s: websockets.ClientConnection, number: int, arrived: list[float] = arrived
            ) -> None:
                nonlocal sample
                while True:
                    raw = await s.recv()
                    message = json.loads(raw)
                    if (
                        message.get("type") == "snapshot"
                        and message.get("group")
                        and (message["round"]["number"] == number)
                    ):
                        arrived.append(time.perf_counter())
                        if len(raw) > len(sample):
                            sample = str(raw)
                        return

            waiters = [asyncio.create_task(wait_group(s, run + 1)) for s in sockets]
            # Rounds last minutes, and the next one's pairing is worked out meanwhile; a
            # start a second after the last would time the node still busy planning it.
            await asyncio.sleep(BETWEEN_ROUNDS if run else 0.2)
            start = time.perf_counter()
            await console.send(json.dumps({"type": "start_round"}))
            await asyncio.wait_for(asyncio.gather(*waiters), timeout=120)
            results.append(percentiles([t - start for t in arrived]))
            while True:  # drain the console's snapshots
                try:
                    await asyncio.wait_for(console.recv(), timeout=0.5)
                except TimeoutError:
                    break
        await asyncio.gather(*(s.close() for s in [*sockets, console]))
        return results, sample
    finally:
        server.terminate()
        server.wait(timeout=30)


async def bare(n: int, runs: int, payload: str) -> list[tuple[float, float, float]]:
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220  started once, before timing
        [sys.executable, "-c", BARE_SERVER, str(port), payload]
    )
    try:
        url = f"ws://127.0.0.1:{port}"
        for _ in range(100):
            try:
                probe = await websockets.connect(url + "/probe")
                await probe.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        sockets = await connect_all(url + "/client", [{} for _ in range(n)])
        trigger = await websockets.connect(url + "/trigger")
        results = []
        for _ in range(runs):
            arrived: list[float] = []

            async def wait_one(
                s: websockets.ClientConnection, arrived: list[float] = arrived
            ) -> None:
                raw = await s.recv()
                json.loads(raw)  # the same decoding work our clients do
                arrived.append(time.perf_counter())

            waiters = [asyncio.create_task(wait_one(s)) for s in sockets]
            await asyncio.sleep(0.2)
            start = time.perf_counter()
            await trigger.send("go")
            await asyncio.wait_for(asyncio.gather(*waiters), timeout=60)
            results.append(percentiles([t - start for t in arrived]))
        await asyncio.gather(*(s.close() for s in [*sockets, trigger]))
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def median_of(results: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return tuple(statistics.median(r[i] for r in results) * 1000 for i in range(3))  # type: ignore[return-value]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,1000,2000")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    print(
        f"{'clients':>8} {'ours p50/p95/p99 ms':>24} {'bare p50/p95/p99 ms':>24} "
        f"{'ratio p99':>9} bytes"
    )
    for n in (int(x) for x in options.sizes.split(",")):
        mine, sample = await ours(n, min(options.runs, ROUNDS))
        base = await bare(n, options.runs, sample)
        size = len(sample.encode())
        a, b = median_of(mine), median_of(base)
        print(
            f"{n:>8} {a[0]:>8.0f}/{a[1]:>5.0f}/{a[2]:>6.0f} {b[0]:>12.0f}/{b[1]:>5.0f}/{b[2]:>6.0f}"
            f" {a[2] / b[2]:>9.2f} {size}",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
