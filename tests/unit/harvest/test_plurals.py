from __future__ import annotations

import pytest

from crossroads.harvest.outline import contributions_text, no_translation, people_text
from crossroads.web import i18n

pytestmark = pytest.mark.unit


def test_counts_read_in_english_without_a_catalogue() -> None:
    assert contributions_text(no_translation, 1) == "1 contribution"
    assert people_text(no_translation, 2) == "2 people"


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [("es", "1 aporte", "4 aportes"), ("fr", "1 personne", "4 personnes")],
)
def test_counts_use_the_catalogues_plural_forms(language: str, one: str, many: str) -> None:
    translate = i18n.translations_for(language).gettext
    render = contributions_text if language == "es" else people_text

    assert (render(translate, 1), render(translate, 4)) == (one, many)


def test_the_web_layers_gettext_carries_its_ngettext() -> None:
    i18n.activate("es")
    try:
        assert people_text(i18n.gettext, 3) == "3 personas"
    finally:
        i18n.activate("en")
