"""The one guard around CRDT calls (notes/crdt_guard.py). Real panics run in a subprocess:
after one, the process's memory is not to be trusted, the test runner's included."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest
from pycrdt import Doc, Text

from crossroads.notes import crdt_guard
from tests.unit.notes.test_update_check import CRASHING_UPDATE

pytestmark = pytest.mark.unit


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"RUST_BACKTRACE": "0", "PATH": ""},
        check=False,
    )


def test_a_real_panic_becomes_crdt_panic_and_calls_the_handler_once() -> None:
    result = run(
        f"""
        from pycrdt import Doc
        from crossroads.notes import crdt_guard
        calls = []
        crdt_guard.on_panic(lambda what, exc: calls.append(what))
        for attempt in range(2):
            try:
                crdt_guard.apply_update(Doc(), bytes.fromhex("{CRASHING_UPDATE.hex()}"))
            except crdt_guard.CrdtPanic as exc:
                print("caught", exc.what)
            except Exception as exc:  # noqa: BLE001
                print("other", type(exc).__name__)
        print("calls", calls, crdt_guard.panicked())
        """
    )
    assert "caught apply_update" in result.stdout, result.stderr[-2000:]
    assert "calls ['apply_update'] True" in result.stdout


def test_without_the_guard_the_panic_passes_except_exception() -> None:
    """What the guard is for: pyo3's PanicException is a BaseException."""
    result = run(
        f"""
        from pycrdt import Doc
        from crossroads.notes.crdt_guard import is_panic
        try:
            try:
                Doc().apply_update(bytes.fromhex("{CRASHING_UPDATE.hex()}"))
            except Exception:
                print("caught by except Exception")
        except BaseException as exc:
            print("escaped", is_panic(exc))
        """
    )
    assert "escaped True" in result.stdout, result.stderr[-2000:]


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3), asyncio.CancelledError()])
def test_interrupts_and_cancellation_pass_through_untouched(exc: BaseException) -> None:
    with pytest.raises(type(exc)), crdt_guard.guarded("test"):
        raise exc
    assert not crdt_guard.panicked()


def test_an_update_pycrdt_refuses_with_a_runtime_error_is_a_value_error() -> None:
    # A nested item whose parent is an integrated string: pycrdt raises RuntimeError ("must
    # be deleted or shared ref type"), which the room would take for a server error (1011).
    first = Doc(client_id=1)
    first.get("prompt:a", type=Text).insert(0, "ab")
    doc = Doc()
    doc.apply_update(first.get_update())
    bad = bytes.fromhex("01010200070001000100")  # client 2: a type item inside (1,0)
    with pytest.raises(RuntimeError):
        Doc().apply_update(first.get_update()) or doc.apply_update(bad)
    with pytest.raises(crdt_guard.UpdateRejected, match="shared ref type"):
        crdt_guard.apply_update(doc, bad)
