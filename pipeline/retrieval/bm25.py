"""BM25 over title + text with the ``bm25s`` package (Lucene's BM25 variant, k1=1.5, b=0.75).

Tokenisation is bm25s's own tokenizer: words of two or more letters or digits (Unicode-aware),
lower-cased, bm25s's English stopword list removed, stemmed with PyStemmer's Snowball English
stemmer (a compiled package: no download at run time). Text is NFKC-normalised, case-folded and
stripped of accents first, so "cafe", "café" and a decomposed "cafe\\u0301" are one term,
"Zürich" matches "zurich" and "STRASSE" matches "Straße".

Only passages that share at least one term with the query are returned, so a query may get
fewer than ``k`` hits, and a query with no indexed term (empty, only stopwords, only unknown
words) gets none.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from typing import Any

from pipeline.errors import PrerequisiteError
from pipeline.retrieval import Hit, Passage, check_passages, check_search_args, top_k_hits

INSTALL_HINT = (
    "BM25 retrieval needs bm25s and PyStemmer: .venv/bin/pip install bm25s==0.3.16 PyStemmer==3.1.0"
)


def normalise(text: str) -> str:
    """NFKC, case-folded, accents stripped (é → e, ü → u), so queries typed without them match."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


def passage_text(p: Passage) -> str:
    return f"{p.title}\n{p.text}" if p.title else p.text


class BM25Retriever:
    """Lexical retrieval over a fixed list of passages; the index is built in the constructor."""

    name = "bm25"

    def __init__(self, passages: Sequence[Passage], *, stem: bool = True) -> None:
        try:
            import bm25s
            import bm25s.tokenization
        except ImportError as exc:
            raise PrerequisiteError(INSTALL_HINT) from exc
        stemmer: Any = None
        if stem:
            try:
                import Stemmer
            except ImportError as exc:
                raise PrerequisiteError(INSTALL_HINT) from exc
            stemmer = Stemmer.Stemmer("english")

        self.passages = check_passages(passages)
        self._ids = [p.id for p in self.passages]
        self._lock = threading.Lock()  # the tokenizer caches word → id mappings as it goes
        self._tokenizer = bm25s.tokenization.Tokenizer(lower=True, stopwords="en", stemmer=stemmer)
        self.info = {
            "retriever": self.name,
            "bm25s": getattr(bm25s, "__version__", "unknown"),
            "method": "lucene",
            "k1": "1.5",
            "b": "0.75",
            "stemmer": "snowball-english" if stem else "none",
            "stopwords": "bm25s-en",
        }
        self._index: Any = None
        if not self.passages:
            return
        corpus_ids = self._tokenizer.tokenize(
            [normalise(passage_text(p)) for p in self.passages],
            update_vocab=True,
            return_as="ids",
            allow_empty=False,
            show_progress=False,
        )
        vocab = self._tokenizer.get_vocab_dict()
        if not vocab:  # every passage is stopwords only: nothing can match
            return
        self._index = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
        self._index.index((corpus_ids, vocab), create_empty_token=False, show_progress=False)

    def _query_ids(self, queries: list[str]) -> list[list[int]]:
        with self._lock:
            return self._tokenizer.tokenize(
                [normalise(q) for q in queries],
                update_vocab=False,  # unknown words are dropped; known stems still match
                return_as="ids",
                allow_empty=False,
                show_progress=False,
            )

    def search(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        queries = check_search_args(queries, k)
        if self._index is None:
            return [[] for _ in queries]
        out: list[list[Hit]] = []
        for ids in self._query_ids(queries):
            if not ids:
                out.append([])
                continue
            scores = self._index.get_scores_from_ids(ids)
            out.append(top_k_hits(self._ids, scores, k, min_score=0.0))
        return out
