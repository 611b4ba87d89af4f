"""summarization: loads with its case check, is reproducible, every kind has traps, texts
and prompts fit, and the check refuses a broken case with file, line and key."""

import json
from collections import Counter

import pytest

import pipeline.scoring.summary_facts  # noqa: F401  (registers summary_facts, the case check)
from helpers import ROOT, broken_copy
from pipeline.config.experiment import Case
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment
from pipeline.scoring import ScoringContext
from pipeline.scoring.summary_facts import summary_facts

YAML = ROOT / "experiments" / "summarization.yaml"
FOLDER = ROOT / "experiments" / "summarization"


@pytest.fixture(scope="module")
def exp():
    return load_experiment(YAML)


def test_loads_with_traps_in_every_case(exp):
    assert exp.spec.scorer == "summary_facts" and exp.spec.case_check == "summary_facts_in_text"
    assert exp.spec.sampling.max_tokens <= 120 and len(exp.spec.variants) == 1
    assert len(exp.cases) >= 48
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
    variant = exp.spec.variants[0]
    for case in exp.cases:
        _, user = exp.render(variant, case)
        assert f"at most {case.input['max_words']} words" in user
        assert len(user) / 3.5 < 1200


def test_alias_missing_from_text_is_refused(tmp_path):
    def mutate(rows):
        rows[3]["expected"]["key_facts"][0].append("Zebulon Quartermaine")

    bad = broken_copy(tmp_path, "summarization", mutate, keep=4)
    with pytest.raises(ConfigError) as err:
        load_experiment(bad.yaml)
    assert str(err.value) == (f"{bad.cases}:4: case {bad.rows[3]['id']!r}: "
                              f"expected.key_facts[0] alias 'Zebulon Quartermaine' does not "
                              f"occur in input.text")


def test_trap_identical_to_a_fact_is_refused():
    row = json.loads((FOLDER / "cases.jsonl").read_text(encoding="utf-8").splitlines()[0])
    row["expected"]["contradictions"].append([row["expected"]["key_facts"][1][0].upper()])
    from pipeline.scoring.summary_facts import summary_facts_in_text
    assert "is identical to a key fact alias" in summary_facts_in_text(Case(**row))
