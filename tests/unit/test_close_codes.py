"""One table of WebSocket close codes (crossroads/close_codes.py), used by every socket and
copied into docs/live-protocol.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from crossroads.close_codes import BY_CODE, TABLE

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "crossroads"
DOC = ROOT / "docs" / "live-protocol.md"


def _close_code_literals(path: Path) -> list[str]:
    """Close codes spelled as numbers outside the table: a ``CLOSE_*`` name bound to an int,
    or an int from 1000 to 4999 passed to a call named ``close``/``_refuse``/``close_author``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(n.startswith("CLOSE_") for n in names) and isinstance(node.value.value, int):
                found.append(f"{path.name}:{node.lineno} {names[0]} = {node.value.value}")
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in {"close", "_refuse", "close_author", "close_participant"}:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    if (
                        isinstance(arg, ast.Constant)
                        and isinstance(arg.value, int)
                        and 1000 <= arg.value <= 4999
                    ):
                        found.append(f"{path.name}:{node.lineno} {name}({arg.value})")
    return found


def test_close_codes_are_spelled_only_in_the_table() -> None:
    spelled = [
        hit
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "close_codes.py"
        for hit in _close_code_literals(path)
    ]
    assert spelled == []


def test_the_check_catches_a_code_spelled_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text("CLOSE_GONE = 4410\nasync def f(ws):\n    await ws.close(4403)\n")
    assert _close_code_literals(path) == ["x.py:1 CLOSE_GONE = 4410", "x.py:3 close(4403)"]


def test_each_code_has_one_row_and_a_meaning() -> None:
    assert len(BY_CODE) == len(TABLE)
    for row in TABLE:
        assert 1000 <= row.code <= 4999, row
        assert row.sockets in {"live", "notes", "both"}, row
        assert row.meaning and row.client and row.name, row


def test_the_protocol_doc_carries_the_same_table() -> None:
    section = DOC.read_text(encoding="utf-8").split("## Close codes", 1)[1].split("\n## ", 1)[0]
    documented = {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r"^\| (\d{4}) \|.*$", section, flags=re.MULTILINE)
    }
    expected = {
        row.code: f"| {row.code} | {row.name} | {row.sockets} | {row.meaning} | {row.client} |"
        for row in TABLE
    }
    assert documented == expected
