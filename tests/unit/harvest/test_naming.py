from __future__ import annotations

import numpy as np
import pytest

from crossroads.harvest.embeddings import SentenceEncoder
from crossroads.harvest.naming import candidate_phrases, name_phrases

pytestmark = pytest.mark.unit


def test_candidates_are_runs_of_content_words_cut_at_stop_words_and_punctuation() -> None:
    counts = candidate_phrases(
        ["Rent rises push families out of the city, fast.", "Rent rises again."]
    )

    assert counts["rent rises"] == 2
    assert counts["rent rises push"] == 1
    assert "city fast" not in counts  # a comma cuts the run
    assert "of the" not in counts and "the city" not in counts  # stop words cut it too
    assert all(len(p.split()) <= 3 for p in counts)


def test_name_phrases_pick_what_the_theme_shares_and_differ_from_each_other() -> None:
    texts = [
        "Rents doubled and families are being evicted.",
        "Los alquileres suben y los desahucios no paran.",
        "Les loyers explosent et les expulsions se multiplient.",
        "Landlords push tenants out to raise the rent.",
    ]
    encoder = SentenceEncoder()
    vectors = encoder.encode(texts, [])[0]
    centre = vectors.mean(axis=0)
    centre /= np.linalg.norm(centre)

    phrases = name_phrases(texts, centre, lambda batch: encoder.encode(batch, [])[0], top=3)

    assert 1 <= len(phrases) <= 3
    joined = " ".join(phrases)
    assert any(w in joined for w in ("rent", "alquiler", "loyer", "evict", "desahucio", "tenant"))
    # No phrase inside another: "rents" and "rents doubled" are never both picked.
    assert not any(a != b and a in b for a in phrases for b in phrases)


def test_name_phrases_leave_out_what_the_caller_forbids() -> None:
    texts = ["Ana Pérez wants rent control.", "Rent control for Ana Pérez's street."]
    encoder = SentenceEncoder()
    centre = encoder.encode(["rent control"], [])[0][0]

    phrases = name_phrases(
        texts, centre, lambda b: encoder.encode(b, [])[0], allowed=lambda p: "ana" not in p
    )

    assert phrases and all("ana" not in p for p in phrases)
