"""`serve`'s supervisor (crossroads/supervisor.py) with stand-in children: when it restarts
them, when it stops. Run in a subprocess: it installs signal handlers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crossroads.supervisor import EXIT_RESTART, MAX_RESTARTS

pytestmark = pytest.mark.unit


def supervise(tmp_path: Path, child: str) -> tuple[int, int]:
    """Supervise ``child`` (Python code, told the starts so far in argv[1]); its exit code
    and how many times the child was started."""
    starts = tmp_path / "starts"
    code = f"""
import sys
from pathlib import Path
starts = Path({str(starts)!r})
n = len(starts.read_text()) if starts.exists() else 0
starts.write_text("x" * (n + 1))
{child}
"""
    script = tmp_path / "child.py"
    script.write_text(code)
    runner = (
        "import sys\nfrom crossroads.supervisor import supervise\n"
        f"sys.exit(supervise([sys.executable, {str(script)!r}], '127.0.0.1', 0))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", runner], capture_output=True, text=True, timeout=60, check=False
    )
    return result.returncode, len(starts.read_text()) if starts.exists() else 0


def test_a_child_that_asks_is_restarted_until_it_exits_normally(tmp_path: Path) -> None:
    assert supervise(tmp_path, f"sys.exit({EXIT_RESTART} if n < 2 else 0)") == (0, 3)


def test_a_child_killed_by_a_signal_is_restarted(tmp_path: Path) -> None:
    child = "import os, signal\nif n == 0: os.kill(os.getpid(), signal.SIGABRT)"
    assert supervise(tmp_path, child) == (0, 2)


def test_any_other_exit_ends_the_supervisor_with_its_code(tmp_path: Path) -> None:
    assert supervise(tmp_path, "sys.exit(3)") == (3, 1)


def test_a_crash_loop_ends_after_a_few_restarts(tmp_path: Path) -> None:
    assert supervise(tmp_path, f"sys.exit({EXIT_RESTART})") == (1, MAX_RESTARTS + 1)
