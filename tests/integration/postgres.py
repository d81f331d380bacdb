"""A throwaway PostgreSQL database per test module, on the server CI starts."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import TEST_DATABASE_URL

requires_postgres = pytest.mark.skipif(
    TEST_DATABASE_URL is None,
    reason="CROSSROADS_TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL and sets it)",
)


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Create an empty database, yield its URL, drop it afterwards."""
    assert TEST_DATABASE_URL is not None
    admin_url = make_url(TEST_DATABASE_URL)
    name = f"crossroads_test_{secrets.token_hex(4)}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
