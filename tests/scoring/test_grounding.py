"""grounded_answer on replies small models write: bare answers, sentences with citations,
base-model continuations, invented extras, hedges, abstentions in many phrasings."""

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring import ScoringContext
from pipeline.scoring.grounding import (
    abstains,
    grounded_answer,
    normalise,
    phrase_in,
    rag_answer_in_passages,
    unsupported,
)

PASSAGES = [
    "Contract: Quillmark Data. Either party may terminate the Quillmark Data contract with "
    "thirty days' written notice. The account manager is Stellan Quist.",
    "Contract: Ostwick Print. Either party may terminate the Ostwick Print contract with 90 "
    "days' written notice. The contract renews on 13 December 2026.",
    "Contract: Halden Freight. Liability is capped at EUR 525,000.",
]
ANSWERABLE = {"answerable": True, "answer": "30 days", "aliases": [], "reject": ["90 days"]}
ABSENT = {"answerable": False, "absent": ["60 days"]}


def score(expected, output, question="What is the notice period in the Quillmark Data "
                                     "contract?"):
    case = Case(id="c1", input={"question": question, "passages": PASSAGES}, expected=expected)
    return grounded_answer(case, output, ScoringContext())


@pytest.mark.parametrize("output", [
    "30 days",
    "Thirty days' written notice [1].",
    "The Quillmark Data contract can be terminated with 30 days' notice (document 1).",
    "Answer: 30 days\n\nQuestion: Who is the CEO?\nAnswer: Maren Okafor in 1998",
])
def test_right_and_grounded(output):
    s = score(ANSWERABLE, output)
    assert s.passed and s.failure_mode is None
    assert s.metrics == {"correct": 1.0, "answer_found": 1.0, "unsupported_claim": 0.0,
                         "grounded": 1.0}


@pytest.mark.parametrize(("output", "mode", "found", "extra"), [
    ("90 days", "wrong_answer", 0.0, 0.0),
    ("30 days, or 90 days for Ostwick.", "wrong_answer", 1.0, 0.0),   # a hedge
    ("30 days, as required by Dutch law since 2019.", "unsupported_claim", 1.0, 1.0),
    ("30 days, confirmed by Helga Varnholt.", "unsupported_claim", 1.0, 1.0),
    ('30 days under the "Gold Shield" clause.', "unsupported_claim", 1.0, 1.0),
    ("NOT IN DOCUMENTS", "false_abstention", 0.0, 0.0),
    ("The documents do not specify the notice period.", "false_abstention", 0.0, 0.0),
    ("", "missing_answer", 0.0, 0.0),
    ("45 days", "wrong_answer", 0.0, 1.0),
])
def test_answerable_failures(output, mode, found, extra):
    s = score(ANSWERABLE, output)
    assert not s.passed and s.failure_mode == mode
    assert s.metrics["correct"] == 0.0 and s.metrics["answer_found"] == found
    assert s.metrics["unsupported_claim"] == extra
    assert "abstained_correctly" not in s.metrics


@pytest.mark.parametrize("output", [
    "NOT IN DOCUMENTS",
    "not in documents.",
    "The documents do not mention the notice period for Quillmark Data.",
    "This information is not provided in the passages.",
    "I cannot find the answer in the documents.",
    "The passages don't say.",
    "There is no information about that contract.",
    "NOT IN DOCUMENTS\nQuestion: What is the cap?\nAnswer: EUR 2,000,000",
])
def test_clean_abstentions(output):
    s = score(ABSENT, output)
    assert s.passed, s.detail
    assert s.metrics == {"correct": 1.0, "abstained_correctly": 1.0,
                         "hallucinated_when_absent": 0.0, "unsupported_claim": 0.0,
                         "grounded": 0.0}


@pytest.mark.parametrize("output", [
    "60 days",
    "30 days",                                     # a near-miss value from the passages
    "NOT IN DOCUMENTS. It is usually 60 days.",    # abstains, then asserts the guess
    "The documents do not say, but typically 45 days under EU rules.",
    "Contractors are not covered by the notice clause.",  # a negative fact, not an abstention
])
def test_hallucinations_when_absent(output):
    s = score(ABSENT, output)
    assert not s.passed and s.failure_mode == "hallucinated_answer"
    assert s.metrics["hallucinated_when_absent"] == 1.0
    assert s.metrics["abstained_correctly"] == 0.0 and "answer_found" not in s.metrics


def test_empty_reply_to_unanswerable_is_missing_not_hallucinated():
    s = score(ABSENT, "  \n")
    assert s.failure_mode == "missing_answer" and s.metrics["hallucinated_when_absent"] == 0.0


def test_normalise_numbers_dashes_quotes():
    assert normalise("Thirty days\u2019 notice \u2014 1,200 EUR") == "30 days notice 1200 eur"
    assert normalise("twenty-five percent") == normalise("25%") == "25 %"
    assert normalise("three hundred and five") == "305"
    assert phrase_in("30 days", "within thirty days.") and not phrase_in("3", "30 days")
    assert phrase_in("13 December 2026", "on December 13th, 2026")
    assert phrase_in(r"re:\b4\.2 ?m\b", "EUR 4.2m")


def test_abstention_detector_is_not_fooled_by_negative_facts():
    assert abstains("The context does not contain this.")
    assert not abstains("The contract does not cover storage fees.")
    assert not abstains("Renewal is not automatic.")


def test_unsupported_ignores_question_words_citations_and_partial_names():
    sources = [*PASSAGES, "Who manages the Quillmark Data contract?"]
    assert unsupported("Mr Quist manages it [1]; see passage 3.", sources) == []
    assert unsupported("Stellan Quist, since March 2021.", sources) == ["2021"]


def test_case_check():
    def check(expected, passages=PASSAGES):
        return rag_answer_in_passages(Case(id="c", input={"question": "q?",
                                                          "passages": passages},
                                           expected=expected))
    assert check(ANSWERABLE) is None and check(ABSENT) is None
    assert "is in none of input.passages" in check({**ANSWERABLE, "answer": "15 days"})
    assert "input.passages[1]" in check({"answerable": False, "absent": ["90 days"]})
    assert "3 to 5" in check(ANSWERABLE, PASSAGES[:2])
    assert "also an accepted answer" in check({**ANSWERABLE, "reject": ["thirty days"]})
    assert "answerable" in check({"answer": "30 days"})
