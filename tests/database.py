"""What a server stored, read through SQLAlchemy on its own URL: SQLite and PostgreSQL alike.

Tests check the database behind a live server (nothing left of an erased person, nothing
written by a refused request) without knowing which backend it runs on. Each call opens an
engine on a fresh event loop in a helper thread, so plain test functions and asyncio
scenarios can both call it; a blocked event loop for a few milliseconds is fine in a test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Executable

T = TypeVar("T")
# Reflected once per database: a server's schema is fixed once it has migrated, and the IDOR
# suite reads every table twice per route.
_schemas: dict[str, MetaData] = {}


def run_blocking(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` to completion on its own event loop, even from inside a running one."""
    with ThreadPoolExecutor(1, thread_name_prefix="db-probe") as pool:
        return pool.submit(lambda: asyncio.run(work())).result()  # type: ignore[arg-type]


def _on(url: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return run_blocking(run)


def rows(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    """The rows of one SQL query; parameters are named (``:public_id``) on both backends."""

    async def work(conn: AsyncConnection) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await conn.execute(text(sql), params)]

    return _on(url, work)


def scalar(url: str, sql: str, **params: object) -> Any:
    """The first column of the only row ``sql`` returns."""
    (row,) = rows(url, sql, **params)
    return row[0]


def execute(url: str, statement: Executable) -> None:
    """Run one statement built from our models (typed columns: datetimes stay aware UTC)."""

    async def work(conn: AsyncConnection) -> None:
        await conn.execute(statement)

    _on(url, work)


def table_names(url: str) -> list[str]:
    def names(sync: Connection) -> list[str]:
        return sorted(inspect(sync).get_table_names())

    async def work(conn: AsyncConnection) -> list[str]:
        return await conn.run_sync(names)

    return _on(url, work)


def every_row(url: str, *, skip: frozenset[str] = frozenset()) -> dict[str, list[dict[str, Any]]]:
    """All rows of every table but ``skip``, each as {column: value}, found from the schema."""

    async def work(conn: AsyncConnection) -> dict[str, list[dict[str, Any]]]:
        meta = _schemas.get(url)
        if meta is None:
            meta = MetaData()
            await conn.run_sync(lambda sync: meta.reflect(sync))
            _schemas[url] = meta
        found = {}
        for name, table in sorted(meta.tables.items()):
            if name in skip:
                continue
            result = await conn.execute(select(table))
            found[name] = [dict(row._mapping) for row in result]
        return found

    return _on(url, work)


def foreign_keys_to(url: str, referred: str) -> dict[str, list[str]]:
    """For each table, its columns that are foreign keys to ``referred``'s primary key."""

    def find(sync: Connection) -> dict[str, list[str]]:
        inspector = inspect(sync)
        found: dict[str, list[str]] = {}
        for table in inspector.get_table_names():
            for key in inspector.get_foreign_keys(table):
                if key["referred_table"] == referred:
                    found.setdefault(table, []).extend(key["constrained_columns"])
        return found

    async def work(conn: AsyncConnection) -> dict[str, list[str]]:
        return await conn.run_sync(find)

    return _on(url, work)
