"""Suite-wide fixtures: a clean CROSSROADS_* environment for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Read once, before any test clears the environment: CI sets these for the tests that
# need a real PostgreSQL or Redis; those tests skip with a reason when they are unset.
TEST_DATABASE_URL = os.environ.get("CROSSROADS_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("CROSSROADS_TEST_REDIS_URL")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("CROSSROADS_"):
            monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="session", autouse=True)
def prepared_databases() -> Iterator[None]:
    """The migrated databases servers are copied from (tests/servers.py) go at the end."""
    from tests.servers import drop_templates

    yield
    drop_templates()
