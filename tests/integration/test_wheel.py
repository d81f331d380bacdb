"""`pip wheel .` carries the built front end and templates, and installs without node."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        timeout=600,
    )
    (built,) = out.glob("crossroads-*.whl")
    return built


def test_wheel_contains_bundle_templates_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    for expected in (
        "crossroads/web/static/build/app.js",
        "crossroads/web/static/build/htmx.min.js",
        "crossroads/web/static/build/pico.min.css",
        "crossroads/web/static/crossroads.css",
        "crossroads/web/templates/base.html",
        "crossroads/web/templates/participant/lobby.html",
        "crossroads/store/migrations/env.py",
        "crossroads/locale/es/LC_MESSAGES/messages.mo",
        "crossroads/locale/fr/LC_MESSAGES/messages.mo",
        "crossroads/store/migrations/versions/0001_initial_schema.py",
    ):
        assert expected in names, expected


def test_wheel_installs_into_fresh_venv_and_runs_without_node(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "-c",
            str(ROOT / "constraints.txt"),
            str(wheel),
        ],
        check=True,
        timeout=900,
    )
    # PATH holds the venv only: node and npm cannot be found by anything the command runs.
    env = {**os.environ, "PATH": str(venv / "bin")}
    env.pop("PYTHONPATH", None)

    result = subprocess.run(
        [str(venv / "bin" / "crossroads"), "demo", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )

    assert shutil.which("node", path=env["PATH"]) is None
    assert result.returncode == 0, result.stderr
    assert "Create a demo convening" in result.stdout
