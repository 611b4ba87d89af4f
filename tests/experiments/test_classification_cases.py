"""classification: loads, 64 balanced cases with hard ones, reproducible, the constrained
variant's choices are the cases' label set, and a bad label is refused at load."""

from collections import Counter

import pipeline.scoring.classification  # noqa: F401  (registers label_match, label_in_set)
from helpers import assert_wiring, prompts, refusal

EXPERIMENT = "classification"


def test_loads_with_scorer_and_check(exp):
    assert_wiring(exp, scorer="label_match", case_check="label_in_set", cases=(60, None),
                  models=["smollm2-135m", "gemma3-270m", "qwen2.5-coder-1.5b"])


def test_balanced_with_hard_cases_per_label(exp):
    per_label = Counter(c.expected for c in exp.cases)
    assert len(per_label) == 8 and set(per_label.values()) == {8}
    hard = Counter((c.expected, t) for c in exp.cases for t in c.tags
                   if t in {"kind:two_topics", "kind:sarcasm", "kind:non_native"})
    assert all(hard[(label, kind)] == 1 for label in per_label
               for kind in ("kind:two_topics", "kind:sarcasm", "kind:non_native"))
    assert len({c.input["message"] for c in exp.cases}) == len(exp.cases)


def test_variants_share_the_prompt_and_choices_are_the_label_set(exp):
    free, constrained = exp.variant("free"), exp.variant("constrained")
    assert (free.system, free.user, free.base_suffix) == (
        constrained.system, constrained.user, constrained.base_suffix)
    assert free.choices is None
    for case, system, user in prompts(exp, "free"):
        assert constrained.choices == case.input["labels"]
        assert all(f"- {label}:" in user for label in case.input["labels"])
        assert len((system or "") + user) < 3600  # well under ~1,200 tokens


def test_max_tokens_fits_a_short_answer(exp):
    assert 12 <= exp.spec.sampling.max_tokens <= 32


def test_bad_label_is_refused_at_load(tmp_path):
    msg, bad = refusal(tmp_path, "classification",
                       lambda rows: rows[2].update(expected="invoices"))
    assert msg.startswith(
        f"{bad.cases}:3: case {bad.rows[2]['id']!r}: expected 'invoices' is not one of "
        "input.labels (billing, ")
