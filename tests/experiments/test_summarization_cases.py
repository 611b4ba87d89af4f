"""summarization: loads with its case check, is reproducible, every kind has traps, texts
and prompts fit, and the check refuses a broken case with file, line and key."""

import json
from collections import Counter

import pipeline.scoring.summary_facts  # noqa: F401  (registers summary_facts, the case check)
from helpers import assert_wiring, prompts, refusal
from pipeline.config.experiment import Case
from pipeline.scoring import ScoringContext
from pipeline.scoring.summary_facts import summary_facts

EXPERIMENT = "summarization"


def test_loads_with_traps_in_every_case(exp):
    assert_wiring(exp, scorer="summary_facts", case_check="summary_facts_in_text",
                  cases=(48, None), variants=1, max_tokens=120)
    kinds = Counter(t for c in exp.cases for t in c.tags if t.startswith("kind:"))
    assert len(kinds) == 5 and min(kinds.values()) >= 8
    assert all(c.expected["contradictions"] for c in exp.cases)


def test_a_summary_of_the_key_facts_passes_and_one_with_a_trap_fails(exp):
    """Built from the first plain alias of each key fact, a summary passes; add the first
    plain trap pattern as a bare assertion and it is contradicted. So every case can be
    passed, and its traps can bite."""
    checked = 0
    for case in exp.cases:
        facts = [next((a for a in f if not a.startswith("re:")), None)
                 for f in case.expected["key_facts"]]
        traps = [p for t in case.expected["contradictions"] for p in t
                 if not p.startswith("re:")]
        if None in facts or not traps:
            continue
        short = "Key points: " + "; ".join(facts) + "."
        assert summary_facts(case, short, ScoringContext()).passed, case.id
        wrong = summary_facts(case, f"{short} Also {traps[0]}.", ScoringContext())
        assert wrong.failure_mode == "contradicted_fact", case.id
        checked += 1
    assert checked >= 40


def test_prompt_fits(exp):
    for case, _, user in prompts(exp):
        assert f"at most {case.input['max_words']} words" in user
        assert len(user) / 3.5 < 1200


def test_alias_missing_from_text_is_refused(tmp_path):
    def mutate(rows):
        rows[3]["expected"]["key_facts"][0].append("Zebulon Quartermaine")

    msg, bad = refusal(tmp_path, "summarization", mutate, keep=4)
    assert msg == (f"{bad.cases}:4: case {bad.rows[3]['id']!r}: "
                              f"expected.key_facts[0] alias 'Zebulon Quartermaine' does not "
                              f"occur in input.text")


def test_trap_identical_to_a_fact_is_refused(exp):
    row = json.loads(exp.case_file.read_text(encoding="utf-8").splitlines()[0])
    row["expected"]["contradictions"].append([row["expected"]["key_facts"][1][0].upper()])
    from pipeline.scoring.summary_facts import summary_facts_in_text
    assert "is identical to a key fact alias" in summary_facts_in_text(Case(**row))
