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


PHRASES = (
    "Our coalition won a rent freeze after two years of organising. ",
    "We share seeds between villages so nobody depends on one company. ",
    "Our work meets yours where water and land are taken together. ",
    "What keeps us going is meeting people from other movements like this. ",
    "We learned to protect our phones and our members' names. ",
    "Young people are leading the debt campaign in our region. ",
)


async def _follow(socket: websockets.ClientConnection, doc: object) -> None:
    """Keep a simulated writer's copy of the document in step with the room."""
    from crossroads.notes import protocol

    async for frame in socket:
        if not isinstance(frame, bytes) or frame[0] == protocol.ACK:
            continue
        for message in protocol.parse_frame(frame):
            if message.kind != protocol.SYNC:
                continue
            if message.step == protocol.STEP1:
                reply = doc.get_update(message.payload)  # type: ignore[attr-defined]
                await socket.send(protocol.sync_message(protocol.STEP2, reply))
            else:
                doc.apply_update(message.payload)  # type: ignore[attr-defined]


async def _writer(
    base_url: str,
    public_id: str,
    token: str,
    prompt_ids: Sequence[str],
    stop: asyncio.Event,
    seed: int,
) -> None:
    """Type a few sentences into the shared notes, a few letters at a time, as people do."""
    from pycrdt import Doc, Text

    from crossroads.notes import protocol

    rng = random.Random(seed)  # noqa: S311  a simulation, not a secret
    url = base_url.replace("http", "ws", 1).rstrip("/") + f"/ws/notes/{public_id}?token={token}"
    headers = {"Origin": base_url.rstrip("/")}
    await asyncio.sleep(rng.uniform(5, 40))
    while not stop.is_set():
        try:
            async with websockets.connect(url, additional_headers=headers) as socket:
                doc = Doc()
                await socket.send(protocol.sync_message(protocol.STEP1, doc.get_state()))

                reader = asyncio.create_task(_follow(socket, doc))
                await asyncio.sleep(1)  # take in the document before adding to it
                for _ in range(3):
                    section = rng.choice([*prompt_ids, "free"])
                    phrase = rng.choice(PHRASES)
                    for start in range(0, len(phrase), 4):
                        before = doc.get_state()
                        text = doc.get(f"prompt:{section}", type=Text)
                        text += phrase[start : start + 4]
                        update = doc.get_update(before)
                        await socket.send(protocol.sync_message(protocol.UPDATE, update))
                        await asyncio.sleep(rng.uniform(0.15, 0.4))
                    await asyncio.sleep(rng.uniform(10, 30))
                reader.cancel()
                return
        except (OSError, websockets.WebSocketException):
            await asyncio.sleep(2)


async def run_bots(
    base_url: str,
    public_id: str,
    tokens: Sequence[str],
    stop: asyncio.Event,
    *,
    notes_tokens: Sequence[str] = (),
    prompt_ids: Sequence[str] = (),
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
        *(_bot(base_url, public_id, token, stop, seed) for seed, token in enumerate(tokens)),
        # A few of them also write in the shared notes, so a newcomer sees it fill up.
        *(
            _writer(base_url, public_id, token, prompt_ids, stop, seed)
            for seed, token in enumerate(notes_tokens[:4])
        ),
    )


def start_in_background(
    base_url: str,
    public_id: str,
    tokens: Sequence[str],
    *,
    notes_tokens: Sequence[str] = (),
    prompt_ids: Sequence[str] = (),
) -> threading.Thread:
    """Run the bots on their own event loop in a daemon thread beside the server."""

    def main() -> None:
        asyncio.run(
            run_bots(
                base_url,
                public_id,
                tokens,
                asyncio.Event(),
                notes_tokens=notes_tokens,
                prompt_ids=prompt_ids,
            )
        )

    thread = threading.Thread(target=main, name="simulated-participants", daemon=True)
    thread.start()
    return thread
