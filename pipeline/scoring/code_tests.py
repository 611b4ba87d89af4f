"""Code generation, scored by running the model's function against hidden unit tests.

The execute step (``pipeline.tasks.code_exec``) has already run the extracted code in the
sandbox; this scorer only reads that :class:`ExecutionResult` (``ctx.execution``) and the case.

Metrics, one row each per case:

- `pass_at_1`: 1 when every hidden test passed (with ``n: 1`` and greedy sampling this is
  pass@1), else 0. `correct` is the same number under the name every suite shares, so a
  cross-suite chart needs no special case.
- `tests_passed_frac`: the share of the case's tests that passed (partial credit, 0 when
  nothing ran), so "close but wrong" shows apart from "nothing usable".

Failure modes, first that applies: `not_executed` (no execution recorded), `no_code`,
`syntax_error` (the code does not compile), `wrong_signature` (the entry point is missing, or
cannot be called with the signature's number of positional arguments: judged with ``ast`` on
the code, leniently, so a default or ``*args`` is no error), then what the sandbox decided:
`timeout`, `memory`, `forbidden`, `runtime_error` (a crash, an output flood, an exception
while importing the code), and last `test_failure`. A case passes only on sandbox status
``ok`` with every test passed, whatever a static check thinks.

The case check `code_has_tests` runs at load: each case names its entry point, which is the
function of its signature, and has at least one test, each an assert statement that compiles.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from pipeline.config.experiment import Case
from pipeline.scoring.base import Metric, Needs, Score, ScoringContext, scorer
from pipeline.scoring.case_checks import case_check

_SANDBOX_MODES = {"timeout": "timeout", "memory": "memory", "forbidden": "forbidden",
                  "crashed": "runtime_error", "output_limit": "runtime_error",
                  "error": "runtime_error"}
_SYNTAX = ("SyntaxError", "IndentationError", "TabError")


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs("an object {entry_point, tests}", types=("object",),
              keys=("entry_point", "tests"))


@scorer("unit_tests", needs=NEEDS, metrics=[
    Metric("pass_at_1", "every hidden unit test passed (1/0); pass@1 with one greedy sample"),
    Metric("tests_passed_frac", "share of the case's hidden unit tests that passed"),
    Metric("correct", "the case is solved: same as pass_at_1"),
])
def unit_tests(case: Case, output: str, ctx: ScoringContext) -> Score:
    """Score one sample from its sandbox execution (see the module docstring)."""
    ex = ctx.execution
    if ex is None:
        return _score(False, 0.0, "not_executed", None, {"reason": "no execution recorded"})
    frac = ex.tests_passed / ex.tests_total if ex.tests_total else 0.0
    detail: dict[str, Any] = {"status": ex.status, "tests_passed": ex.tests_passed,
                              "tests_total": ex.tests_total}
    if ex.load_error:
        detail["load_error"] = ex.load_error
    if ex.failures:
        detail["failures"] = list(ex.failures[:8])
    passed = (ex.status == "ok" and ex.code is not None and not ex.load_error
              and ex.tests_total > 0 and ex.tests_passed == ex.tests_total)
    if passed:
        return _score(True, 1.0, None, ex.code, detail)
    return _score(False, frac, _failure_mode(case, ex), ex.code, detail)


def _failure_mode(case: Case, ex: Any) -> str:
    if ex.code is None or ex.status == "no_code":
        return "no_code"
    try:
        tree = ast.parse(ex.code)
    except (SyntaxError, ValueError):
        return "syntax_error"
    if ex.load_error and ex.load_error.startswith(_SYNTAX):
        return "syntax_error"
    entry, wanted = _signature(case)
    if entry is not None and not _callable_with(tree, entry, wanted):
        return "wrong_signature"
    if ex.status in _SANDBOX_MODES:
        return _SANDBOX_MODES[ex.status]
    if ex.load_error:
        return "wrong_signature" if ex.load_error.startswith("NameError: the solution does not "
                                                             "define") else "runtime_error"
    return "test_failure"


def _signature(case: Case) -> tuple[str | None, int | None]:
    """(entry point, number of positional parameters of the case's signature)."""
    expected = case.expected if isinstance(case.expected, dict) else {}
    entry = expected.get("entry_point")
    sig = case.input.get("signature")
    fn = _parse_signature(sig) if isinstance(sig, str) else None
    n = len(fn.args.posonlyargs) + len(fn.args.args) if fn is not None else None
    return (entry if isinstance(entry, str) else None), n


def _parse_signature(sig: str) -> ast.FunctionDef | None:
    try:
        tree = ast.parse(sig.rstrip() + "\n    ...\n")
    except SyntaxError:
        return None
    node = tree.body[0] if len(tree.body) == 1 else None
    return node if isinstance(node, ast.FunctionDef) else None


def _callable_with(tree: ast.Module, entry: str, n: int | None) -> bool:
    """Whether the module defines *entry* at top level, callable with *n* positional
    arguments. A name bound some other way (``f = ...``, an import) gets the benefit of the
    doubt: only running it can tell."""
    found = False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry:
            found = True
            if n is None:
                continue
            a = node.args
            positional = len(a.posonlyargs) + len(a.args)
            required = positional - len(a.defaults)
            top = math.inf if a.vararg else positional
            kw_required = any(d is None for d in a.kw_defaults)
            if required <= n <= top and not kw_required:
                return True
        elif _binds(node, entry):
            return True
    return found and n is None


def _binds(node: ast.stmt, name: str) -> bool:
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Name) and t.id == name for t in targets)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any((a.asname or a.name.split(".")[0]) == name for a in node.names)
    if isinstance(node, ast.ClassDef):
        return node.name == name
    return False


def _score(passed: bool, frac: float, mode: str | None, code: str | None,
           detail: dict[str, Any]) -> Score:
    one = 1.0 if passed else 0.0
    return Score(passed=passed,
                 metrics={"pass_at_1": one, "tests_passed_frac": frac, "correct": one},
                 failure_mode=mode, parsed=code, detail=detail)


@case_check("code_has_tests")
def code_has_tests(case: Case) -> str | None:
    """A code case is runnable and judgeable: input.prompt and input.signature (one ``def``
    line) are given, expected.entry_point is the signature's function, and expected.tests is a
    non-empty list of assert statements that compile. A test that does not compile would fail
    every model alike and look like a hard case."""
    prompt, sig = case.input.get("prompt"), case.input.get("signature")
    if not isinstance(prompt, str) or not prompt.strip():
        return "input.prompt must be a non-empty string (the task description)"
    if not isinstance(sig, str) or not sig.strip():
        return "input.signature must be a non-empty string such as 'def f(x: int) -> int:'"
    fn = _parse_signature(sig)
    if fn is None:
        return f"input.signature {sig!r} is not one 'def name(...):' line"
    expected = case.expected
    if not isinstance(expected, dict):
        return "expected must be an object with 'entry_point' and 'tests'"
    entry = expected.get("entry_point")
    if not isinstance(entry, str) or not entry.isidentifier():
        return f"expected.entry_point {entry!r} is not a function name"
    if entry != fn.name:
        return (f"expected.entry_point {entry!r} does not match the function in "
                f"input.signature ({fn.name!r})")
    tests = expected.get("tests")
    if not isinstance(tests, list) or not tests:
        return "expected.tests must be a non-empty list of assert statements"
    for i, test in enumerate(tests):
        if not isinstance(test, str):
            return f"expected.tests[{i}] is not a string"
        try:
            tree = ast.parse(test)
        except SyntaxError as exc:
            return f"expected.tests[{i}] does not compile: {exc.msg} ({test!r})"
        if not any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
            return f"expected.tests[{i}] has no assert statement ({test!r})"
    return None
