"""Suite-wide fixtures: a clean CROSSROADS_* environment for every test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

# The pytest-xdist worker this process is ("gw0", "gw1", ...; `make test` runs two), empty in a
# plain run. Workers share one PostgreSQL and one Redis: each server already gets a database
# of its own and each cluster a Redis key prefix of its own; the worker's name goes into the
# databases' names (crossroads_test_gw1_...) and picks a Redis database number per worker.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REDIS_DATABASES = 16  # Redis's default `databases`


def worker_redis_url(url: str | None, worker: str = WORKER) -> str | None:
    """``url`` moved to database number (its own + the worker's index) % 16: gw0 keeps it."""
    if not url or not worker:
        return url
    parts = urlsplit(url)
    own = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(own + index) % REDIS_DATABASES}"))


# Read once, before any test clears the environment: CI sets these for the tests that
# need a real PostgreSQL or Redis; those tests skip with a reason when they are unset.
TEST_DATABASE_URL = os.environ.get("CROSSROADS_TEST_DATABASE_URL")
TEST_REDIS_URL = worker_redis_url(os.environ.get("CROSSROADS_TEST_REDIS_URL"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    """What this run can reach, so a reader knows which passes run and why others skip."""
    postgres = (
        "sqlite and postgresql (CROSSROADS_TEST_DATABASE_URL is set): integration tests on a "
        "live server run twice, ids [sqlite] then [postgresql]"
        if TEST_DATABASE_URL
        else "sqlite only: the [postgresql] pass skips, CROSSROADS_TEST_DATABASE_URL is not set "
        "(`make test` sets it when scripts/test-services can start PostgreSQL)"
    )
    redis = (
        "redis: on (CROSSROADS_TEST_REDIS_URL is set)"
        if TEST_REDIS_URL
        else "redis: off, the multi-node tests skip (CROSSROADS_TEST_REDIS_URL is not set)"
    )
    tools = {
        "chromium": bool(shutil.which("chromium")) or Path("/usr/bin/chromium").exists(),
        "nginx": bool(shutil.which("nginx")),
        "poppler": bool(shutil.which("pdftotext") and shutil.which("pdftoppm")),
        "redis-server": bool(shutil.which("redis-server")),
    }
    found = ", ".join(f"{name} {'yes' if ok else 'MISSING'}" for name, ok in tools.items())
    return [f"backends: {postgres}", redis, f"tools: {found} (`make test` installs them)"]


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
