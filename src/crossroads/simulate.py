"""Simulated participants: real WebSocket clients that join the live call like people do.

Used by ``crossroads demo`` so that one person trying Crossroads sees a round with a dozen
partners, and by the benchmarks. Each bot holds a participant session, says hello, keeps
the view the server sends, and now and then sits a round out or calls for help, as people do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
from collections.abc import Sequence

import httpx
import structlog
import websockets

from crossroads.web.auth import PARTICIPANT_COOKIE

log = structlog.get_logger(__name__)


async def _bot(base_url: str, public_id: str, token: str, stop: asyncio.Event, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  a simulation, not a secret
    url = base_url.replace("http", "ws", 1).rstrip("/") + f"/ws/live/{public_id}"
    headers = {"Cookie": f"{PARTICIPANT_COOKIE}={token}", "Origin": base_url.rstrip("/")}
    last_seq = 0
    while not stop.is_set():
        try:
            async with websockets.connect(url, additional_headers=headers) as socket:
                await socket.send(json.dumps({"v": 1, "type": "hello", "last_seq": last_seq}))
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(socket.recv(), timeout=20)
                    except TimeoutError:
                        await socket.send(json.dumps({"v": 1, "type": "ping"}))
                        continue
                    message = json.loads(raw)
                    last_seq = max(last_seq, int(message.get("seq") or 0))
                    if message.get("type") == "snapshot" and rng.random() < 0.02:
                        await socket.send(json.dumps({"v": 1, "type": "help"}))
        except (OSError, websockets.WebSocketException):
            await asyncio.sleep(1 + rng.random())


async def run_bots(
    base_url: str, public_id: str, tokens: Sequence[str], stop: asyncio.Event
) -> None:
    """Wait for the server to answer, then keep every bot connected until ``stop``."""
    async with httpx.AsyncClient() as client:
        for _ in range(120):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base_url.rstrip('/')}/healthz")).status_code == 200:
                    break
            await asyncio.sleep(0.5)
    log.info("simulated_participants_connecting", count=len(tokens))
    await asyncio.gather(
        *(_bot(base_url, public_id, token, stop, seed) for seed, token in enumerate(tokens))
    )


def start_in_background(base_url: str, public_id: str, tokens: Sequence[str]) -> threading.Thread:
    """Run the bots on their own event loop in a daemon thread beside the server."""

    def main() -> None:
        asyncio.run(run_bots(base_url, public_id, tokens, asyncio.Event()))

    thread = threading.Thread(target=main, name="simulated-participants", daemon=True)
    thread.start()
    return thread
