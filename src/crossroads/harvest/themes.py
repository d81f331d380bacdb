"""Finding themes: encode contributions, cluster them, name each cluster by its keyphrases.

The default ``TfidfEncoder`` needs nothing but scikit-learn and is deterministic: word and
character n-gram TF-IDF (character n-grams keep "vivienda"/"viviendas" or "logement"/"logements"
together without a stemmer per language), reduced by LSA, L2-normalised. KMeans runs for every k
in 3..7 and the k with the best silhouette wins. Keyphrases are the word n-grams whose TF-IDF is
highest inside a cluster relative to outside it.

The default encoder is ``embeddings.SentenceEncoder`` (multilingual sentence embeddings); its
rows are clustered by ``cluster_by_meaning``: average-linkage agglomerative clustering on cosine
distance after removing the prompt's mean direction, the number of themes chosen by silhouette.
The TF-IDF path above is the fallback when the model cannot load.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from crossroads.harvest.stopwords import STOP_WORDS

MIN_THEMES = 3
MAX_THEMES = 7
RANDOM_STATE = 0
# Silhouette is quadratic in the number of points: above this it is estimated on a fixed sample.
_SILHOUETTE_SAMPLE = 1000
# Words of three letters or more; digits and underscores are not words.
_WORD = r"(?u)\b[^\W\d_]{3,}\b"


class Encoder(Protocol):
    """Turns documents (and sentences, in the same space) into L2-normalised dense rows."""

    def encode(
        self, documents: Sequence[str], sentences: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]: ...


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        token_pattern=_WORD,
        stop_words=sorted(STOP_WORDS),
        sublinear_tf=True,
        lowercase=True,
    )


@dataclass(frozen=True)
class TfidfEncoder:
    """Word + character n-gram TF-IDF, reduced to ``dimensions`` by LSA."""

    dimensions: int = 100
    char_weight: float = 0.4

    def encode(
        self, documents: Sequence[str], sentences: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        doc_parts, sentence_parts = [], []
        for vectorizer, weight in (
            (_word_vectorizer(), 1.0),
            (
                TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
                self.char_weight,
            ),
        ):
            try:
                matrix = vectorizer.fit_transform(documents)
            except ValueError:  # empty vocabulary: every document was stop words or symbols
                continue
            doc_parts.append(weight * matrix)
            if sentences:
                sentence_parts.append(weight * vectorizer.transform(sentences))
            else:
                sentence_parts.append(sparse.csr_matrix((0, matrix.shape[1])))
        if not doc_parts:
            zeros = np.zeros((len(documents), 1)), np.zeros((len(sentences), 1))
            return zeros
        docs = sparse.hstack(doc_parts).tocsr()
        sents = sparse.hstack(sentence_parts).tocsr()
        components = min(self.dimensions, docs.shape[0] - 1, docs.shape[1] - 1)
        if components >= 2:
            svd = TruncatedSVD(n_components=components, random_state=RANDOM_STATE)
            # Identical documents have zero variance; SVD's explained-variance ratio then
            # divides by zero. The projection is still right, only that ratio is unused.
            with np.errstate(divide="ignore", invalid="ignore"):
                reduced = normalize(svd.fit_transform(docs))
            if sents.shape[0] == 0:
                return reduced, np.zeros((0, components))
            return reduced, normalize(svd.transform(sents))
        dense_sentences = sents.toarray()
        if dense_sentences.shape[0]:
            dense_sentences = normalize(dense_sentences)
        return normalize(docs.toarray()), dense_sentences


@dataclass(frozen=True)
class Cluster:
    """Indices of the documents in one theme, its keyphrases, and its centre."""

    members: tuple[int, ...]
    keyphrases: tuple[str, ...]
    centroid: np.ndarray = field(compare=False, repr=False)


def choose_labels(
    vectors: np.ndarray, *, min_themes: int = MIN_THEMES, max_themes: int = MAX_THEMES
) -> np.ndarray:
    """Cluster rows into ``min_themes..max_themes`` groups, fewer only when there are few rows.

    Returns one label per row; label 0 is the largest cluster.
    """
    n = vectors.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int)
    distinct = np.unique(np.round(vectors, 6), axis=0).shape[0]
    if distinct <= 1:
        return np.zeros(n, dtype=int)
    if n <= min_themes:
        return _relabel_by_size(np.arange(n))
    high = min(max_themes, n - 1, distinct)
    low = min(min_themes, high)
    best: tuple[float, np.ndarray] | None = None
    for k in range(low, high + 1):
        labels = _kmeans(vectors, k)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(
            silhouette_score(
                vectors,
                labels,
                sample_size=_SILHOUETTE_SAMPLE if n > _SILHOUETTE_SAMPLE else None,
                random_state=RANDOM_STATE,
            )
        )
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    if best is None:
        return np.zeros(n, dtype=int)
    return _relabel_by_size(best[1])


def _kmeans(vectors: np.ndarray, k: int) -> np.ndarray:
    with warnings.catch_warnings():
        # Near-duplicate notes can leave fewer distinct points than k; KMeans then warns.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KMeans(n_clusters=k, n_init=4, random_state=RANDOM_STATE).fit_predict(vectors)


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Largest cluster first; equal sizes by their first member, so output is stable."""
    order = sorted(
        set(labels.tolist()),
        key=lambda c: (-int(np.sum(labels == c)), int(np.argmax(labels == c))),
    )
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping[x] for x in labels.tolist()], dtype=int)


def keyphrases(
    documents: Sequence[str], labels: np.ndarray, *, top: int = 5
) -> list[tuple[str, ...]]:
    """Per cluster, the word n-grams most typical of it (in-cluster minus out-of-cluster TF-IDF).

    A term must occur in two of the cluster's documents (or its only one); a word already inside
    a chosen two-word phrase is skipped.
    """
    count = int(labels.max()) + 1 if labels.size else 0
    vectorizer = _word_vectorizer()
    try:
        matrix = vectorizer.fit_transform(documents).tocsc()
    except ValueError:
        return [() for _ in range(count)]
    terms = vectorizer.get_feature_names_out()
    present = (matrix > 0).astype(np.int32)
    result: list[tuple[str, ...]] = []
    for cluster in range(count):
        inside = labels == cluster
        mean_in = np.asarray(matrix[inside].mean(axis=0)).ravel()
        mean_out = np.asarray(matrix[~inside].mean(axis=0)).ravel() if (~inside).any() else 0.0
        support = np.asarray(present[inside].sum(axis=0)).ravel()
        needed = min(2, int(inside.sum()))
        score = np.where(support >= needed, mean_in - mean_out, -np.inf)
        # Stable order: by score, then alphabetically, so ties never depend on hashing.
        ranked = sorted(
            (i for i in np.flatnonzero(np.isfinite(score) & (mean_in > 0))),
            key=lambda i: (-round(float(score[i]), 9), terms[i]),
        )
        chosen: list[str] = []
        for i in ranked:
            term = str(terms[i])
            words = term.split()
            if len(words) == 2 and words[0] == words[1]:
                continue
            if any(term in c.split() or term == c for c in chosen):
                continue
            if len(words) == 2 and any(w in chosen for w in words):
                chosen = [c for c in chosen if c not in words]
            chosen.append(term)
            if len(chosen) == top:
                break
        result.append(tuple(chosen))
    return result


def find_clusters(
    documents: Sequence[str],
    doc_vectors: np.ndarray,
    *,
    min_themes: int = MIN_THEMES,
    max_themes: int = MAX_THEMES,
) -> list[Cluster]:
    labels = choose_labels(doc_vectors, min_themes=min_themes, max_themes=max_themes)
    phrases = keyphrases(documents, labels)
    clusters = []
    for cluster, cluster_phrases in enumerate(phrases):
        members = tuple(int(i) for i in np.flatnonzero(labels == cluster))
        centroid = normalize(doc_vectors[list(members)].mean(axis=0, keepdims=True))[0]
        clusters.append(Cluster(members=members, keyphrases=cluster_phrases, centroid=centroid))
    return clusters


# Clustering by meaning: a dendrogram is cut for every k from 2 to this, the best silhouette wins.
MAX_MEANING_THEMES = 8
# Average linkage keeps an n x n distance matrix: above this many rows the dendrogram is built
# on an evenly spread sample and the other rows join the nearest resulting centre.
_LINKAGE_SAMPLE = 1000


def cluster_by_meaning(vectors: np.ndarray, *, max_themes: int = MAX_MEANING_THEMES) -> np.ndarray:
    """One label per row (0 = largest cluster); the number of clusters is chosen here.

    Every contribution to a prompt shares the prompt's topic, so the mean direction is removed
    first: what is left is what tells contributions apart. Average linkage on cosine distance,
    with k from 2 to ``max_themes`` (at most a third of the rows) chosen by the silhouette,
    did best on the held-out calls of bench/harvest_quality.py (better than Ward, spectral
    clustering and embeddings joined with TF-IDF).
    """
    n = vectors.shape[0]
    if n < 4:
        return np.zeros(n, dtype=int)
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    if float(norms.max()) < 1e-6:  # every row the same
        return np.zeros(n, dtype=int)
    centred = centred / np.where(norms < 1e-9, 1.0, norms)
    if n > _LINKAGE_SAMPLE:
        sample = np.linspace(0, n - 1, _LINKAGE_SAMPLE).round().astype(int)
    else:
        sample = np.arange(n)
    points = centred[sample].astype(np.float64)
    # Cosine distances once, for the dendrogram and every silhouette.
    distances = np.clip(1.0 - points @ points.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    high = min(max_themes, len(sample) // 3)
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, high + 1):
        labels = fcluster(tree, t=k, criterion="maxclust") - 1
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(distances, labels, metric="precomputed"))
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    if best is None:
        return np.zeros(n, dtype=int)
    labels = best[1]
    if n > len(sample):
        count = int(labels.max()) + 1
        centres = normalize(np.vstack([points[labels == c].mean(axis=0) for c in range(count)]))
        full = np.empty(n, dtype=int)
        for start in range(0, n, 4096):
            full[start : start + 4096] = np.argmax(centred[start : start + 4096] @ centres.T, 1)
        labels = full
    return _relabel_by_size(labels)


def assign_by_words(
    documents: Sequence[str], sample: np.ndarray, sample_labels: np.ndarray
) -> np.ndarray:
    """Labels for every document, given the labels of an embedded sample of them.

    For prompts too large to embed whole (see ``reflection.EMBED_LIMIT``): each cluster's centre
    in hashed character n-gram space is taken from its sampled members, and every document goes
    to the nearest centre. Hashing keeps no vocabulary and the documents are read in chunks, so
    memory stays flat however large the notes are. Sampled documents keep their own labels.
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 4), n_features=2**18, alternate_sign=False
    )
    count = int(sample_labels.max()) + 1
    sample_matrix = vectorizer.transform([documents[i] for i in sample])
    centres = normalize(
        sparse.vstack(
            [
                sparse.csr_matrix(sample_matrix[sample_labels == c].mean(axis=0))
                for c in range(count)
            ]
        )
    )
    labels = np.empty(len(documents), dtype=int)
    chunk = 20000
    for start in range(0, len(documents), chunk):
        block = vectorizer.transform(documents[start : start + chunk])
        labels[start : start + chunk] = np.asarray((block @ centres.T).argmax(axis=1)).ravel()
    labels[sample] = sample_labels
    return _relabel_by_size(labels)
