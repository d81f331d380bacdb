"""Throwaway PostgreSQL databases on the server CI starts, one per test or per live server."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import TEST_DATABASE_URL, WORKER
from tests.database import run_blocking

NO_POSTGRES = (
    "CROSSROADS_TEST_DATABASE_URL is not set "
    "(`make test` sets it when scripts/test-services can start PostgreSQL)"
)
requires_postgres = pytest.mark.skipif(TEST_DATABASE_URL is None, reason=NO_POSTGRES)


def unique_name(kind: str = "test") -> str:
    """A new database's name: crossroads_test_1a2b3c4d, with the pytest-xdist worker's name
    in it under `make test` (crossroads_test_gw1_1a2b3c4d), so that a leftover tells whose."""
    worker = f"{WORKER}_" if WORKER else ""
    return f"crossroads_{kind}_{worker}{secrets.token_hex(4)}"


async def _admin(statement: str) -> None:
    assert TEST_DATABASE_URL is not None, NO_POSTGRES
    admin = create_async_engine(make_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


def _url_of(name: str) -> str:
    assert TEST_DATABASE_URL is not None, NO_POSTGRES
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Create an empty database, yield its URL, drop it afterwards."""
    name = unique_name()
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _url_of(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_database() -> Iterator[str]:
    """``fresh_database`` for plain (non-async) fixtures, such as a live server's."""
    name = unique_name()
    url = create_database(name)
    try:
        yield url
    finally:
        drop_database(name)


def database_name(url: str) -> str:
    name = make_url(url).database
    assert name, url
    return name


def create_database(name: str, *, template: str | None = None) -> str:
    """Create database ``name`` (a copy of ``template`` if given); its URL."""
    copy = f' TEMPLATE "{template}"' if template else ""
    run_blocking(lambda: _admin(f'CREATE DATABASE "{name}"{copy}'))
    return _url_of(name)


def drop_database(name: str) -> None:
    run_blocking(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
