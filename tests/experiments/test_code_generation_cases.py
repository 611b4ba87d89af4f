"""code_generation: the experiment loads, the generator reproduces the committed cases, every
case is solved by the reference solutions and not by a do-nothing stub (in the real sandbox),
and a broken case fails at load naming file, line and key."""

from __future__ import annotations

import re

import pytest

from helpers import EXPERIMENTS, assert_wiring, prompts, refusal
from pipeline.sandbox import SandboxOptions, SandboxUnavailable
from pipeline.scoring import code_tests  # noqa: F401  (registers code_has_tests, unit_tests)
from pipeline.tasks.code_exec import extract_code, run_tests

EXPERIMENT = "code_generation"
OPTIONS = SandboxOptions(timeout_s=10, memory_mb=512)  # what the execute step uses


def _run(code, case):
    try:
        return run_tests(code, case.expected["tests"], case.expected["entry_point"], OPTIONS)
    except SandboxUnavailable as exc:
        pytest.fail(f"the sandbox is unavailable ({exc}); install bubblewrap: "
                    "make sandbox-deps")


def test_loads_with_the_task_and_scorer(exp):
    assert_wiring(exp, scorer="unit_tests", case_check="code_has_tests", cases=(48, 60),
                  steps=["prompt", "generate", "execute"],
                  models=["smollm2-135m", "gemma3-270m", "qwen2.5-coder-1.5b"])


def test_cases_are_tagged_and_varied(exp):
    cases = exp.cases
    difficulty = [t for c in cases for t in c.tags if t.startswith("difficulty:")]
    assert len(difficulty) == len(cases)
    for level in ("easy", "medium", "hard"):
        assert difficulty.count(f"difficulty:{level}") >= 12, level
    assert len({t for c in cases for t in c.tags if t.startswith("domain:")}) >= 8
    for c in cases:
        assert 4 <= len(c.expected["tests"]) <= 8, c.id
        assert c.expected["entry_point"] == c.id.replace("-", "_")


def test_prompts_show_the_signature_but_never_the_tests(exp):
    for c, system, user in prompts(exp):
        text = (system or "") + user
        assert c.input["signature"] in user
        assert len(text) < 2400, c.id  # well under ~1,200 tokens
        for test in c.expected["tests"]:
            assert test not in text


def test_reference_solutions_pass_every_case_and_a_stub_passes_none(exp):
    source = (EXPERIMENTS / EXPERIMENT / "reference_solutions.py").read_text(encoding="utf-8")
    for c in exp.cases:
        result = _run(source, c)
        assert (result.status, result.load_error) == ("ok", None), (c.id, result)
        assert result.tests_passed == result.tests_total, (c.id, result.failures)
        stub = f"def {c.expected['entry_point']}(*args):\n    return None\n"
        assert _run(stub, c).tests_passed < len(c.expected["tests"]), c.id


def test_a_model_style_reply_scores_through_extract_and_run(exp):
    """End to end on one case without a model: a fenced reply, extracted and run."""
    c = next(c for c in exp.cases if c.id == "invoice-total")
    reply = ("```python\ndef invoice_total(items, tax_rate_percent):\n"
             "    subtotal = sum(p * q for p, q in items)\n"
             "    return subtotal + round(subtotal * tax_rate_percent / 100)\n```")
    result = _run(extract_code(reply, "invoice_total"), c)
    assert result.status == "ok" and 0 < result.tests_passed < result.tests_total
    assert any("2153" in f for f in result.failures)  # round() rounds 102.5 to even


def test_a_test_that_does_not_compile_fails_at_load(tmp_path):
    def mutate(rows):
        rows[4]["expected"]["tests"][1] = "assert percent_change(200, 250) == == 25.0"

    msg, _ = refusal(tmp_path, "code_generation", mutate)
    assert re.search(r"cases\.jsonl:5: case 'percent-change': expected\.tests\[1\] does not "
                     r"compile", msg), msg


def test_an_entry_point_that_is_not_the_signature_fails_at_load(tmp_path):
    def mutate(rows):
        rows[0]["expected"]["entry_point"] = "mask_card"

    msg, _ = refusal(tmp_path, "code_generation", mutate)
    assert re.search(r"cases\.jsonl:1: case 'mask-card-number': expected\.entry_point "
                     r"'mask_card' does not match", msg), msg
