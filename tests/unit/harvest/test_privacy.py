from __future__ import annotations

import pytest

from crossroads.harvest.model import RosterEntry
from crossroads.harvest.privacy import Scrubber, clean_text

pytestmark = pytest.mark.unit

ana = RosterEntry("a", "Ana Lucía Pérez", "Vecinas Unidas", consent_quote=True)
bilal = RosterEntry("b", "Bilal Haddad", "Friends of the Earth")


def test_scrubber_replaces_full_names_parts_and_organisations() -> None:
    scrubber = Scrubber([ana, bilal])

    text = scrubber.scrub("Ana Lucía Pérez told bilal that PÉREZ and Friends of the Earth agree.")

    assert text == ("[participant] told [participant] that [participant] and [organisation] agree.")


def test_scrubber_leaves_words_that_only_contain_a_name() -> None:
    assert Scrubber([ana]).scrub("Banana farmers in Anatolia") == "Banana farmers in Anatolia"


def test_scrubber_without_roster_changes_nothing() -> None:
    assert Scrubber([]).scrub("Ana said so") == "Ana said so"


def test_clean_text_drops_control_characters() -> None:
    assert clean_text(" a\x00b\x0bc\x1f\n ") == "abc"
