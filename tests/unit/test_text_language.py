"""One rule for the language a prompt is shown in (#28), and every reader of a prompt using it."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.convenings.live_views import _agenda
from crossroads.text_language import language_of, text_in
from crossroads.web import i18n
from crossroads.web.routers.notes import _sections
from crossroads.web.templating import create_templates

pytestmark = pytest.mark.unit

LANGS = st.sampled_from(["en", "es", "fr", "de", "ar"])
texts = st.dictionaries(LANGS, st.sampled_from(["", "a text", "otro"]), max_size=5)


@given(texts, LANGS, st.lists(LANGS, max_size=4))
def test_the_language_chosen_has_text_whenever_any_language_has(
    prompt: dict[str, str], wanted: str, fallbacks: list[str]
) -> None:
    chosen = language_of(prompt, wanted, fallbacks)

    assert text_in(prompt, wanted, fallbacks) == prompt.get(chosen, "")
    if prompt.get(wanted):
        assert chosen == wanted
    elif any(prompt.values()):
        assert prompt[chosen]
        earlier = fallbacks[: fallbacks.index(chosen)] if chosen in fallbacks else fallbacks
        assert not any(prompt.get(language) for language in earlier)
    else:
        assert (chosen, text_in(prompt, wanted, fallbacks)) == (wanted, "")


def _plan(prompt_texts: dict[str, str]) -> SimpleNamespace:
    prompt = SimpleNamespace(public_id="p1", texts=prompt_texts)
    round_ = SimpleNamespace(
        public_id="r1", title="Round", kind="pairs", duration_minutes=10, prompts=(prompt,)
    )
    return SimpleNamespace(convening=SimpleNamespace(languages=("en", "es")), rounds=(round_,))


@pytest.mark.parametrize(
    ("prompt_texts", "shown"),
    [
        # A French reader: the original (the convening's first language), not the dict's first.
        ({"es": "¿Dónde?", "en": "Where?"}, ("en", "Where?")),
        # A language the convening dropped still shows rather than a blank prompt.
        ({"de": "Wo?"}, ("de", "Wo?")),
    ],
)
def test_every_reader_of_a_prompt_shows_it_in_the_same_language(
    prompt_texts: dict[str, str], shown: tuple[str, str]
) -> None:
    plan = _plan(prompt_texts)
    i18n.activate("fr")
    try:
        page = create_templates().env.get_template("participant/_agenda.html").render(plan=plan)
    finally:
        i18n.activate("en")
    item = re.search(r'<li lang="(\w+)" dir="ltr">([^<]*)</li>', page)
    assert item is not None, page
    [live] = _agenda(SimpleNamespace(plan=plan), "fr")[0]["prompts"]
    [section] = _sections(plan, "fr")  # type: ignore[arg-type]

    assert (item[1], item[2]) == shown
    assert (live["lang"], live["text"]) == shown
    assert section["label"] == shown[1]
