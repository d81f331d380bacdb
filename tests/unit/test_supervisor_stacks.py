"""A server process whose event loop is held writes where it is held to its log (stderr),
before the supervisor replaces it: the heartbeat re-arms faulthandler's timer at each beat."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

# The child: a heartbeat coroutine (as the app runs it) on a pipe, then a callback that holds
# the loop well past the (shortened) limit, in a function whose name the stack must show.
CHILD = textwrap.dedent(
    """
    import asyncio, os, sys, time
    from crossroads import supervisor

    def held_by_native_code():
        time.sleep(2.0)

    async def main():
        beat = asyncio.create_task(supervisor.heartbeat(stacks_after=0.5))
        await asyncio.sleep(0.2)
        held_by_native_code()
        beat.cancel()

    asyncio.run(main())
    """
)


def _run_child(env_fd: bool) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    env = dict(os.environ)
    if env_fd:
        env["CROSSROADS_HEARTBEAT_FD"] = str(write_end)
    try:
        return subprocess.run(
            [sys.executable, "-c", CHILD],
            env=env,
            pass_fds=(write_end,),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_held_loop_writes_every_threads_stack_to_stderr() -> None:
    done = _run_child(env_fd=True)
    assert done.returncode == 0, done.stderr
    assert "held_by_native_code" in done.stderr, done.stderr
    assert done.stderr.count("Timeout (") == 1  # once per stall, not once per beat


def test_without_a_supervisor_nothing_is_armed() -> None:
    done = _run_child(env_fd=False)
    assert done.returncode == 0, done.stderr
    assert "held_by_native_code" not in done.stderr
