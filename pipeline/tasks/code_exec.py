"""Code execution for code-generation cases: find the code in a model's reply, run it against
the case's hidden tests in the sandbox, and say how it went (an :class:`ExecutionResult`).

Why one sandbox run per sample, with a harness: starting a sandbox costs tens of milliseconds,
and one run that imports the solution once and runs every test separately tells "does not
compile" apart from "fails 3 of 8 tests", which a run per test or a single script of asserts
cannot do cheaply.

The harness (``main.py``) runs in the same process as the model's code, so everything it
prints could be forged. Two defences: the report line carries a random nonce the host chooses
per run and passes on stdin (the harness reads it before the solution is imported, so code
that prints a copied or made-up report does not carry it; code that goes looking for the nonce
in the harness's frames can still find it, which is why a report proves nothing about
containment), and the host takes only the *last* line carrying the nonce and checks its shape
against what it knows (the number of tests). What the sandbox decides on the host's side
(timeout, output limit) always wins over the report.
"""

from __future__ import annotations

import ast
import json
import re
import secrets
from collections.abc import Sequence
from typing import Any

from pipeline.sandbox import SandboxOptions, run_python
from pipeline.sandbox.report import tagged_json
from pipeline.tasks.state import ExecutionResult

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PYTHON_TAGS = {"python", "py", "python3", "py3"}
_CODE_START = re.compile(r"^(?:def |async def |class |import |from \S+ import |@)", re.MULTILINE)
_MAX_TRIM_LINES = 400
_KEEP_STREAM = 4000  # characters of stdout/stderr kept with a result (the tail)
_FAILURE_CHARS = 300

# Runs inside the sandbox as main.py, next to solution.py and tests.json. Reads the nonce
# from stdin first, keeps a private duplicate of stdout, compiles and imports the solution,
# runs each test in a copy of its namespace, prints one nonce-tagged JSON report and ends
# with os._exit (no atexit handler or thread of the solution runs after it). A MemoryError or
# an OSError of the sandbox's limits is raised again after the report so that the sandbox
# names it (memory, forbidden, output_limit) instead of it passing as a test failure.
HARNESS = r'''
import ast, json, os, sys, types

_LIMIT_ERRNOS = {1, 12, 13, 27, 28, 30, 122}  # EPERM ENOMEM EACCES EFBIG ENOSPC EROFS EDQUOT


def _line(exc):
    text = str(exc).replace("\n", " ")
    return type(exc).__name__ + (": " + text if text else "")


def _fatal(exc):
    if isinstance(exc, MemoryError):
        return exc
    if isinstance(exc, OSError) and getattr(exc, "errno", None) in _LIMIT_ERRNOS:
        return exc
    return None


def _got(test, ns):
    """For `assert CALL <op> EXPECTED` that failed: what CALL returned, for the failure line."""
    try:
        node = ast.parse(test).body[0]
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare):
            left = ast.Expression(node.test.left)
            value = eval(compile(left, "<got>", "eval"), dict(ns))
            return " (got " + repr(value)[:120] + ")"
    except BaseException:
        pass
    return ""


def _main():
    nonce = sys.stdin.readline().strip()
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    dumps = json.dumps
    with open("tests.json", encoding="utf-8") as fh:
        spec = json.load(fh)
    entry, tests = spec["entry_point"], spec["tests"]
    results = [False] * len(tests)
    failures = []
    load_error = None
    fatal = None
    ns = None
    try:
        with open("solution.py", encoding="utf-8") as fh:
            source = fh.read()
        code = compile(source, "solution.py", "exec")
    except SyntaxError as exc:
        load_error = "%s: %s (line %s)" % (type(exc).__name__, exc.msg, exc.lineno)
    except BaseException as exc:
        load_error = _line(exc)
    else:
        module = types.ModuleType("solution")
        module.__file__ = os.path.abspath("solution.py")
        sys.modules["solution"] = module
        try:
            exec(code, module.__dict__)
        except BaseException as exc:
            load_error = _line(exc)
            fatal = _fatal(exc)
        else:
            if callable(module.__dict__.get(entry)):
                ns = module.__dict__
            else:
                load_error = "NameError: the solution does not define %s()" % entry
    if ns is not None:
        for i, test in enumerate(tests):
            try:
                exec(compile(test, "<test %d>" % (i + 1), "exec"), dict(ns))
                results[i] = True
            except BaseException as exc:
                if isinstance(exc, AssertionError) and not str(exc):
                    why = "AssertionError" + _got(test, ns)
                else:
                    why = _line(exc)
                failures.append((test + " -> " + why)[:__CAP__])
                fatal = fatal or _fatal(exc)
    report = {"results": results, "load_error": load_error, "failures": failures}
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    out.write("\n" + nonce + " " + dumps(report) + "\n")
    out.flush()
    if fatal is not None:
        raise fatal
    os._exit(0)


_main()
'''.replace("__CAP__", str(_FAILURE_CHARS))


def extract_code(text: str, entry_point: str) -> str | None:
    """The code in a model reply, or None when the reply holds no code at all.

    In order: a ```python fence that defines *entry_point*; unfenced code before the first
    fence that defines it (a base model continuing a prompt that opened the fence); any fence
    that defines it; the first ```python fence; the first fence; unfenced code from its first
    code-like line (``def``, ``import``, ...), cut to the longest run of lines that compiles
    (the prose or the examples a model writes after the function). A fence the token limit cut
    off counts as a fence up to the end of the text (it then fails to compile, rightly).
    """
    defines = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(entry_point)}\s*\(|"
                         rf"^{re.escape(entry_point)}\s*=", re.MULTILINE)
    fences = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(text)]
    fences = [(tag, body) for tag, body in fences if body.strip()]
    first = text.find("```")
    leading = _unfenced(text[:first]) if first > 0 else None
    ordered = [
        *(b for t, b in fences if t in _PYTHON_TAGS and defines.search(b)),
        *([leading] if leading and defines.search(leading) else []),
        *(b for _, b in fences if defines.search(b)),
        *(b for t, b in fences if t in _PYTHON_TAGS),
        *(b for _, b in fences),
    ]
    if ordered:
        return ordered[0].strip("\n")
    if first < 0:
        return _unfenced(text)
    return leading


def _unfenced(text: str) -> str | None:
    """Code written without a fence: from the first code-like line, or all of *text* when it
    parses as code that does something (a bare word such as ``Sure`` parses too, and is not
    code)."""
    if _is_code(text):
        return text.strip("\n")
    start = _CODE_START.search(text)
    if start is None:
        return None
    lines = text[start.start():].split("\n")
    for end in range(len(lines), max(0, len(lines) - _MAX_TRIM_LINES), -1):
        candidate = "\n".join(lines[:end]).rstrip()
        if _is_code(candidate):
            return candidate
    return "\n".join(lines).strip("\n")


def _is_code(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, (ast.Name,
                                                                           ast.Constant)))
               for node in tree.body)


def run_tests(code: str | None, tests: Sequence[str], entry_point: str,
              options: SandboxOptions) -> ExecutionResult:
    """Run *tests* (assert statements) against *code* in one sandbox run.

    Returns ``no_code`` without running anything when *code* is None. Never raises on what
    the code does; raises :class:`pipeline.sandbox.SandboxUnavailable` when there is no
    sandbox at all (a broken machine must stop a run, not fail every case quietly).
    """
    total = len(tests)
    if code is None:
        return ExecutionResult(code=None, status="no_code", tests_total=total)
    nonce = secrets.token_hex(16)
    files = {"solution.py": code,
             "tests.json": json.dumps({"entry_point": entry_point, "tests": list(tests)})}
    result = run_python(HARNESS, options, files=files, stdin=nonce + "\n")
    report = _report(result.stdout, nonce, total)
    stdout = "\n".join(line for line in result.stdout.split("\n") if nonce not in line)
    status = str(result.status)
    common: dict[str, Any] = {"code": code, "status": status, "tests_total": total,
                              "stdout": stdout.strip("\n")[-_KEEP_STREAM:],
                              "stderr": result.stderr[-_KEEP_STREAM:]}
    if report is None:
        load_error = None
        if status in ("ok", "error"):  # the harness never finished: the code ended it
            load_error = f"no test report: the code ended the process first ({result.detail})"
        return ExecutionResult(**common, load_error=load_error)
    return ExecutionResult(**common, tests_passed=sum(report["results"]),
                           load_error=report["load_error"],
                           failures=tuple(report["failures"]))


def _report(stdout: str, nonce: str, total: int) -> dict[str, Any] | None:
    """The last nonce-tagged line of *stdout*, decoded and checked, or None."""
    report = tagged_json(stdout, nonce)
    if not isinstance(report, dict):
        return None
    results, failures = report.get("results"), report.get("failures")
    load_error = report.get("load_error")
    if (not isinstance(results, list) or len(results) != total
            or not all(isinstance(r, bool) for r in results)
            or not isinstance(failures, list)
            or not all(isinstance(f, str) for f in failures)
            or not (load_error is None or isinstance(load_error, str))):
        return None
    return {"results": results, "failures": [f[:_FAILURE_CHARS] for f in failures],
            "load_error": load_error[:_FAILURE_CHARS] if load_error else None}
