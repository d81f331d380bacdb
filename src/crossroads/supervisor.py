"""`crossroads serve` as a tiny supervisor: the app runs in a child process it restarts.

Why (issue #26): a panic inside the CRDT engine (yrs, Rust) leaves the process's memory
untrusted; it later aborts (``free(): invalid next size``) or spins at 100 % CPU inside one
call while staying alive. So the node that panicked stops serving notes, closes every socket
(notes with 1012 "restarting") and exits with ``EXIT_RESTART``; a fresh child rebuilds each
room from the durable log when its clients reconnect. Acknowledgements follow commits, so no
acknowledged edit is lost, and clients resend what was not acknowledged.

The supervisor owns the listening socket and passes it to each child, so connections that
arrive during a restart wait in the backlog instead of being refused. It also watches a
heartbeat the child's event loop writes every second: a child whose loop stops beating for
``STALL_AFTER`` seconds (a spin in native code holds the loop) is killed and replaced.

It restarts a child that exited with ``EXIT_RESTART`` or died of a signal it did not send;
any other exit (a bad setting, a failed migration) ends the supervisor with the same code.
More than ``MAX_RESTARTS`` within ``RESTART_WINDOW`` seconds also ends it: a crash loop
needs a person.
"""

from __future__ import annotations

import asyncio
import ctypes
import faulthandler
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

import structlog

log = structlog.get_logger(__name__)

PR_SET_PDEATHSIG = 1
EXIT_RESTART = 75  # EX_TEMPFAIL: "try again", the child asks to be replaced
ENV_LISTEN_FD = "CROSSROADS_LISTEN_FD"
ENV_HEARTBEAT_FD = "CROSSROADS_HEARTBEAT_FD"
HEARTBEAT_EVERY = 1.0
STALL_AFTER = 30.0
# A loop that has not beaten for this long writes every thread's stack to stderr (the log),
# once per stall: what held it is then known, before the supervisor replaces the process.
STACKS_AFTER = 10.0
MAX_RESTARTS = 5
RESTART_WINDOW = 300.0
# After a restart is requested, how long a graceful shutdown may take before the process
# exits regardless (its memory is not trusted; the durable log is the truth).
HARD_EXIT_AFTER = 10.0

# --- the supervisor -----------------------------------------------------------------------


def listen(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def supervise(command: list[str], host: str, port: int, stall_after: float = STALL_AFTER) -> int:
    """Run ``command`` (the child `serve`) until it ends for good; its exit code."""
    sock = listen(host, port)
    stopping: list[int] = []
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    restarts: list[float] = []
    while True:
        read_end, write_end = os.pipe()
        env = {
            **os.environ,
            ENV_LISTEN_FD: str(sock.fileno()),
            ENV_HEARTBEAT_FD: str(write_end),
        }
        # Our own command line (cli.py), not user input.
        # In a process group of its own: a terminal's Ctrl-C reaches the supervisor only,
        # which passes it on once (twice would make uvicorn skip its graceful shutdown).
        child = subprocess.Popen(  # noqa: S603
            command,
            env=env,
            pass_fds=(sock.fileno(), write_end),
            preexec_fn=_die_with_parent,
            process_group=0,
        )
        os.close(write_end)
        stalled = _watch(child, read_end, stall_after)
        os.close(read_end)
        code = child.wait()
        if stopping:
            return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code
        if code != EXIT_RESTART and code >= 0 and not stalled:
            return code
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < RESTART_WINDOW] + [now]
        why = "stalled" if stalled else ("asked" if code == EXIT_RESTART else f"signal {-code}")
        if len(restarts) > MAX_RESTARTS:
            print(f"crossroads: child restarted {MAX_RESTARTS} times; giving up", file=sys.stderr)
            return 1
        print(f"crossroads: restarting the server ({why})", file=sys.stderr, flush=True)


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the supervisor dies, whatever kills it
    (kill -9 included), so no orphan keeps serving on the socket (Linux's PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: an orphan then lives until it is stopped


def _watch(child: subprocess.Popen[bytes], heartbeat: int, stall_after: float) -> bool:
    """Wait for the child to end; kill it if its heartbeat stops. True if it was stalled."""
    last: float | None = None  # no limit until the first beat (startup, migrations)
    while True:
        try:
            ready, _, _ = select.select([heartbeat], [], [], 1.0)
        except InterruptedError:
            continue
        if ready:
            if not os.read(heartbeat, 4096):
                return False  # the child closed it: it is exiting
            last = time.monotonic()
        elif child.poll() is not None:
            return False
        elif last is not None and time.monotonic() - last > stall_after:
            print("crossroads: the server stopped answering; killing it", file=sys.stderr)
            child.kill()
            return True


# --- the child ----------------------------------------------------------------------------

_stop: Callable[[], None] | None = None
_restart_requested: list[str] = []


def inherited_socket() -> socket.socket | None:
    fd = os.environ.get(ENV_LISTEN_FD)
    return socket.socket(fileno=int(fd)) if fd else None


def set_stopper(stop: Callable[[], None]) -> None:
    """How this process's server stops gracefully (uvicorn's ``should_exit``)."""
    global _stop
    _stop = stop


def restart_requested() -> bool:
    return bool(_restart_requested)


def request_restart(reason: str, before: Callable[[], None] | None = None) -> None:
    """Stop this process soon with ``EXIT_RESTART`` (the supervisor starts a fresh one).

    ``before`` runs first (closing sockets with a restarting code). A graceful shutdown
    longer than HARD_EXIT_AFTER is cut short: this memory is not worth waiting for."""
    if _restart_requested:
        return
    _restart_requested.append(reason)
    log.critical("server_restart_requested", reason=reason, supervised=supervised())
    if before is not None:
        before()
    timer = threading.Timer(HARD_EXIT_AFTER, os._exit, args=(EXIT_RESTART,))
    timer.daemon = True
    timer.start()
    if _stop is not None:
        _stop()


def supervised() -> bool:
    return ENV_HEARTBEAT_FD in os.environ


async def heartbeat(stacks_after: float = STACKS_AFTER) -> None:
    """Beat for the supervisor from the event loop: a loop held by native code stops it.
    Each beat also re-arms faulthandler's timer: a loop held for ``stacks_after`` seconds gets
    its stacks written to stderr by faulthandler's own thread, which needs no loop."""
    fd_text = os.environ.get(ENV_HEARTBEAT_FD)
    if not fd_text:
        return
    fd = int(fd_text)
    os.set_blocking(fd, False)
    try:
        while True:
            try:
                os.write(fd, b".")
            except BlockingIOError:
                pass  # the supervisor is behind; the next beat will do
            except OSError:
                return  # the supervisor is gone
            faulthandler.dump_traceback_later(stacks_after, file=sys.stderr)
            await asyncio.sleep(HEARTBEAT_EVERY)
    finally:
        faulthandler.cancel_dump_traceback_later()
