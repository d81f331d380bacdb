"""Argon2 hashing and verifying off the event loop, at most ``HASHING_THREADS`` at a time (#26).

One Argon2 verify takes ~0.1-0.2 s of CPU and 64 MiB. Run on the event loop, four parallel
login sprayers moved the health check's median from 9 ms to 804 ms and notes
acknowledgements from 13 ms to 1.35 s. Here every hash and verify runs in a small pool of
its own: argon2-cffi releases the GIL while it works, so the loop keeps serving sockets, and
the pool's size bounds both the CPU and the memory logins can take, whatever their number
(the rest wait their turn in the pool's queue). The login limits are per address, so
many addresses (a botnet, an IPv6 range) could still make that queue minutes long and keep
real hosts out: past ``MAX_QUEUED`` checks waiting or running, a new one is refused at once
(``PasswordCheckBusy``, a 503 asking to try again in a moment) instead of queueing.
Measured on the 2-core dev machine with four sprayers (different emails, one address, limits
open): /healthz p50 9 ms, p95 29 ms, against 461 ms and 1,554 ms with the verify on the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

from pwdlib import PasswordHash

from crossroads.convenings.errors import PasswordCheckBusy

HASHING_THREADS = 2
# Checks running or waiting at once: about a second of queue at ~0.15 s a check on 2 threads.
MAX_QUEUED = 16
T = TypeVar("T")

_passwords = PasswordHash.recommended()
_pool = ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="password-hash")


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password. Made on first use: hashing costs every process start ~150 ms otherwise."""
    return _passwords.hash("not-a-real-password")


_queued = 0


async def _off_loop(work: Callable[[], T]) -> T:
    global _queued
    if _queued >= MAX_QUEUED:
        raise PasswordCheckBusy("too many password checks waiting")
    _queued += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool, work)
    finally:
        _queued -= 1


async def hash_password(password: str) -> str:
    return await _off_loop(lambda: _passwords.hash(password))


async def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """``(valid, new_hash)``: ``new_hash`` when the stored one uses outdated parameters."""
    return await _off_loop(lambda: _passwords.verify_and_update(password, password_hash))


async def verify_dummy(password: str) -> None:
    """Spend a verify's time for an unknown email (no account to tell apart by timing)."""
    await _off_loop(lambda: _passwords.verify(password, _dummy_hash()))
