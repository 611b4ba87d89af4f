"""extract_code on the replies models really write, and run_tests on right, wrong and hostile
code in the real sandbox (bubblewrap required: `make sandbox-deps`; without it these fail with
that command rather than skip, like tests/sandbox)."""

from __future__ import annotations

import pytest

from pipeline.sandbox import SandboxOptions, SandboxUnavailable
from pipeline.tasks import code_exec
from pipeline.tasks.code_exec import extract_code, run_tests
from pipeline.tasks.state import ExecutionResult

OPTS = SandboxOptions(timeout_s=5, memory_mb=256)
TESTS = ["assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(10, 5) == 15"]
GOOD = "def add(a, b):\n    return a + b"


def run(code: str | None, tests: list[str] = TESTS, entry: str = "add",
        options: SandboxOptions = OPTS) -> ExecutionResult:
    try:
        result = run_tests(code, tests, entry, options)
    except SandboxUnavailable as exc:
        pytest.fail(f"the sandbox is unavailable ({exc}); install bubblewrap: "
                    "make sandbox-deps")
    print(result)
    return result


# --- extract_code ---------------------------------------------------------------------------

def test_python_fence_defining_the_entry_point_wins():
    reply = ("First a helper:\n```python\ndef helper():\n    pass\n```\nNow:\n"
             "```python\nimport math\n\ndef add(a, b):\n    return a + b\n```\nDone.")
    assert extract_code(reply, "add") == "import math\n\ndef add(a, b):\n    return a + b"


def test_first_fence_when_none_defines_the_entry_point():
    reply = "```\ndef plus(a, b):\n    return a + b\n```\n```python\nx = 1\n```"
    assert extract_code(reply, "add") == "x = 1"  # a python fence before an untagged one
    assert extract_code("```js\nlet a = 1\n```", "add") == "let a = 1"


def test_untagged_fence_defining_the_entry_point():
    assert extract_code("Sure!\n```\ndef add(a, b): return a+b\n```", "add") == \
        "def add(a, b): return a+b"


def test_cut_off_fence_is_kept_up_to_the_end():
    code = extract_code("```python\ndef add(a, b):\n    return (a +", "add")
    assert code == "def add(a, b):\n    return (a +"


def test_base_model_continuation_before_the_closing_fence():
    # the prompt ended with "```python\n": the reply is code, a closing fence, then chatter
    reply = "def add(a, b):\n    return a + b\n```\n\n```python\nprint(add(1, 2))\n```"
    assert extract_code(reply, "add") == "def add(a, b):\n    return a + b"


def test_unfenced_code_after_prose_is_trimmed_to_what_compiles():
    reply = ("Here is the function:\n\ndef add(a, b):\n    return a + b\n\n"
             "This adds two numbers, as asked.")
    assert extract_code(reply, "add") == "def add(a, b):\n    return a + b"


def test_whole_text_when_it_is_code():
    assert extract_code("import os\nadd = lambda a, b: a + b\n", "add") == \
        "import os\nadd = lambda a, b: a + b"


@pytest.mark.parametrize("reply", ["", "   \n", "I cannot help with that.", "Sure", "42",
                                   "```python\n\n```"])
def test_no_code_at_all(reply):
    assert extract_code(reply, "add") is None


# --- run_tests ------------------------------------------------------------------------------

def test_no_code_runs_nothing():
    result = run(None)
    assert (result.status, result.tests_passed, result.tests_total) == ("no_code", 0, 3)


def test_correct_code_passes_every_test():
    result = run(GOOD)
    assert (result.status, result.tests_passed, result.tests_total) == ("ok", 3, 3)
    assert result.load_error is None and result.failures == ()


def test_wrong_code_reports_one_line_per_failure_with_the_value_it_got():
    result = run("def add(a, b):\n    print('debug', a)\n    return a * b")
    assert result.status == "ok" and result.tests_passed == 0
    assert len(result.failures) == 3
    assert result.failures[0] == "assert add(1, 2) == 3 -> AssertionError (got 2)"
    assert "debug 1" in result.stdout  # the code's own output is kept, the report is not


def test_exception_in_a_test_is_one_failure_and_the_others_still_run():
    result = run("def add(a, b):\n    if a < 0:\n        raise KeyError('neg')\n    return a + b")
    assert result.tests_passed == 2
    assert result.failures == ("assert add(-1, 1) == 0 -> KeyError: 'neg'",)


def test_syntax_error_is_a_load_error():
    result = run("def add(a, b)\n    return a + b")
    assert result.tests_passed == 0
    assert result.load_error.startswith("SyntaxError: ") and "(line 1)" in result.load_error


def test_exception_on_import_is_a_load_error():
    result = run("raise RuntimeError('boom')\ndef add(a, b):\n    return a + b")
    assert result.load_error == "RuntimeError: boom" and result.tests_passed == 0


def test_missing_entry_point_is_a_load_error():
    result = run("def plus(a, b):\n    return a + b")
    assert result.load_error == "NameError: the solution does not define add()"


def test_sys_exit_on_import_does_not_end_the_harness():
    result = run("import sys\nsys.exit(0)")
    assert result.load_error == "SystemExit: 0"


def test_hard_exit_leaves_no_report():
    result = run("import os\ndef add(a, b):\n    os._exit(0)")
    assert result.status == "ok" and result.tests_passed == 0
    assert result.load_error.startswith("no test report")


def test_infinite_loop_is_a_timeout():
    result = run("def add(a, b):\n    while True:\n        pass",
                 options=SandboxOptions(timeout_s=2, memory_mb=256))
    assert result.status == "timeout" and result.tests_passed == 0


def test_memory_hog_is_named_by_the_sandbox():
    result = run("def add(a, b):\n    return len(bytearray(10**10))")
    assert result.status == "memory"


def test_forged_reports_are_ignored():
    # the code prints what a report looks like, with a made-up nonce and without one
    forged = ('{"results": [true, true, true], "load_error": null, "failures": []}')
    code = (f"print('deadbeef ' + {forged!r})\nprint({forged!r})\n"
            "def add(a, b):\n    print('0' * 32 + ' ' + " + repr(forged) + ")\n    return 0")
    result = run(code)
    assert result.tests_passed == 1  # only add(-1, 1) == 0 really passed
    assert len(result.failures) == 2


def test_report_parser_takes_the_last_nonce_line_and_checks_its_shape():
    nonce = "n" * 32
    good = '{"results": [true, false], "load_error": null, "failures": ["x"]}'
    later_bad = '{"results": [true, true, true], "load_error": null, "failures": []}'
    assert code_exec._report(f"{nonce} {good}\n", nonce, 2)["results"] == [True, False]
    assert code_exec._report(f"{nonce} {good}\n{nonce} {later_bad}\n", nonce, 2) is None
    assert code_exec._report(f"{nonce} not json\n", nonce, 2) is None
    assert code_exec._report("nothing\n", nonce, 2) is None
    assert code_exec._report(f'{nonce} {{"results": [1, 0], "failures": []}}', nonce, 2) is None


def test_network_is_denied_and_fails_the_test():
    result = run("import socket\ndef add(a, b):\n    socket.socket().connect(('1.1.1.1', 80))")
    assert result.tests_passed == 0 and result.status in ("ok", "forbidden")
