"""Hatchling build hook: build the front-end bundle into the package's static folder.

A wheel must carry the built JavaScript and CSS so that installing it needs no node. The hook
runs `npm ci` and `npm run build` in `frontend/` when node is available; without node it
accepts an already built bundle (as in an sdist) and fails with a clear message otherwise.
Editable installs skip the build: `make` builds the front end for the working tree.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = Path("src/crossroads/web/static/build")
LOCALE = Path("src/crossroads/locale")


def compile_catalogues(root: Path) -> None:
    """Compile every messages.po to messages.mo so the wheel carries working translations."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (root / LOCALE).glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)


class FrontendBuildHook(BuildHookInterface):  # type: ignore[type-arg]  # hatchling is untyped
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        compile_catalogues(root)
        frontend = root / "frontend"
        bundle = root / BUNDLE
        npm = shutil.which("npm")
        if npm and (frontend / "package.json").exists():
            if not (frontend / "node_modules").exists():
                subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
            subprocess.run([npm, "run", "build"], cwd=frontend, check=True)
        if not (bundle / "app.js").exists():
            raise RuntimeError(
                f"{BUNDLE}/app.js is missing and npm is not available to build it; "
                "install Node.js 20 or build from an sdist that carries the bundle"
            )
