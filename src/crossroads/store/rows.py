"""Reading thousands of rows per live event without decoding them again each time.

A live round re-reads a convening's roster and groups on every change, on every node. Going
through SQLAlchemy's typed result processing costs about 60 µs a row (two JSON columns, two
timestamps, an ORM object or a record); for 2,000 people that is over 100 ms per event. Here
we select the raw column values the driver returns and keep the decoded record, memoised by
those raw values: a row that changed has different raw values and so a different key, which
means the memo can never hand back a stale record, only skip repeated work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, select, type_coerce
from sqlalchemy.types import NullType

R = TypeVar("R")

# Enough for several large convenings on one node; cleared, not evicted one by one, because a
# miss only costs one decode.
MEMO_LIMIT = 100_000


def raw_select(table: Table) -> Select[Any]:
    """``SELECT`` every column of ``table`` with no result processing (driver values)."""
    return select(*(type_coerce(column, NullType()).label(column.name) for column in table.c))


def json_list(value: Any) -> tuple[str, ...]:
    """A JSON list column as the driver hands it over: text (SQLite, asyncpg) or a list."""
    if isinstance(value, bytes | str):
        value = json.loads(value)
    return tuple(value or ())


def utc(value: Any) -> datetime:
    """A naive-UTC timestamp column, as text (SQLite) or a datetime (PostgreSQL), made aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_or_none(value: Any) -> datetime | None:
    return None if value is None else utc(value)


class RowMemo(Generic[R]):
    """``decode`` applied to raw rows, remembered by the rows' values."""

    def __init__(self, decode: Callable[[Sequence[Any]], R], limit: int = MEMO_LIMIT) -> None:
        self._decode = decode
        self._limit = limit
        self._memo: dict[tuple[Any, ...], R] = {}

    def __call__(self, raw: Sequence[Any]) -> R:
        key = tuple(raw)
        try:
            return self._memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable driver value (a list): decode every time
            return self._decode(raw)
        if len(self._memo) >= self._limit:
            self._memo.clear()
        record = self._memo[key] = self._decode(raw)
        return record
