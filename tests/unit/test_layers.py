"""The layer rules of docs/architecture.md, read from the source with ``ast``.

Every package and top-level module of ``crossroads`` has a rule: which other parts of
crossroads it may import. Imports anywhere count (inside functions and ``TYPE_CHECKING``
blocks too): a lazy import is still a dependency. The pure packages (``pairing``,
``harvest``) also import no network or process module and open no file.

There are no exceptions: issue #28 removed the last ones (the LLM client in harvest, store
queries from web/forms.py, web/routers/notes.py and web/crdt_panic.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SRC = Path(__file__).resolve().parents[2] / "src" / "crossroads"

# The top-level modules that import nothing of ours: shared plumbing every layer may use.
LEAVES = frozenset(
    {"messages", "outbox", "websocket_frames", "settings", "log", "collector", "supervisor"}
    | {"close_codes", "signing", "text_input", "csv_reading", "text_language"}
)
# Composition roots: they wire the layers together, so they may import any of them.
ROOTS = frozenset({"cli", "demo", "simulate"})

# What each package may import from crossroads besides itself (docs/architecture.md, "Layers").
ALLOWED: dict[str, frozenset[str]] = {
    "pairing": frozenset(),
    "harvest": frozenset({"messages", "csv_reading"}),
    "store": frozenset(),
    "live": frozenset(
        {"outbox", "messages", "websocket_frames", "collector", "close_codes", "text_input"}
    ),
    "notes": frozenset(
        {"live", "store", "outbox", "messages", "websocket_frames", "collector", "close_codes"}
        | {"signing"}
    ),
    "convenings": frozenset(
        {"pairing", "harvest", "live", "notes", "store", "messages", "outbox", "signing"}
        | {"text_input", "csv_reading", "text_language"}
    ),
    "commands": frozenset(
        {"convenings", "pairing", "harvest", "live", "store", "messages", "csv_reading"}
    ),
    # Sending e-mail: an adapter above the use cases, as web is (composes from their records,
    # runs the job worker); convenings never import it.
    "mail": frozenset({"convenings", "store", "settings", "messages", "signing", "text_language"}),
    "web": frozenset(
        {"convenings", "harvest", "live", "notes", "store", "messages", "outbox", "settings"}
        | {"websocket_frames", "collector", "supervisor", "close_codes", "signing", "text_input"}
        | {"mail", "text_language"}
    ),
    # The leaves import nothing of ours but the table of close codes (outbox closes slow readers).
    **{leaf: frozenset({"close_codes"} - {leaf}) for leaf in LEAVES},
    # One cleaning of typed text for every layer; its error messages are marked for gettext.
    "text_input": frozenset({"messages"}),
    # One reader of CSV files for every layer (#28); its error messages are marked for gettext.
    "csv_reading": frozenset({"messages"}),
    # The LLM adapter (#28): an HTTP client handed to the pure harvest, which it serves.
    "llm": frozenset({"harvest"}),
}

# web reaches the store only for its database handle (sessions), errors and record types.
WEB_STORE_MODULES = frozenset(
    {"crossroads.store.database", "crossroads.store.errors", "crossroads.store.records"}
    | {"crossroads.store.types"}
)

# Modules no pure package imports: the network, processes, databases, servers. ``urllib`` and
# ``http`` are banned whole (``http.client``, ``urllib.request``...) but for ``urllib.parse``,
# which only splits strings.
IO_MODULES = frozenset(
    {"socket", "ssl", "http", "urllib", "httpx", "requests", "aiohttp", "xmlrpc", "selectors"}
    | {"asyncio", "subprocess", "multiprocessing", "sqlite3", "redis", "sqlalchemy"}
    | {"smtplib", "ftplib", "imaplib", "poplib", "webbrowser", "shutil", "tempfile"}
    | {"fastapi", "starlette", "uvicorn", "websockets", "jinja2", "pydantic_settings"}
)
PURE_SAFE = frozenset({"urllib.parse"})
PURE = ("pairing", "harvest")
# Calls that open files or connections; a pure package works on what its caller hands it.
# ``open`` counts as a method too (``opener.open(request)``, ``Path.open``).
FILE_CALLS = frozenset({"open", "read_text", "read_bytes", "write_text", "write_bytes"})
NETWORK_CALLS = frozenset({"urlopen", "build_opener", "create_connection", "getaddrinfo"})
# An import by name at run time is an import all the same.
DYNAMIC_IMPORTS = frozenset({"import_module", "__import__"})


@dataclass(frozen=True)
class Import:
    module: str  # "crossroads.harvest.summaries"
    line: int
    target: str  # the full dotted name imported


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # Alembic revisions: generated, and they talk to the database by design
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        if len(parts) < 2:
            continue  # crossroads/__init__.py: the version, nothing to layer
        yield ".".join(parts), path


def _imports(module: str, path: Path) -> Iterator[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from crossroads import pairing` imports crossroads.pairing.
            for alias in node.names:
                yield Import(module, node.lineno, f"{base}.{alias.name}" if base else alias.name)


def _layer(dotted: str) -> str | None:
    parts = dotted.split(".")
    if len(parts) < 2 or parts[0] != "crossroads" or parts[1].startswith("__"):
        return None  # not ours, or crossroads.__version__
    return parts[1]


def _file_calls(module: str, path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in FILE_CALLS or name in NETWORK_CALLS:
                yield node.lineno, name


def _dynamic_imports(path: Path) -> Iterator[str]:
    """``importlib.import_module("socket")``: the names imported by a constant string."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if name in DYNAMIC_IMPORTS and isinstance(first, ast.Constant):
                yield str(first.value)


def _io_module(target: str) -> bool:
    if target in PURE_SAFE or any(target.startswith(m + ".") for m in PURE_SAFE):
        return False
    return any(target == m or target.startswith(m + ".") for m in IO_MODULES)


def _breaks() -> set[str]:
    """Every rule broken, as "module: what" strings (stable across line moves)."""
    found: set[str] = set()
    for module, path in _modules():
        layer = _layer(module)
        assert layer is not None
        for imp in _imports(module, path):
            target = _layer(imp.target)
            if layer in PURE and _io_module(imp.target):
                found.add(f"{module}: imports {imp.target}")
            if target is None or target == layer or layer in ROOTS:
                continue
            if target not in ALLOWED.get(layer, frozenset()):
                found.add(f"{module}: imports {imp.target}")
            if layer == "web" and target == "store":
                owner = ".".join(imp.target.split(".")[:3])
                if owner not in WEB_STORE_MODULES:
                    found.add(f"{module}: imports {owner}")
        if layer in PURE:
            for _line, call in _file_calls(module, path):
                found.add(f"{module}: calls {call}()")
            for target in _dynamic_imports(path):
                if _io_module(target):
                    found.add(f"{module}: imports {target}")
    return found


def test_every_part_of_crossroads_has_a_layer_rule() -> None:
    layers = {_layer(module) for module, _ in _modules()}
    assert layers - {None} <= set(ALLOWED) | ROOTS, sorted(layers - set(ALLOWED) - ROOTS)


def test_imports_follow_the_layer_rules() -> None:
    assert sorted(_breaks()) == []


def test_the_layers_form_no_cycle() -> None:
    edges: dict[str, set[str]] = {}
    for module, path in _modules():
        layer = _layer(module)
        assert layer is not None
        for imp in _imports(module, path):
            target = _layer(imp.target)
            if target and target != layer and layer not in ROOTS:
                edges.setdefault(layer, set()).add(target)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert [layer for layer in edges if reaches(layer, layer, {layer})] == []


# Helpers one router lends another today; they move below the routers (#28).
ROUTER_SHARES = frozenset(
    {
        "crossroads.web.routers.followup: imports crossroads.web.routers.host.links_for",
        "crossroads.web.routers.mail: imports crossroads.web.routers.host.links_for",
        "crossroads.web.routers.mail: imports crossroads.web.routers.host.read_roster",
    }
)


def _router_imports() -> set[str]:
    return {
        f"{module}: imports {imp.target}"
        for module, path in _modules()
        if module.startswith("crossroads.web.routers.")
        for imp in _imports(module, path)
        if imp.target.startswith("crossroads.web.routers.")
    }


def test_no_router_imports_another_router() -> None:
    """Routers parse, call one use case and render: anything two of them share (publishing a
    change, the hub's wiring) belongs below them, not in one router lent to another."""
    assert sorted(_router_imports() - ROUTER_SHARES) == []
    assert sorted(ROUTER_SHARES - _router_imports()) == []  # a fixed share leaves the list


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("crossroads.pairing.x", "import socket", "imports socket"),
        ("crossroads.harvest.x", "import urllib.request", "imports urllib.request"),
        ("crossroads.harvest.x", "from crossroads import web", "imports crossroads.web"),
        (
            "crossroads.live.x",
            "from crossroads.convenings import r",
            "imports crossroads.convenings.r",
        ),
        ("crossroads.notes.x", "from ..web import app", "imports crossroads.web.app"),
        ("crossroads.store.x", "import crossroads.web.app", "imports crossroads.web.app"),
        (
            "crossroads.web.x",
            "from crossroads.store.live import y",
            "imports crossroads.store.live",
        ),
        ("crossroads.harvest.x", "open('f')", "calls open()"),
        ("crossroads.harvest.x", "import urllib", "imports urllib"),
        ("crossroads.harvest.x", "from urllib import request", "imports urllib.request"),
        ("crossroads.harvest.x", "import http.client", "imports http.client"),
        (
            "crossroads.harvest.x",
            "from socket import create_connection",
            "imports socket.create_connection",
        ),
        ("crossroads.harvest.x", "opener.open(request)", "calls open()"),
        ("crossroads.harvest.x", "urlopen('http://x')", "calls urlopen()"),
        ("crossroads.pairing.x", "importlib.import_module('socket')", "imports socket"),
        ("crossroads.harvest.x", "__import__('urllib.request')", "imports urllib.request"),
    ],
)
def test_the_checker_catches_each_kind_of_break(
    module: str, source: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert f"{module}: {expected}" in _breaks_of(module, source, tmp_path, monkeypatch)


def test_a_pure_package_may_split_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``urllib.parse`` only splits strings (harvest/pdf.py reads its fetcher's URLs with it)."""
    source = "from urllib.parse import urlsplit\nurlsplit('data:,x')\n"
    assert _breaks_of("crossroads.harvest.x", source, tmp_path, monkeypatch) == set()


def _breaks_of(
    module: str, source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> set[str]:
    """The breaks the checker finds in ``source`` read as ``module``."""
    path = tmp_path / "x.py"
    path.write_text(source, encoding="utf-8")
    monkeypatch.setattr(
        "tests.unit.test_layers._modules", lambda: iter([(module, path)]), raising=True
    )
    return _breaks()
