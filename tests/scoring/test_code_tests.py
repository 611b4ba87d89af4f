"""The unit_tests scorer on hand-made executions (no sandbox needed), and the code_has_tests
case check on good and broken cases."""

from __future__ import annotations

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring import code_tests  # noqa: F401  (registers unit_tests, code_has_tests)
from pipeline.scoring.base import ScoringContext, scorers, undeclared
from pipeline.scoring.case_checks import case_checks
from pipeline.tasks.state import ExecutionResult

SCORER = scorers.get("unit_tests")
CHECK = case_checks.get("code_has_tests")


def case(signature: str = "def add(a: int, b: int) -> int:", entry: str = "add",
         tests: object = ("assert add(1, 2) == 3", "assert add(0, 0) == 0"),
         prompt: str = "Add two numbers.") -> Case:
    tests = list(tests) if isinstance(tests, tuple) else tests
    return Case(id="c1", input={"prompt": prompt, "signature": signature},
                expected={"entry_point": entry, "tests": tests})


def score(execution: ExecutionResult | None, c: Case | None = None):
    s = SCORER(c or case(), "reply text", ScoringContext(execution=execution))
    assert undeclared(SCORER, s) == []
    assert set(s.metrics) == {"pass_at_1", "tests_passed_frac", "correct"}
    assert s.metrics["pass_at_1"] == s.metrics["correct"] == (1.0 if s.passed else 0.0)
    assert (s.failure_mode is None) == s.passed
    return s


GOOD = "def add(a, b):\n    return a + b\n"


def ex(code: str | None = GOOD, status: str = "ok", passed: int = 2, total: int = 2,
       **kw) -> ExecutionResult:
    return ExecutionResult(code=code, status=status, tests_passed=passed, tests_total=total,
                           **kw)


def test_all_tests_passed():
    s = score(ex())
    assert s.passed and s.metrics["tests_passed_frac"] == 1.0 and s.parsed == GOOD


def test_some_tests_failed_is_partial_credit():
    s = score(ex(passed=1, failures=("assert add(0, 0) == 0 -> AssertionError (got 1)",)))
    assert not s.passed and s.failure_mode == "test_failure"
    assert s.metrics["tests_passed_frac"] == 0.5
    assert s.detail["failures"] == ["assert add(0, 0) == 0 -> AssertionError (got 1)"]


def test_not_executed():
    s = score(None)
    assert s.failure_mode == "not_executed" and s.metrics["tests_passed_frac"] == 0.0


def test_no_code():
    assert score(ex(code=None, status="no_code", passed=0)).failure_mode == "no_code"


def test_syntax_error_from_the_code_itself():
    s = score(ex(code="def add(a, b)\n    return a+b", passed=0,
                 load_error="SyntaxError: expected ':' (line 1)"))
    assert s.failure_mode == "syntax_error"


def test_syntax_error_reported_by_the_harness_only():
    # ast on the host parses it, but the harness's compile failed (e.g. a newer syntax)
    s = score(ex(passed=0, load_error="IndentationError: unexpected indent (line 3)"))
    assert s.failure_mode == "syntax_error"


@pytest.mark.parametrize("code", [
    "def plus(a, b):\n    return a + b\n",          # missing
    "def add(a):\n    return a\n",                  # too few parameters
    "def add(a, b, c):\n    return a + b + c\n",    # too many required
    "def add(a, b, *, scale):\n    return a + b\n",  # a required keyword-only parameter
])
def test_wrong_signature(code):
    s = score(ex(code=code, passed=0, failures=("x -> TypeError: ...",)))
    assert s.failure_mode == "wrong_signature"


@pytest.mark.parametrize("code", [
    "def add(a, b, c=0):\n    return a + b + c\n",
    "def add(*args):\n    return sum(args)\n",
    "def add(a, /, b):\n    return a + b\n",
    "add = lambda a, b: a * b\n",
    "from operator import add\n",
])
def test_lenient_signatures_are_not_wrong(code):
    s = score(ex(code=code, passed=1, failures=("x -> AssertionError",)))
    assert s.failure_mode == "test_failure"


def test_entry_point_missing_at_run_time():
    code = "if False:\n    def add(a, b):\n        return a + b\n"
    s = score(ex(code=code, passed=0, load_error="NameError: the solution does not define add()"))
    assert s.failure_mode == "wrong_signature"


@pytest.mark.parametrize("status,mode", [
    ("timeout", "timeout"), ("memory", "memory"), ("forbidden", "forbidden"),
    ("crashed", "runtime_error"), ("output_limit", "runtime_error"), ("error", "runtime_error"),
])
def test_sandbox_status_names_the_failure(status, mode):
    s = score(ex(status=status, passed=0))
    assert not s.passed and s.failure_mode == mode


def test_a_report_of_all_passed_does_not_beat_a_sandbox_timeout():
    assert score(ex(status="timeout", passed=2)).failure_mode == "timeout"


def test_import_time_exception_is_a_runtime_error():
    s = score(ex(passed=0, load_error="RuntimeError: boom"))
    assert s.failure_mode == "runtime_error" and s.detail["load_error"] == "RuntimeError: boom"


def test_zero_tests_never_pass():
    assert score(ex(passed=0, total=0)).failure_mode == "test_failure"


# --- the case check -------------------------------------------------------------------------

def test_a_good_case_passes_the_check():
    assert CHECK(case()) is None


@pytest.mark.parametrize("bad,words", [
    (case(prompt=""), "input.prompt"),
    (case(signature="add(a, b)"), "input.signature"),
    (case(signature="def add(a, b):\ndef two(): pass"), "input.signature"),
    (case(entry="plus"), "expected.entry_point 'plus' does not match"),
    (case(entry="not a name"), "expected.entry_point"),
    (case(tests=[]), "expected.tests must be a non-empty list"),
    (case(tests="assert add(1, 2) == 3"), "expected.tests must be a non-empty list"),
    (case(tests=["assert add(1, 2) == 3", "assert add(1,, 2) == 3"]),
     "expected.tests[1] does not compile"),
    (case(tests=["add(1, 2)"]), "expected.tests[0] has no assert"),
    (case(tests=[3]), "expected.tests[0] is not a string"),
    (Case(id="c1", input={"prompt": "p", "signature": "def add(a):"}, expected="add"),
     "expected must be an object"),
])
def test_broken_cases_are_named_by_key(bad, words):
    problem = CHECK(bad)
    assert problem is not None and words in problem
