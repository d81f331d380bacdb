"""Argon2 runs off the event loop, at most HASHING_THREADS at a time (#26)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from crossroads.convenings import passwords

pytestmark = pytest.mark.unit


async def _ticks_while(work: Any) -> tuple[Any, int]:
    """Run ``work`` while another task counts its turns of the loop."""
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    try:
        result = await work
    finally:
        done = True
        await task
    return result, ticks - start


async def test_the_loop_keeps_turning_while_a_verify_runs() -> None:
    stored = await passwords.hash_password("correct horse battery")

    (valid, _updated), ticks = await _ticks_while(
        passwords.verify_password("wrong password", stored)
    )

    assert valid is False
    # One Argon2 verify is ~0.1 s of CPU; run on the loop, the ticker would not get one turn.
    assert ticks > 10


async def test_the_loop_keeps_turning_while_an_unknown_email_is_verified() -> None:
    _none, ticks = await _ticks_while(passwords.verify_dummy("any password"))

    assert ticks > 10


async def test_hashing_runs_in_its_own_threads_at_most_two_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = passwords._passwords
    lock = threading.Lock()
    active = peak = 0
    threads: set[str] = set()

    class Watched:
        def hash(self, password: str) -> str:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
                threads.add(threading.current_thread().name)
            time.sleep(0.05)  # hold the thread, so overlapping calls would show
            with lock:
                active -= 1
            return real.hash(password)

    monkeypatch.setattr(passwords, "_passwords", Watched())

    hashes = await asyncio.gather(*(passwords.hash_password(f"password {i}") for i in range(6)))

    assert len(set(hashes)) == 6
    assert peak == passwords.HASHING_THREADS == 2
    assert all(name.startswith("password-hash") for name in threads)


async def test_past_the_queue_cap_a_check_is_refused_at_once_instead_of_queueing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sprayers from many addresses pass every per-address limit; the queue in front of the
    hashing threads must not grow without bound, or real hosts wait minutes to log in."""
    from crossroads.convenings.errors import PasswordCheckBusy

    release = threading.Event()

    class Held:
        def verify_and_update(self, password: str, stored: str) -> tuple[bool, None]:
            release.wait(10)
            return False, None

    monkeypatch.setattr(passwords, "_passwords", Held())
    waiting = [
        asyncio.create_task(passwords.verify_password("guess", "stored"))
        for _ in range(passwords.MAX_QUEUED)
    ]
    await asyncio.sleep(0)  # every task reaches the pool

    with pytest.raises(PasswordCheckBusy):
        await passwords.verify_password("one more guess", "stored")

    release.set()
    assert [valid for valid, _ in await asyncio.gather(*waiting)] == [False] * len(waiting)
    # The queue drained: a new check goes through again.
    assert await passwords.verify_password("later", "stored") == (False, None)
