"""Naming a theme by meaning: short phrases of its own contributions nearest its centre.

KeyBERT's idea with maximal marginal relevance: candidate phrases are the runs of one to three
content words between stop words and punctuation (RAKE's cut) in the theme's contributions
nearest its centre; each is embedded with the same model as the contributions; the first pick is
the phrase nearest the theme's centre, the next ones trade closeness for being unlike the
phrases already picked, so a name reads "rent rises, evictions" rather than "rent, rents".

Phrases are at most three words, so a name of two of them can never copy six words running
from anyone; names and organisations are filtered by the caller.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from crossroads.harvest.privacy import fold
from crossroads.harvest.stopwords import STOP_WORDS

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”«»…—–/]")
_MAX_WORDS = 3
_MIN_LETTERS = 3
# Candidates come from the contributions nearest the centre: enough to name it, bounded cost.
NEAREST_TEXTS = 30
_MAX_CANDIDATES = 40
_DIVERSITY = 0.35
_FOLDED_STOP = frozenset(fold(w) for w in STOP_WORDS)


def _is_stop(word: str) -> bool:
    return fold(word) in _FOLDED_STOP or len(word) < _MIN_LETTERS


def candidate_phrases(texts: Sequence[str]) -> Counter[str]:
    """Lower-cased runs of 1 to 3 content words, with how many texts hold each."""
    counts: Counter[str] = Counter()
    for text in texts:
        seen: set[str] = set()
        for chunk in _BREAK.split(text):
            run: list[str] = []
            for word in [*_WORD.findall(chunk), ""]:
                if word and not _is_stop(word) and "[" not in word:
                    run.append(word.lower().strip("'’-"))
                    continue
                for size in range(1, _MAX_WORDS + 1):
                    for start in range(len(run) - size + 1):
                        seen.add(" ".join(run[start : start + size]))
                run = []
        counts.update(p for p in seen if p)
    return counts


def name_phrases(
    texts: Sequence[str],
    centre: np.ndarray,
    embed: Callable[[Sequence[str]], np.ndarray],
    *,
    top: int = 3,
    allowed: Callable[[str], bool] = lambda _phrase: True,
) -> tuple[str, ...]:
    """Up to ``top`` phrases of ``texts`` that say what they share (see the module docstring).

    ``texts`` are the theme's contributions nearest its centre first; ``embed`` returns
    L2-normalised rows in the space of ``centre``.
    """
    counts = candidate_phrases(texts[:NEAREST_TEXTS])
    phrases = [p for p in counts if allowed(p)]
    if not phrases:
        return ()
    # Phrases said more than once first, then longer ones: a bounded, stable candidate list.
    phrases.sort(key=lambda p: (-counts[p], -len(p.split()), p))
    phrases = phrases[:_MAX_CANDIDATES]
    vectors = embed(phrases)
    relevance = vectors @ centre
    # Said by several people counts for a little: a phrase of one contribution can be near the
    # centre by chance.
    support = np.array([min(counts[p], 3) for p in phrases], dtype=float)
    score = relevance + 0.05 * (support - 1)
    chosen = [int(np.argmax(score))]
    while len(chosen) < min(top, len(phrases)):
        similarity = (vectors @ vectors[chosen].T).max(axis=1)
        mmr = (1 - _DIVERSITY) * score - _DIVERSITY * similarity
        mmr[chosen] = -np.inf
        # Never a phrase inside one already picked ("rent" after "rent rises").
        for i, phrase in enumerate(phrases):
            if any(phrase in phrases[c] or phrases[c] in phrase for c in chosen):
                mmr[i] = -np.inf
        best = int(np.argmax(mmr))
        if not np.isfinite(mmr[best]):
            break
        chosen.append(best)
    return tuple(phrases[i] for i in chosen)
