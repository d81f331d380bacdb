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


# One visual language (#29): colours, spaces and type sizes come from the tokens at the top.
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(|(?<![\w-])(?:white|black|red)\b(?!-)")
SPACING = re.compile(
    r"(?<![\w-])(?:margin|padding|gap|row-gap|column-gap)(?:-(?:inline|block)(?:-(?:start|end))?)?"
    r"\s*:\s*([^;}]*)"
)
FONT_SIZE = re.compile(r"(?<![\w-])font-size\s*:\s*([^;}]*)")


def _tokens_and_rest() -> tuple[str, str]:
    rules = _rules()
    start = rules.index(":root {")
    end = rules.index("}", start) + 1
    return rules[start:end], rules[:start] + rules[end:]


def _tokens() -> dict[str, str]:
    block, _rest = _tokens_and_rest()
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", block))


def test_only_the_tokens_name_colours() -> None:
    _block, rest = _tokens_and_rest()

    assert COLOUR.findall(rest) == []


def test_spacing_comes_from_the_spacing_scale() -> None:
    _block, rest = _tokens_and_rest()
    off_scale = [
        value
        for value in SPACING.findall(rest)
        if re.search(r"\d*\.?\d+(?:rem|em|px)", re.sub(r"var\([^)]*\)", "", value))
    ]

    assert off_scale == []


def test_type_sizes_come_from_the_type_scale() -> None:
    _block, rest = _tokens_and_rest()
    # The type scale's own sizes, and relative ones (inherit, 1em) that follow it.
    off_scale = [
        v for v in FONT_SIZE.findall(rest) if not re.fullmatch(r"var\(--cr-text-\w+\)|inherit", v)
    ]

    assert off_scale == []


def _rgb(colour: str, pico: dict[str, str]) -> tuple[float, float, float, float]:
    """A CSS colour as red, green, blue (0..255) and alpha; var() looked up in Pico's theme."""
    colour = colour.strip()
    if match := re.fullmatch(r"var\((--[\w-]+)\)", colour):
        return _rgb(pico.get(match.group(1)) or _tokens()[match.group(1)], pico)
    if colour.startswith("#"):
        digits = colour[1:]
        if len(digits) in (3, 4):
            digits = "".join(d * 2 for d in digits)
        values = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        alpha = values[3] / 255 if len(values) == 4 else 1.0
        return values[0], values[1], values[2], alpha
    numbers = [float(n) for n in re.findall(r"[\d.]+", colour)]
    return numbers[0], numbers[1], numbers[2], numbers[3] if len(numbers) > 3 else 1.0


def _over(top: tuple[float, float, float, float], below: tuple[float, ...]) -> tuple[float, ...]:
    a = top[3]
    return (*(top[i] * a + below[i] * (1 - a) for i in range(3)), 1.0)


def contrast(one: tuple[float, ...], other: tuple[float, ...]) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""

    def luminance(c: tuple[float, ...]) -> float:
        def channel(v: float) -> float:
            v /= 255
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _pico_theme(name: str) -> dict[str, str]:
    """Pico's colour variables for the light or the dark theme, from the built stylesheet."""
    pico = (CSS.parent / "build" / "pico.min.css").read_text()
    marker = (
        ":root:not([data-theme=dark]),[data-theme=light]{"
        if name == "light"
        else "[data-theme=dark]{"
    )
    start = pico.index(marker) + len(marker)
    block = pico[start : pico.index("}", start)]
    return dict(re.findall(r"(--pico-[\w-]+):([^;]+)", block))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_and_background_pairs_pass_wcag_aa(theme: str) -> None:
    pico = _pico_theme(theme)
    page = _rgb("var(--pico-background-color)", pico)
    card = _over(_rgb("var(--pico-card-background-color)", pico), page)
    video = _rgb("var(--cr-video-background)", pico)
    pairs = {
        "text": ("var(--pico-color)", page),
        "muted text": ("var(--cr-muted)", page),
        "muted text on a card": ("var(--cr-muted)", card),
        "links": ("var(--cr-accent)", page),
        "errors, warnings": ("var(--cr-danger)", page),
        "the wrap-up clock": ("var(--cr-success)", page),
        "primary button": (
            "var(--pico-primary-inverse)",
            _rgb("var(--pico-primary-background)", pico),
        ),
        "secondary button": (
            "var(--pico-secondary-inverse)",
            _rgb("var(--pico-secondary-background)", pico),
        ),
        "names on video": (
            "var(--cr-on-video)",
            _over(_rgb("var(--cr-video-caption)", pico), video),
        ),
        "muted badge": ("var(--cr-on-video)", _rgb("var(--cr-alert)", pico)),
    }
    ratios = {what: contrast(_rgb(text, pico), back) for what, (text, back) in pairs.items()}

    assert {what: round(r, 2) for what, r in ratios.items() if r < 4.5} == {}
