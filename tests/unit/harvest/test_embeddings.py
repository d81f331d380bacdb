from __future__ import annotations

import pytest

from crossroads.harvest.embeddings import SentenceEncoder, embeddings_available
from crossroads.harvest.themes import find_clusters
from tests.unit.harvest.corpus import planted_notes

pytestmark = pytest.mark.unit


@pytest.mark.skipif(
    not embeddings_available(), reason="the harvest-embeddings extra is not installed"
)
def test_sentence_encoder_clusters_the_english_prompt() -> None:
    prompts, _ = planted_notes()
    texts = [c.text for c in prompts[0].contributions]

    vectors, sentences = SentenceEncoder().encode(texts, texts[:2])
    clusters = find_clusters(texts, vectors)

    assert vectors.shape == (60, 384)
    assert sentences.shape == (2, 384)
    assert 3 <= len(clusters) <= 7
