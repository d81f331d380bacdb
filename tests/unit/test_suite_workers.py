"""The suite's own parallel runs (`make test`: two pytest-xdist workers) keep their Redis
data apart: each worker moves CI's Redis URL to a database number of its own."""

from __future__ import annotations

import pytest

from tests.conftest import worker_redis_url

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6390/0", "", "redis://127.0.0.1:6390/0"),  # one process: as given
        ("redis://127.0.0.1:6390/0", "gw0", "redis://127.0.0.1:6390/0"),
        ("redis://127.0.0.1:6390/0", "gw1", "redis://127.0.0.1:6390/1"),
        ("redis://127.0.0.1:6390", "gw1", "redis://127.0.0.1:6390/1"),  # no number means 0
        ("redis://:secret@127.0.0.1:6390/3", "gw2", "redis://:secret@127.0.0.1:6390/5"),
        ("redis://127.0.0.1:6390/15", "gw1", "redis://127.0.0.1:6390/0"),  # 16 databases
        (None, "gw1", None),  # no Redis: the tests that need it skip
    ],
)
def test_each_worker_gets_a_redis_database_of_its_own(
    url: str | None, worker: str, expected: str | None
) -> None:
    assert worker_redis_url(url, worker) == expected
