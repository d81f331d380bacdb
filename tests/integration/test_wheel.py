"""`pip wheel .` carries the built front end and templates, and installs without node."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


# What a build never reads, or (node_modules) reads through a link to the real one.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv*", "node_modules", ".hypothesis", ".ruff_cache", ".pytest_cache", "__pycache__"
)


def source_copy(destination: Path) -> Path:
    """A copy of the source tree to build from. pip builds a local folder in place, and the
    build hook rewrites the bundle (npm run build) and the .mo catalogues: in the tree itself
    that would happen under the feet of the servers and browsers of a parallel test worker
    reading those very files. frontend/node_modules is linked, not copied (npm ci would
    download it again)."""
    shutil.copytree(ROOT, destination, ignore=NOT_COPIED, symlinks=True)
    modules = ROOT / "frontend" / "node_modules"
    if modules.exists():
        (destination / "frontend" / "node_modules").symlink_to(modules, target_is_directory=True)
    return destination


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = source_copy(tmp_path_factory.mktemp("source") / "crossroads")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
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
    python = str(venv / "bin" / "python")
    # The dependencies come from this suite's environment (pinned by constraints.txt), put
    # on the new venv's path: installing them afresh takes about 80 s and tests the package
    # index, not our wheel. A path line in a .pth does not run that folder's own .pth files,
    # so the editable install of our sources stays out; ``pip check`` still holds the
    # wheel's declared requirements against what is there.
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dependencies = sysconfig.get_paths()["purelib"]
    (Path(site) / "suite-dependencies.pth").write_text(dependencies + "\n")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--no-deps", str(wheel)], check=True, timeout=300)
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr

    # PATH holds the venv only: node and npm cannot be found by anything the command runs.
    env = {**os.environ, "PATH": str(venv / "bin")}
    env.pop("PYTHONPATH", None)
    imported = subprocess.run(
        [python, "-c", "import crossroads; print(crossroads.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert imported.startswith(site), imported  # the wheel's copy, not the sources

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
