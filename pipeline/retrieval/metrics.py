"""Per-query retrieval metrics, plain Python.

Each function scores ONE query: ``hits`` is that query's result list, best first (the
:class:`~pipeline.retrieval.Hit`\\ s a retriever returned, or bare passage ids), and
``relevant`` the ids of the passages that answer it. A query with no relevant passage has no
recall and no reciprocal rank: both functions return ``None`` for it, never 0, so it cannot
drag a mean down.

Aggregating in a post
---------------------
Store one row per query with the per-query values (``None`` becomes SQL ``NULL``) and let the
post's named SQL take the means. SQL's ``AVG`` skips ``NULL``\\ s, so queries without a
relevant passage drop out of the mean by themselves, and ``COUNT(column)`` counts only the
queries that were scored (report it next to the mean)::

    SELECT retriever,
           AVG(recall_at_5)     AS recall_at_5,   -- mean Recall@5
           AVG(reciprocal_rank) AS mrr,           -- mean reciprocal rank = MRR
           COUNT(reciprocal_rank) AS n_queries    -- queries with ≥ 1 relevant passage
    FROM retrieval_per_query
    GROUP BY retriever

(``retrieval_per_query`` stands for wherever the per-query values land, e.g. a ``metrics``
JSON field read with ``CAST(m->>'recall_at_5' AS DOUBLE)``.) Average the per-query values;
never pool hits across queries (Σ found / Σ relevant weights queries with many relevant
passages more, and is not Recall@k as usually reported). For a confidence interval, bootstrap
over the same per-query rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pipeline.retrieval import Hit


def _ids(hits: Sequence[Hit | str]) -> list[str]:
    return [h.passage_id if isinstance(h, Hit) else h for h in hits]


def recall_at_k(hits: Sequence[Hit | str], relevant: Collection[str], k: int) -> float | None:
    """The share of ``relevant`` passages found in the first ``k`` hits, in [0, 1].

    ``None`` when the query has no relevant passage. A passage id repeated in ``hits`` counts
    once."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    wanted = set(relevant)
    if not wanted:
        return None
    found = wanted.intersection(_ids(hits)[:k])
    return len(found) / len(wanted)


def mrr(hits: Sequence[Hit | str], relevant: Collection[str], k: int | None = None) -> float | None:
    """This query's reciprocal rank: 1 / (position of the first relevant hit), 0.0 when none
    of the (first ``k``, if given) hits is relevant; the mean over queries is the MRR.

    Positions are 1-based and taken from the order of ``hits``. ``None`` when the query has no
    relevant passage."""
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    wanted = set(relevant)
    if not wanted:
        return None
    ids = _ids(hits)
    for position, pid in enumerate(ids if k is None else ids[:k], start=1):
        if pid in wanted:
            return 1.0 / position
    return 0.0


__all__ = ["mrr", "recall_at_k"]
