"""Every call into the CRDT engine (pycrdt over yrs) in the notes package goes through here.

A Rust panic inside yrs reaches Python as pyo3's ``PanicException``, a ``BaseException``:
it passes every ``except Exception`` and, worse, leaves the engine's memory in a state that
later aborts (``free(): invalid next size``) or spins (issue #26). So a panic is not an
error to recover from: ``guarded`` turns it into ``CrdtPanic`` (an ``Exception``, so the
callers' cleanup runs) and calls the process's panic handler once, which serves no room
any more and restarts the node (web/app.py, cli.py's supervisor): a fresh process rebuilds
every room from the durable log. The update that caused it was never committed (commits
follow a successful apply), and nothing unacknowledged is lost: clients resend it.

Structurally odd input never gets this far (notes/update_check.py); this is the second line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog
from pycrdt import Doc
from pycrdt import merge_updates as _merge_updates

log = structlog.get_logger(__name__)

PanicHandler = Callable[[str, BaseException], None]
_handler: PanicHandler | None = None
_panicked: list[str] = []  # what panicked in this process: nothing here is trusted after it


class CrdtPanic(Exception):
    """The CRDT engine panicked; this process's notes memory is no longer trusted."""

    def __init__(self, what: str, cause: BaseException) -> None:
        super().__init__(f"CRDT engine panicked in {what}: {cause}")
        self.what = what


def is_panic(exc: BaseException) -> bool:
    """pyo3's PanicException: its class is made at run time in module ``pyo3_runtime`` and
    cannot be imported, so it is recognised by name."""
    kind = type(exc)
    return any(
        k.__name__ == "PanicException" and k.__module__ == "pyo3_runtime" for k in kind.__mro__
    )


def on_panic(handler: PanicHandler | None) -> None:
    """Set what a panic does to the process (the app restarts itself); None: only raise."""
    global _handler
    _handler = handler


def panicked() -> bool:
    return bool(_panicked)


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Run CRDT work; a panic becomes ``CrdtPanic`` after the handler ran."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit):
        raise
    except Exception:
        raise
    except BaseException as exc:
        if not is_panic(exc):
            raise
        first = not _panicked
        _panicked.append(what)
        log.critical("crdt_panic", what=what, error=str(exc))
        if first and _handler is not None:
            _handler(what, exc)
        raise CrdtPanic(what, exc) from exc


class UpdateRejected(ValueError):
    """pycrdt refused an update with a RuntimeError ("block parent ... must be deleted or
    shared ref type"): bad input like its ValueErrors, so the sender gets 1007."""


def apply_update(doc: Doc, update: bytes, what: str = "apply_update") -> None:
    with guarded(what):
        try:
            doc.apply_update(update)
        except RuntimeError as exc:
            raise UpdateRejected(str(exc)) from exc


def get_update(doc: Doc, state: bytes | None = None, what: str = "get_update") -> bytes:
    with guarded(what):
        return doc.get_update() if state is None else doc.get_update(state)


def get_state(doc: Doc, what: str = "get_state") -> bytes:
    with guarded(what):
        return doc.get_state()


# yrs merges n updates in time that grows about with n squared (9,600 one-word updates from 12
# writers: 1.0 s in one call, holding the event loop and the GIL); merging them MERGE_FAN_IN at a
# time, then the results, gives the same update (merging is associative) in 0.02 s.
MERGE_FAN_IN = 32


def merge_updates(*updates: bytes, what: str = "merge_updates") -> bytes:
    with guarded(what):
        parts = list(updates)
        while len(parts) > MERGE_FAN_IN:
            parts = [
                _merge_updates(*parts[i : i + MERGE_FAN_IN])
                for i in range(0, len(parts), MERGE_FAN_IN)
            ]
        return _merge_updates(*parts)
