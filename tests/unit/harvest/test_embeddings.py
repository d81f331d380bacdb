from __future__ import annotations

import numpy as np
import pytest

from crossroads.harvest.embeddings import SentenceEncoder, default_encoder
from crossroads.harvest.themes import TfidfEncoder, cluster_by_meaning

pytestmark = pytest.mark.unit

# Three themes, each said in English, Spanish and French with no word in common.
_PLANTED = [
    ("housing", "Rents doubled and families are being evicted from their flats."),
    ("housing", "Los alquileres suben y los desahucios no paran."),
    ("housing", "Les loyers explosent et les expulsions se multiplient."),
    ("housing", "Landlords push tenants out to raise the rent."),
    ("water", "The wells are drying up every summer."),
    ("water", "La sequía nos deja sin agua potable."),
    ("water", "Les nappes phréatiques baissent, plus d'eau pour irriguer."),
    ("water", "Taps run dry and people queue for water tankers."),
    ("youth", "Young people leave for the cities to find work."),
    ("youth", "Los jóvenes emigran y los pueblos se quedan vacíos."),
    ("youth", "Nos enfants partent à l'étranger faute d'emploi."),
    ("youth", "The next generation moves away from our villages."),
]


def test_the_default_encoder_is_the_packaged_multilingual_model() -> None:
    encoder, fallback = default_encoder()

    assert fallback is None
    assert isinstance(encoder, SentenceEncoder)


def test_sentence_encoder_rows_are_unit_length_and_512_wide() -> None:
    texts = [text for _, text in _PLANTED]

    vectors, sentences = SentenceEncoder().encode(texts, texts[:2])

    assert vectors.shape == (12, 512)
    assert sentences.shape == (2, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # The same text encodes the same, in any batch.
    assert np.allclose(vectors[:2], sentences, atol=1e-5)


def test_the_same_theme_in_three_languages_is_one_cluster() -> None:
    texts = [text for _, text in _PLANTED]

    labels = cluster_by_meaning(SentenceEncoder().encode(texts, [])[0])

    groups = {}
    for (theme, _), label in zip(_PLANTED, labels.tolist(), strict=True):
        groups.setdefault(theme, set()).add(label)
    assert all(len(found) == 1 for found in groups.values()), groups
    assert len(set(labels.tolist())) == 3


def test_tfidf_cannot_join_languages_which_is_why_it_is_only_the_fallback() -> None:
    texts = [text for _, text in _PLANTED]

    labels = cluster_by_meaning(TfidfEncoder().encode(texts, [])[0])

    groups = {}
    for (theme, _), label in zip(_PLANTED, labels.tolist(), strict=True):
        groups.setdefault(theme, set()).add(label)
    assert not all(len(found) == 1 for found in groups.values())


def test_notes_outside_the_embedded_sample_join_the_theme_of_their_words() -> None:
    from crossroads.harvest.themes import assign_by_words

    texts = [
        "rent rises and evictions in our street",
        "water wells dry up in summer drought",
        "rent strike against evictions downtown",
        "drought leaves the water wells empty",
        "evictions follow every rent rise",
        "no water in the wells this drought",
    ]
    sample = np.array([0, 1, 2, 3])

    labels = assign_by_words(texts, sample, np.array([0, 1, 0, 1]))

    assert labels[4] == labels[0] == labels[2]
    assert labels[5] == labels[1] == labels[3]
    assert labels[0] != labels[1]
