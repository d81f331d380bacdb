"""The JSON export names a theme's contributions by notes-file line or by the app's id (#27)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.harvest.export import reflection_data
from crossroads.harvest.model import Participation, PrivacyMode, PromptThemes, Reflection, Theme

pytestmark = pytest.mark.unit


def _note(theme_sources: tuple[str, ...], other_sources: tuple[str, ...]) -> Reflection:
    theme = Theme("Floods", ("floods",), len(theme_sources), people=2, sources=theme_sources)
    prompt = PromptThemes(
        "p1",
        "Where?",
        len(theme_sources) + len(other_sources),
        (theme,),
        other_count=len(other_sources),
        other_sources=other_sources,
    )
    return Reflection(
        "Call", PrivacyMode.NAMED, "en", Participation(2, 1, 0, 0, 0), prompts=(prompt,)
    )


def test_app_ids_keep_their_key_when_a_prompt_has_no_other_points() -> None:
    data = reflection_data(_note(("p1:1", "p1:3", "p1:4"), ()))

    prompt = data["prompts"][0]
    assert prompt["themes"][0]["contribution_ids"] == ["p1:1", "p1:3", "p1:4"]
    assert prompt["other_points"] == {"contributions": 0, "contribution_ids": []}


@given(
    st.lists(st.integers(1, 10_000), min_size=1, max_size=8, unique=True),
    st.lists(st.integers(1, 10_000), max_size=4, unique=True),
)
def test_notes_file_lines_are_sorted_numbers_everywhere(theme: list[int], other: list[int]) -> None:
    data = reflection_data(_note(tuple(map(str, theme)), tuple(map(str, other))))

    prompt = data["prompts"][0]
    assert prompt["themes"][0]["source_lines"] == sorted(theme)
    assert prompt["other_points"]["source_lines"] == sorted(other)
