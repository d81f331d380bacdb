"""Issue areas found in what people wrote in the shared notes (intersections.areas_in_notes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.convenings.intersections import areas_in_notes

pytestmark = pytest.mark.unit

AREAS = ["Water", "Land rights", "Housing", "Seeds"]


def test_areas_are_found_per_author_as_whole_words_only() -> None:
    runs = [
        [("p1", "Land rights and WATER matter. "), ("p2", "Housing first")],
        [("p3", "Watershed maps"), ("h1", "a note by the host about seeds")],
    ]

    assert areas_in_notes(runs, AREAS) == {1: ["Land rights", "Water"], 2: ["Housing"]}


@given(
    st.lists(
        st.tuples(st.sampled_from(["p1", "p2", "h9", "", "px"]), st.text(max_size=40)),
        max_size=8,
    )
)
def test_every_area_found_is_in_the_vocabulary_and_in_its_authors_words(
    section: list[tuple[str, str]],
) -> None:
    found = areas_in_notes([section], AREAS)

    for pid, areas in found.items():
        words = " ".join(text for author, text in section if author == f"p{pid}").casefold()
        assert areas and all(area in AREAS and area.casefold() in words for area in areas)
