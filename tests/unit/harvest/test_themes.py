from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads.harvest.themes import TfidfEncoder, choose_labels, find_clusters, keyphrases
from tests.unit.harvest.corpus import planted_notes

pytestmark = pytest.mark.unit


def _purity(members: list[tuple[int, ...]], planted: list[str]) -> float:
    majority = sum(Counter(planted[i] for i in m).most_common(1)[0][1] for m in members)
    return majority / len(planted)


@pytest.mark.parametrize(("prompt_index", "language"), [(0, "en"), (1, "es"), (2, "fr")])
def test_themes_recover_planted_themes_with_purity_of_at_least_0_8(
    prompt_index: int, language: str
) -> None:
    prompts, labels = planted_notes()
    prompt = prompts[prompt_index]
    texts = [c.text for c in prompt.contributions]

    vectors, _ = TfidfEncoder().encode(texts, [])
    clusters = find_clusters(texts, vectors)

    assert 3 <= len(clusters) <= 7, language
    assert sum(len(c.members) for c in clusters) == len(texts)
    assert _purity([c.members for c in clusters], labels[prompt.prompt_id]) >= 0.8


def test_themes_keyphrases_name_the_planted_vocabulary() -> None:
    prompts, labels = planted_notes()
    texts = [c.text for c in prompts[1].contributions]

    vectors, _ = TfidfEncoder().encode(texts, [])
    clusters = find_clusters(texts, vectors)

    vivienda = [
        c
        for c in clusters
        if Counter(labels["p2"][i] for i in c.members).most_common(1)[0][0] == "vivienda"
    ]
    words = " ".join(p for c in vivienda for p in c.keyphrases)
    assert any(w in words for w in ("vivienda", "desahucios", "alquiler", "caseros", "inquilinas"))


def test_themes_are_the_same_for_the_same_input() -> None:
    prompts, _ = planted_notes()
    texts = [c.text for c in prompts[0].contributions]

    first = find_clusters(texts, TfidfEncoder().encode(texts, [])[0])
    second = find_clusters(texts, TfidfEncoder().encode(texts, [])[0])

    assert [(c.members, c.keyphrases) for c in first] == [(c.members, c.keyphrases) for c in second]


@pytest.mark.parametrize(("count", "expected"), [(0, 0), (1, 1), (2, 2), (3, 3)])
def test_themes_are_fewer_than_three_only_for_fewer_contributions(
    count: int, expected: int
) -> None:
    texts = ["rent strike now", "heat waves and floods", "union wages matter"][:count]

    vectors, _ = TfidfEncoder().encode(texts, []) if texts else (np.zeros((0, 1)), None)
    labels = choose_labels(vectors)

    assert len(set(labels.tolist())) == expected


def test_identical_contributions_make_one_theme() -> None:
    texts = ["Rent control now."] * 8

    vectors, _ = TfidfEncoder().encode(texts, [])

    assert choose_labels(vectors).tolist() == [0] * 8


def test_keyphrases_of_stop_words_only_are_empty() -> None:
    assert keyphrases(["the and of", "y de la"], np.array([0, 1])) == [(), ()]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcdefghij klmnoé.", min_size=1, max_size=40),
        min_size=1,
        max_size=30,
    )
)
def test_theme_count_stays_within_bounds(texts: list[str]) -> None:
    vectors, _ = TfidfEncoder().encode(texts, [])

    labels = choose_labels(vectors)

    themes = len(set(labels.tolist()))
    assert 1 <= themes <= 7
    assert themes >= min(3, len(set(map(str, np.round(vectors, 6).tolist()))))
