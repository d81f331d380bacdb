"""Runs the real `crossroads` console command in a working directory, for CLI tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def crossroads(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command's exit code and output; a failure is the test's to assert, not raised."""
    return subprocess.run(
        [sys.executable, "-m", "crossroads.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
