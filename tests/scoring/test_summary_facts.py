"""summary_facts on hand-written summaries: complete, missing a fact, stating a trap, citing
a trap as superseded (allowed), too long, empty, base-model continuations."""

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring import ScoringContext
from pipeline.scoring.summary_facts import (
    contradicted,
    summary_facts,
    summary_facts_in_text,
    summary_text,
    word_count,
)

TEXT = (
    "Incident report: payments API outage on 16 October. The first status update put the "
    "outage at ninety minutes; after the log review the duration was corrected to "
    "twenty-five minutes. The on-call engineer first suspected a DNS outage, which was ruled "
    "out. Root cause: a misconfigured load balancer rule. The work was first assigned to "
    "Nuno Ferreirinha; Farid Elmqvist now owns the follow-up. 260 customers were affected. "
) * 3
EXPECTED = {
    "key_facts": [["payments API"], ["25 minutes"], ["misconfigured load balancer rule"],
                  ["Farid Elmqvist", "Elmqvist"], ["260 customers"]],
    "contradictions": [["90 minutes"], ["caused by DNS outage",
                                        "re:(?:due to|because of) (?:a )?dns outage"],
                       ["Ferreirinha owns", "owned by Ferreirinha"]],
    "max_words": 40,
}
GOOD = ("Payments API outage on 16 October lasted 25 minutes and hit 260 customers. Cause: a "
        "misconfigured load balancer rule. Farid Elmqvist owns the follow-up.")


def score(output, expected=EXPECTED):
    case = Case(id="incident-01", input={"kind": "incident report", "text": TEXT,
                                         "max_words": expected["max_words"]},
                expected=expected)
    return summary_facts(case, output, ScoringContext())


@pytest.mark.parametrize("output", [
    GOOD,
    "Summary: The payments API was down for twenty-five minutes (first reported as 90 "
    "minutes), affecting 260 customers, due to a misconfigured load balancer rule, not a DNS "
    "outage. Elmqvist owns follow-up.",
    GOOD + "\n\nText: Meeting notes for Project Heron...\nSummary: 90 minutes",
])
def test_correct_summaries(output):
    s = score(output)
    assert s.passed, s.detail
    assert s.metrics["correct"] == s.metrics["all_key_facts"] == s.metrics["within_length"] == 1
    assert s.metrics["key_fact_recall"] == 1.0 and s.metrics["contradicted"] == 0.0


def test_missing_fact_gives_partial_recall():
    s = score("The payments API was down for 25 minutes because of a misconfigured load "
              "balancer rule. Elmqvist owns it.")
    assert s.failure_mode == "missing_facts" and s.metrics["key_fact_recall"] == 0.8
    assert s.metrics["all_key_facts"] == 0.0 and s.detail["missing"] == ["260 customers"]


@pytest.mark.parametrize("output", [
    GOOD + " Total downtime: 90 minutes.",
    GOOD.replace("Cause: a misconfigured load balancer rule.",
                 "It was caused by DNS outage and a misconfigured load balancer rule."),
    GOOD + " Ferreirinha owns the remediation.",
])
def test_trap_facts_contradict(output):
    s = score(output)
    assert s.failure_mode == "contradicted_fact" and s.metrics["contradicted"] == 1.0
    assert s.metrics["correct"] == 0.0


def test_too_long_and_empty():
    long = GOOD + " " + " ".join(["More detail follows here."] * 8)
    s = score(long)
    assert s.failure_mode == "too_long" and s.metrics["within_length"] == 0.0
    assert s.metrics["words"] == word_count(long) > 40
    e = score("   ")
    assert e.failure_mode == "empty" and e.metrics["words"] == 0.0
    assert e.metrics["key_fact_recall"] == 0.0


def test_correction_context_excuses_a_trap_only_in_its_own_clause():
    assert contradicted(["90 minutes"], "Down 25 minutes, revised from 90 minutes.") == []
    assert contradicted(["90 minutes"], "Initially 90 minutes was reported; it lasted 25.") == []
    assert contradicted(["90 minutes"], "Not 60 minutes. It lasted 90 minutes.") == ["90 minutes"]


def test_summary_text_and_word_count():
    assert summary_text("Summary: A b.\nc d\n\nText: next prompt") == "A b.\nc d"
    assert word_count("- $1.2m in Q3 - e-mail") == 4


def test_case_check_rejects_alias_missing_from_text_and_trap_equal_to_fact():
    def check(expected, text=TEXT, limit=40):
        return summary_facts_in_text(Case(id="x", input={"kind": "k", "text": text,
                                                         "max_words": limit},
                                          expected=expected))
    assert check(EXPECTED) is None
    bad = {**EXPECTED, "key_facts": [*EXPECTED["key_facts"][:4], ["310 customers"]]}
    assert check(bad) == "expected.key_facts[4] alias '310 customers' does not occur in input.text"
    same = {**EXPECTED, "contradictions": [["twenty-five minutes"]]}
    assert "contradictions[0] pattern 'twenty-five minutes' is identical" in check(same)
    assert "150 to 400 words" in check(EXPECTED, text="short text")
    assert "differs from expected.max_words" in check(EXPECTED, limit=60)
