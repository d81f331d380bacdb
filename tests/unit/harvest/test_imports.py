"""harvest/ is pure: it imports the standard library and its own libraries, nothing of ours
but crossroads.messages and crossroads.csv_reading, and never a web framework, database,
settings or network client (the LLM's HTTP client lives in crossroads.llm and is handed in,
#28). See STYLE.md and tests/unit/test_layers.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parents[3] / "src" / "crossroads" / "harvest"
ALLOWED_OURS = {"crossroads.harvest", "crossroads.messages", "crossroads.csv_reading"}
FORBIDDEN_THIRD_PARTY = {
    "fastapi",
    "starlette",
    "sqlalchemy",
    "redis",
    "pycrdt",
    "jinja2",
    "uvicorn",
    "httpx",
    "pydantic_settings",
    "babel",
    # The network: the standard library's clients too, not only the third-party ones.
    "socket",
    "ssl",
    "http",
    "urllib",
    "requests",
    "aiohttp",
}
# urllib.parse only splits strings (harvest/pdf.py reads its fetcher's URLs with it).
ALLOWED_STDLIB = {"urllib.parse"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "." * node.level + (node.module or "")))
            else:
                found.append((node.lineno, node.module or ""))
    return found


def _forbidden(module: str) -> bool:
    if module.startswith("."):
        return False  # relative imports stay inside harvest/
    top = module.split(".")[0]
    if module in ALLOWED_STDLIB:
        return False
    if top == "crossroads":
        return not any(module == ok or module.startswith(ok + ".") for ok in ALLOWED_OURS)
    return top in FORBIDDEN_THIRD_PARTY


def test_harvest_modules_import_nothing_forbidden() -> None:
    modules = sorted(PACKAGE.glob("*.py"))

    offenders = [
        f"{path.name}:{line} imports {module}"
        for path in modules
        for line, module in _imports(path)
        if _forbidden(module)
    ]

    assert len(modules) >= 10
    assert offenders == []


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("crossroads.web.i18n", True),
        ("crossroads.settings", True),
        ("sqlalchemy.orm", True),
        # The standard library's network clients, not only the third-party ones (#28).
        ("urllib.request", True),
        ("urllib", True),
        ("http.client", True),
        ("socket", True),
        ("crossroads.messages", False),
        ("crossroads.csv_reading", False),
        ("sklearn.cluster", False),
        ("urllib.parse", False),
    ],
)
def test_forbidden_import_check(module: str, forbidden: bool) -> None:
    assert _forbidden(module) is forbidden
