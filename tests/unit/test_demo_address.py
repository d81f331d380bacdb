"""Where `crossroads demo` listens and what its links say agree (#26)."""

from __future__ import annotations

import re

import pytest

from crossroads.cli import demo_address
from crossroads.settings import Settings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def no_address_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CROSSROADS_HOST", "CROSSROADS_PORT", "CROSSROADS_PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def settings(**env: object) -> Settings:
    return Settings(**env)  # type: ignore[arg-type]  # as if from CROSSROADS_* variables


@pytest.mark.parametrize(
    ("flags", "env", "expected"),
    [
        ((None, None), {}, ("127.0.0.1", 8000, "http://127.0.0.1:8000")),
        ((None, 9000), {}, ("127.0.0.1", 9000, "http://127.0.0.1:9000")),
        ((None, None), {"port": 9100}, ("127.0.0.1", 9100, "http://127.0.0.1:9100")),
        (
            (None, None),
            {"public_base_url": "http://localhost:9200/"},
            ("127.0.0.1", 9200, "http://localhost:9200"),
        ),
        # Behind a proxy the links name the proxy; the demo listens where it is told.
        (
            ("0.0.0.0", None),
            {"public_base_url": "https://demo.example.org"},
            ("0.0.0.0", 8000, "https://demo.example.org"),
        ),
    ],
)
def test_demo_listens_where_its_links_point(
    flags: tuple[str | None, int | None], env: dict[str, object], expected: tuple[str, int, str]
) -> None:
    assert demo_address(*flags, settings(**env)) == expected


def test_a_local_link_on_another_port_is_refused_naming_both() -> None:
    expected = re.escape("is http://127.0.0.1:9300, but the demo would listen on port 8000")
    with pytest.raises(ValueError, match=expected):
        demo_address(None, 8000, settings(public_base_url="http://127.0.0.1:9300"))
