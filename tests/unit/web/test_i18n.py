"""Language negotiation and gettext activation."""

from __future__ import annotations

import pytest

from crossroads.web import i18n

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("accept", "chosen", "expected"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.5", None, "fr"),
        ("de,es;q=0.4,en;q=0.3", None, "es"),
        ("de", None, "en"),
        (None, None, "en"),
        ("fr", "es", "es"),
        ("fr", "xx", "fr"),
        ("en;q=bad,fr;q=0.1", None, "fr"),
    ],
)
def test_negotiate_picks_chosen_then_best_accepted(
    accept: str | None, chosen: str | None, expected: str
) -> None:
    assert i18n.negotiate(accept, chosen) == expected


def test_activate_unknown_language_falls_back_to_english() -> None:
    i18n.activate("xx")

    assert i18n.current_language() == "en"
    assert i18n.gettext("Log in") == "Log in"
