"""One of each (#28): one CSV reader, one scoped "own plan" lookup. Read from the source with
``ast``, so a copy written again fails here rather than drifting from the original."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SRC = Path(__file__).resolve().parents[2] / "src" / "crossroads"


def _trees() -> Iterator[tuple[str, ast.AST]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            rel = path.relative_to(SRC).as_posix()
            yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _csv_readers(tree: ast.AST) -> Iterator[int]:
    """Calls of ``csv.reader``/``csv.DictReader``/``csv.Sniffer``: reading CSV by hand."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "csv"
            and node.func.attr in {"reader", "DictReader", "Sniffer"}
        ):
            yield node.lineno


def _public_id_checks(tree: ast.AST) -> Iterator[int]:
    """``plan.convening.public_id != public_id``: a participant's scope checked by hand."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.NotEq | ast.Eq) for op in node.ops
        ):
            sides = [node.left, *node.comparators]
            names = {ast.unparse(side) for side in sides}
            if any(n.endswith("convening.public_id") for n in names) and "public_id" in names:
                yield node.lineno


def test_csv_files_are_read_by_the_one_reader() -> None:
    found = [f"{rel}:{line}" for rel, tree in _trees() for line in _csv_readers(tree)]
    assert {place.split(":")[0] for place in found} == {"csv_reading.py"}, found


def test_a_participants_own_convening_is_looked_up_in_one_place() -> None:
    found = [f"{rel}:{line}" for rel, tree in _trees() for line in _public_id_checks(tree)]
    places = {place.split(":")[0] for place in found}
    assert places == {"convenings/planning.py"}, found
