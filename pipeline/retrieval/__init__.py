"""Retrieval for RAG experiments: passages in, ranked hits out.

One seam, :class:`Retriever`: ``search(queries, k)`` takes a batch of queries and returns, for
each, at most ``k`` :class:`Hit`\\ s, best first. Results are deterministic: equal scores are
ordered by passage id, and a query's hits do not depend on the other queries in its batch.

Retrievers are registered by name (``retriever: bm25`` in an experiment file), and each factory
imports its dependency lazily, so ``import pipeline.retrieval`` imports neither bm25s nor
onnxruntime (nor numpy)::

    retriever = retriever_by_name("bm25", passages)
    hits = retriever.search(["who wrote the report?"], k=5)[0]

Built in: ``bm25`` (:mod:`pipeline.retrieval.bm25`, lexical, bm25s) and ``minilm``
(:mod:`pipeline.retrieval.embedding`, all-MiniLM-L6-v2 sentence embeddings through
onnxruntime). Metrics over hits live in :mod:`pipeline.retrieval.metrics`. A corpus is read
into :class:`Passage`\\ s by :mod:`pipeline.config.passages` (one type, one reader).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pipeline.config.passages import Passage
from pipeline.registry import Registry

if TYPE_CHECKING:
    from pipeline.retrieval.bm25 import BM25Retriever
    from pipeline.retrieval.embedding import EmbeddingRetriever


@dataclass(frozen=True)
class Hit:
    """A retrieved passage: its id, the retriever's score (higher is better; only comparable
    within one retriever) and its 1-based rank in the query's result list."""

    passage_id: str
    score: float
    rank: int


@runtime_checkable
class Retriever(Protocol):
    """Anything that ranks a fixed set of passages for a batch of queries."""

    def search(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        """For each query, at most ``k`` hits, best first; ties ordered by passage id."""
        ...


RetrieverFactory = Callable[..., Retriever]  # (passages, **options) -> Retriever
retrievers: Registry[RetrieverFactory] = Registry("retriever")


@retrievers.register("bm25")
def _bm25(passages: Sequence[Passage], **options: Any) -> Retriever:
    from pipeline.retrieval.bm25 import BM25Retriever

    return BM25Retriever(passages, **options)


@retrievers.register("minilm")
def _minilm(passages: Sequence[Passage], **options: Any) -> Retriever:
    from pipeline.retrieval.embedding import EmbeddingRetriever

    return EmbeddingRetriever(passages, **options)


def retriever_by_name(name: str, passages: Sequence[Passage], **options: Any) -> Retriever:
    """Build the retriever registered as ``name`` over ``passages``; ``options`` go to its
    constructor (``stem=False`` for bm25, ``threads=1`` for minilm).

    An unknown name raises :class:`~pipeline.errors.PipelineError` listing the valid ones."""
    return retrievers.get(name)(passages, **options)


# --- helpers shared by the retrievers -------------------------------------------------------


def check_passages(passages: Sequence[Passage]) -> list[Passage]:
    """The passages as a list, after checking that they are Passages with unique ids."""
    out = list(passages)
    seen: set[str] = set()
    for p in out:
        if not isinstance(p, Passage):
            raise TypeError(f"expected Passage, got {type(p).__name__}")
        if p.id in seen:
            raise ValueError(f"duplicate passage id {p.id!r}")
        seen.add(p.id)
    return out


def check_search_args(queries: Sequence[str], k: int) -> list[str]:
    """Reject the two easy mistakes: a bare string for the batch, and a k below 1."""
    if isinstance(queries, str):
        raise TypeError("queries must be a sequence of strings, not one string: pass [query]")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return list(queries)


def top_k_hits(ids: Sequence[str], scores: Any, k: int, *, min_score: float | None) -> list[Hit]:
    """The ``k`` best of ``scores`` (a 1-D numpy array aligned with ``ids``) as hits.

    Exact and deterministic: every passage tied with the k-th score is a candidate, and the
    candidates are ordered by (score descending, passage id ascending). Scores not above
    ``min_score`` are dropped (None keeps all)."""
    import numpy as np

    scores = np.asarray(scores, dtype=np.float64)
    cand = np.flatnonzero(scores > min_score) if min_score is not None else np.arange(len(ids))
    if len(cand) > k:
        kth = np.partition(scores[cand], len(cand) - k)[len(cand) - k]
        cand = cand[scores[cand] >= kth]
    order = sorted(cand.tolist(), key=lambda i: (-scores[i], ids[i]))[:k]
    return [Hit(ids[i], float(scores[i]), rank) for rank, i in enumerate(order, start=1)]


def __getattr__(name: str) -> Any:
    # The retriever classes, importable from the package without importing them eagerly.
    if name == "BM25Retriever":
        from pipeline.retrieval.bm25 import BM25Retriever

        return BM25Retriever
    if name == "EmbeddingRetriever":
        from pipeline.retrieval.embedding import EmbeddingRetriever

        return EmbeddingRetriever
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BM25Retriever",
    "EmbeddingRetriever",
    "Hit",
    "Passage",
    "Retriever",
    "RetrieverFactory",
    "retriever_by_name",
    "retrievers",
]
