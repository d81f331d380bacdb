"""Our stylesheet works right to left and respects reduced motion."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from crossroads.web import i18n
from crossroads.web.templating import create_templates

pytestmark = pytest.mark.unit
CSS = Path(i18n.__file__).resolve().parent / "static" / "crossroads.css"
# Physical properties and values that would point the wrong way on a right-to-left page.
PHYSICAL = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right|top|bottom)|left|right|top|bottom)\s*:"
    r"|(?:text-align|float|clear)\s*:\s*(?:left|right)"
)


def _rules() -> str:
    return re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)


def test_stylesheet_uses_only_logical_properties() -> None:
    found = PHYSICAL.findall(_rules())

    assert found == []


def test_stylesheet_turns_off_motion_when_asked() -> None:
    rules = _rules()
    block = rules[rules.index("@media (prefers-reduced-motion: reduce)") :]

    assert "transition: none !important" in block
    assert "animation: none !important" in block
    assert "scroll-behavior: auto !important" in block
    assert "*::before" in block and "*::after" in block


@pytest.mark.parametrize(
    ("language", "direction"),
    [
        ("ar", "rtl"),
        ("he", "rtl"),
        ("fa", "rtl"),
        ("ur", "rtl"),
        ("en", "ltr"),
        ("fr", "ltr"),
        ("es", "ltr"),
        ("pt-BR", "ltr"),
        ("not a language", "ltr"),
    ],
)
def test_text_direction_knows_right_to_left_scripts(language: str, direction: str) -> None:
    assert i18n.text_direction(language) == direction


def test_prompts_in_a_right_to_left_language_are_marked_rtl() -> None:
    template = create_templates().env.get_template("participant/_agenda.html")
    prompt = SimpleNamespace(texts={"ar": "ما الذي أتى بك؟", "en": "What brought you?"})
    round_ = SimpleNamespace(title="", kind="pairs", duration_minutes=12, prompts=[prompt])
    i18n.activate("en")

    convening = SimpleNamespace(languages=["en"])
    html_en = template.render(plan=SimpleNamespace(rounds=[round_], convening=convening))
    only_arabic = SimpleNamespace(texts={"ar": "ما الذي أتى بك؟"})
    html_ar = template.render(
        plan=SimpleNamespace(
            rounds=[SimpleNamespace(**{**vars(round_), "prompts": [only_arabic]})],
            convening=convening,
        )
    )

    assert '<li lang="en" dir="ltr">What brought you?</li>' in html_en
    assert '<li lang="ar" dir="rtl">ما الذي أتى بك؟</li>' in html_ar
