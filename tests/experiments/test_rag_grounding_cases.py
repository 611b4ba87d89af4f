"""rag_grounding: loads with its case check, is reproducible, has the designed mix (a third
or more unanswerable, two-hop and outside-knowledge cases), fits the context, and the check
refuses a broken case with file, line and key."""

import re
from collections import Counter

import pipeline.scoring.grounding  # noqa: F401  (registers grounded_answer, the case check)
from helpers import assert_wiring, prompts, refusal

EXPERIMENT = "rag_grounding"


def test_loads_with_the_designed_mix(exp):
    assert_wiring(exp, scorer="grounded_answer", case_check="rag_answer_in_passages",
                  cases=(48, None), variants=1, max_tokens=64)
    tags = Counter(t for c in exp.cases for t in c.tags)
    assert tags["unanswerable"] / len(exp.cases) >= 0.3
    assert tags["type:two_hop"] >= 5 and tags["type:outside_knowledge"] >= 6
    for case in exp.cases:
        assert ("answerable" in case.tags) == case.expected["answerable"]
        assert 3 <= len(case.input["passages"]) <= 5


def test_prompt_asks_for_the_abstention_phrase_and_fits(exp):
    variant = exp.spec.variants[0]
    assert variant.base_suffix == "\nAnswer:"
    for case, system, user in prompts(exp):
        assert system is None and "NOT IN DOCUMENTS" in user
        assert user.endswith(f"Question: {case.input['question']}")
        assert len(user) / 3.5 < 1200  # ≈ tokens, an overestimate for this text


def test_answer_missing_from_passages_is_refused(tmp_path):
    def drop(rows):
        rows[2]["expected"]["answer"] = "Nobody Anywhere"
        rows[2]["expected"]["aliases"] = []
    msg, bad = refusal(tmp_path, "rag_grounding", drop, keep=5)
    assert msg == (f"{bad.cases}:3: case {bad.rows[2]['id']!r}: "
                              f"expected.answer 'Nobody Anywhere' (or an alias) is in none of "
                              f"input.passages")


def test_unanswerable_case_whose_passages_answer_is_refused(tmp_path):
    def leak(rows):
        rows[4]["expected"] = {"answerable": False, "absent": ["written notice"]}
    msg, _ = refusal(tmp_path, "rag_grounding", leak, keep=5)
    assert re.search(r"cases.jsonl:5: case .*expected.absent 'written notice' is in "
                     r"input.passages\[0\]", msg), msg
