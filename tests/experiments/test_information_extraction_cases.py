"""information_extraction: loads, ≥48 reproducible cases of 2–6 records with distractors,
gold answers score perfectly, prompts and outputs fit the budget, bad gold is refused."""

import json
from collections import Counter

import pipeline.scoring.extraction  # noqa: F401  (registers extraction_f1 and its check)
from helpers import assert_wiring, prompts, refusal
from pipeline.scoring.base import ScoringContext
from pipeline.scoring.extraction import extraction_f1

EXPERIMENT = "information_extraction"


def test_loads_with_scorer_and_check(exp):
    assert_wiring(exp, scorer="extraction_f1", case_check="extraction_gold_in_text",
                  cases=(48, None))


def test_mix_of_kinds_difficulties_and_distractors(exp):
    assert all(2 <= len(c.expected) <= 6 for c in exp.cases)
    tags = Counter(t for c in exp.cases for t in c.tags)
    for kind in ("people", "dates", "amounts", "items"):
        assert tags[f"kind:{kind}"] >= 12
    for level in ("easy", "medium", "hard"):
        assert tags[f"difficulty:{level}"] >= 12
    assert sum(n for t, n in tags.items() if t.startswith("distractors:") and t != "distractors:0"
               ) >= len(exp.cases) // 2
    assert {t for t in tags if t.startswith("doc:")} >= {
        "doc:contract_clause", "doc:email", "doc:meeting_minutes", "doc:purchase_order_notes"}


def test_gold_scores_perfectly_and_an_empty_list_does_not(exp):
    for case in exp.cases:
        assert extraction_f1(case, json.dumps(case.expected), ScoringContext()).passed, case.id
        assert not extraction_f1(case, "[]", ScoringContext()).passed


def test_prompt_and_output_budget(exp):
    for case, system, user in prompts(exp):
        assert len((system or "") + user) < 3600, case.id  # well under ~1,200 tokens
    # compact JSON is ≈ 2.7 characters a token (digits are one token each in these models)
    longest = max(len(json.dumps(c.expected)) for c in exp.cases)
    assert exp.spec.sampling.max_tokens >= longest / 2.7 * 1.2


def test_gold_value_missing_from_text_is_refused_at_load(tmp_path):
    def mutate(rows):
        rows[4]["expected"][0][rows[4]["input"]["fields"][1]] = "Chief Happiness Officer"

    msg, bad = refusal(tmp_path, "information_extraction", mutate)
    row = bad.rows[4]
    field = row["input"]["fields"][1]
    assert msg == (
        f"{bad.cases}:5: case {row['id']!r}: expected[0].{field} "
        "'Chief Happiness Officer' does not occur in input.text")
