"""lora_pycode data and pipeline.finetune.dataset: the generator reproduces the committed files,
the counts and splits are as designed, training and test share no task (key), no function
name and no prompt, every reference solution (600 training, 134 test) passes its own tests in
the real sandbox and a do-nothing stub fails every test case, and bad training lines fail at
load naming file and line."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT, load_generator
from pipeline.config.experiment import Case, load_cases_with_lines
from pipeline.errors import ConfigError
from pipeline.finetune.dataset import (
    TrainExample,
    case_key,
    load_training_set,
    overlap,
    training_set_sha256,
)
from pipeline.sandbox import SandboxOptions, SandboxUnavailable
from pipeline.scoring.code_tests import code_has_tests
from pipeline.tasks.code_exec import run_tests

FOLDER = ROOT / "experiments" / "lora_pycode"
CASES = FOLDER / "cases.jsonl"
TRAIN = FOLDER / "train.jsonl"
SOLUTIONS = FOLDER / "test_solutions.jsonl"
OPTIONS = SandboxOptions(timeout_s=10, memory_mb=512)  # what the execute step uses


@functools.cache
def _cases() -> list[Case]:
    return load_cases_with_lines(CASES)[0]


@functools.cache
def _train() -> list[TrainExample]:
    return load_training_set(TRAIN)


@functools.cache
def _solutions() -> dict[str, str]:
    rows = [json.loads(line) for line in SOLUTIONS.read_text(encoding="utf-8").splitlines()]
    return {r["id"]: r["solution"] for r in rows}


def _tag(tags: list[str], prefix: str) -> str:
    (value,) = [t.split(":", 1)[1] for t in tags if t.startswith(prefix + ":")]
    return value


def _sandbox(code: str, tests: list[str], entry_point: str,
             options: SandboxOptions = OPTIONS) -> Any:
    try:
        return run_tests(code, tests, entry_point, options)
    except SandboxUnavailable as exc:
        pytest.fail(f"the sandbox is unavailable ({exc}); install bubblewrap: "
                    "make sandbox-deps")


# ------------------------------------------------------------------------------ the files


def test_counts_splits_and_tags():
    cases, train = _cases(), _train()
    assert len(cases) == 134
    assert 550 <= len(train) <= 650
    splits = Counter(_tag(c.tags, "split") for c in cases)
    assert splits == {"seen": 100, "unseen": 34}
    assert {_tag(c.tags, "difficulty") for c in cases} == {"easy", "medium"}
    seen = {_tag(c.tags, "family") for c in cases if _tag(c.tags, "split") == "seen"}
    held_out = {_tag(c.tags, "family") for c in cases if _tag(c.tags, "split") == "unseen"}
    trained = Counter(_tag(t.tags, "family") for t in train)
    assert len(seen) >= 30 and len(held_out) >= 6 and 36 <= len(seen | held_out) <= 44
    assert set(trained) == seen  # every seen family is trained, no held-out one is
    assert not held_out & seen
    assert min(trained.values()) >= 10
    for row in [*cases, *train]:
        tests = row.expected["tests"] if isinstance(row, Case) else row.expected.tests
        assert 4 <= len(tests) <= 6, row.id


def test_every_case_passes_the_code_generation_case_check():
    for case in _cases():
        assert code_has_tests(case) is None, case.id
        assert set(case.input) == {"prompt", "signature"}
        assert case.input["signature"].startswith(f"def {case.expected['entry_point']}(")


def test_every_test_case_has_a_solution_and_only_one():
    assert list(_solutions()) == [c.id for c in _cases()]


def test_training_and_test_are_disjoint_by_key_function_name_and_prompt():
    cases, train = _cases(), _train()
    train_keys = [t.key for t in train]
    assert len(set(train_keys)) == len(train_keys)
    case_keys = [case_key(c.input["signature"], c.input["prompt"]) for c in cases]
    assert len(set(case_keys)) == len(case_keys)
    assert overlap(train_keys, cases) == []
    names = {c.expected["entry_point"] for c in cases}
    assert not names & {t.expected.entry_point for t in train}
    assert len(names) == len(cases)  # one function name per test case
    norm = [" ".join(c.input["prompt"].split()).lower() for c in cases]
    assert not set(norm) & {" ".join(t.input.prompt.split()).lower() for t in train}


def test_the_generator_refuses_shared_keys_names_and_duplicates():
    gen = load_generator(FOLDER)
    files = gen.generate()
    cases, train = files["cases.jsonl"], files["train.jsonl"]
    gen.check_disjoint(cases, train)  # the committed split passes

    leaked = json.loads(json.dumps(train[0]))
    leaked["id"] = "train-leak"
    leaked["input"] = dict(cases[5]["input"], prompt=cases[5]["input"]["prompt"].upper())
    with pytest.raises(ValueError, match="share a case_key"):
        gen.check_disjoint(cases, [*train, leaked])
    renamed = json.loads(json.dumps(train[0]))
    renamed["id"] = "train-renamed"
    renamed["input"]["prompt"] += " Keep it short."
    renamed["expected"]["entry_point"] = cases[0]["expected"]["entry_point"]
    with pytest.raises(ValueError, match="function names in both sets"):
        gen.check_disjoint(cases, [*train, renamed])
    reworded = json.loads(json.dumps(train[0]))
    reworded["id"] = "train-reworded"
    reworded["input"]["prompt"] = "  " + cases[9]["input"]["prompt"].lower()
    with pytest.raises(ValueError, match="with a test case's prompt"):
        gen.check_disjoint(cases, [*train, reworded])
    with pytest.raises(ValueError, match="train: duplicate case_key"):
        gen.check_disjoint(cases, [*train, dict(train[3], id="again")])


# ------------------------------------------------------------------------------ the sandbox


def test_every_test_solution_passes_its_case_and_a_stub_fails_it():
    """All 134 solutions, and a do-nothing stub for each, in one sandbox run each (see
    :func:`_batch`); then, as tests/experiments does for code_generation, the first case of
    every family on its own through the execute step's harness and real entry point (a run
    per case for all 134 takes 20-45 s on a busy 2-core box)."""
    cases, solutions = _cases(), _solutions()
    items = [{"solution": solutions[c.id], "tests": c.expected["tests"]} for c in cases]
    result = _batch(items, expect="all_pass")
    assert (result.status, result.load_error) == ("ok", None), result
    assert result.tests_passed == result.tests_total == len(cases), result.failures
    stubs = [{"solution": f"def {c.expected['entry_point']}(*args, **kwargs):\n"
                          "    return None\n", "tests": c.expected["tests"]} for c in cases]
    result = _batch(stubs, expect="some_fail")
    assert result.tests_passed == result.tests_total == len(cases), result.failures
    firsts = {_tag(c.tags, "family"): c for c in reversed(cases)}
    for case in firsts.values():
        result = _sandbox(solutions[case.id], case.expected["tests"],
                          case.expected["entry_point"])
        assert (result.status, result.load_error) == ("ok", None), (case.id, result)
        assert result.tests_passed == result.tests_total, (case.id, result.failures)


def test_every_training_solution_passes_its_own_tests():
    """600 solutions in one sandbox run (a run each would take about 100 s on 2 cores): a
    driver runs each solution and its tests in fresh namespaces, one harness test per example,
    so a failure names the example."""
    train = _train()
    result = _batch([{"solution": t.solution, "tests": t.expected.tests} for t in train],
                    expect="all_pass")
    assert (result.status, result.load_error) == ("ok", None), result
    failed = [train[int(m.group(1))].id for f in result.failures
              for m in [re.search(r"check\((\d+)\)", f)] if m]
    assert result.tests_passed == result.tests_total == len(train), (failed, result.failures)


_DRIVER = '''
import json

_ITEMS = json.loads(__DATA__)


def check(i):
    """'ok' when item i's solution passes every test; else what went wrong."""
    item = _ITEMS[i]
    namespace = {}
    exec(compile(item["solution"], "<solution %d>" % i, "exec"), namespace)
    failed = []
    for test in item["tests"]:
        try:
            exec(compile(test, "<test>", "exec"), dict(namespace))
        except BaseException as exc:
            failed.append("%s -> %s: %s" % (test, type(exc).__name__, exc))
    if __EXPECT__ == "all_pass":
        return "ok" if not failed else failed[0]
    return "ok" if failed else "a stub passed every test"
'''


def _batch(items: list[dict[str, Any]], expect: str) -> Any:
    """Run *items* (solution + tests each) in one sandbox run through the execute step's
    harness; harness test i is ``check(i) == 'ok'``."""
    driver = (_DRIVER.replace("__DATA__", repr(json.dumps(items)))
              .replace("__EXPECT__", repr(expect)))
    tests = [f"assert check({i}) == 'ok'" for i in range(len(items))]
    return _sandbox(driver, tests, "check", SandboxOptions(timeout_s=60, memory_mb=1024))


# ------------------------------------------------------------------------------ the module


def test_case_key_normalises_whitespace_and_case():
    key = case_key("def f(x: int) -> int:", "Return  x\nplus one.")
    assert key == case_key("  def f(x: int)  -> int:", "return x plus\tONE.  ")
    assert key == hashlib.sha256(b"def f(x: int) -> int: return x plus one.").hexdigest()
    assert key != case_key("def f(x: int) -> int:", "Return x plus two.")
    assert key != case_key("def g(x: int) -> int:", "Return x plus one.")


def test_overlap_finds_an_injected_duplicate():
    cases = _cases()
    target = cases[17]
    copied = TrainExample(
        id="leak", input={"prompt": "  " + target.input["prompt"].upper(),
                          "signature": target.input["signature"]},
        solution="def f():\n    pass\n",
        expected={"entry_point": "f", "tests": ["assert True"]})
    keys = [t.key for t in _train()] + [copied.key]
    assert overlap(keys, cases) == [target.id]
    assert overlap(keys, [copied]) == ["leak"]  # training examples work as cases too


def test_training_set_sha256_is_the_file_bytes(tmp_path):
    assert training_set_sha256(TRAIN) == hashlib.sha256(TRAIN.read_bytes()).hexdigest()
    copy = tmp_path / "train.jsonl"
    copy.write_bytes(TRAIN.read_bytes() + b"\n")
    assert training_set_sha256(copy) != training_set_sha256(TRAIN)


def _good_lines(n: int = 2) -> list[str]:
    return TRAIN.read_text(encoding="utf-8").splitlines()[:n]


def _with(mutate: Any) -> str:
    row = json.loads(_good_lines(3)[2])
    mutate(row)
    return json.dumps(row)


def _first_with_id_and_loud_prompt() -> dict[str, Any]:
    """Line 1 under another id, its prompt upper-cased: the same task by :func:`case_key`."""
    row = json.loads(_good_lines(1)[0])
    row["id"] = "copy"
    row["input"]["prompt"] = row["input"]["prompt"].upper()
    return row


BAD_LINES = {
    "invalid JSON": ('{"id": "x", ', r"invalid JSON"),
    "missing solution": (_with(lambda r: r.pop("solution")), r"solution: Field required"),
    "unknown key": (_with(lambda r: r.update(answer="x")), r"answer: unknown key"),
    "wrong entry point": (_with(lambda r: r["expected"].update(entry_point="other")),
                          r"expected\.entry_point 'other' does not match"),
    "solution does not compile": (_with(lambda r: r.update(solution="def (:\n")),
                                  r"solution does not compile"),
    "test is not an assert": (_with(lambda r: r["expected"].update(tests=["print(1)"])),
                              r"expected\.tests\[0\] is not an assert"),
    "duplicate task": (_with(lambda r: r.update(_first_with_id_and_loud_prompt())),
                       r"same task as line 1"),
    "duplicate id": (_with(lambda r: r.update(id=json.loads(_good_lines(1)[0])["id"])),
                     r"duplicate example id"),
}


@pytest.mark.parametrize("what", sorted(BAD_LINES))
def test_a_bad_training_line_names_file_and_line(tmp_path, what):
    line, message = BAD_LINES[what]
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join([*_good_lines(), "", line]) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_training_set(path)
    assert re.search(rf"{re.escape(str(path))}:4: .*{message}", str(err.value)), str(err.value)


def test_an_empty_or_missing_training_set_is_a_config_error(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no examples"):
        load_training_set(empty)
    with pytest.raises(ConfigError, match="cannot read"):
        load_training_set(tmp_path / "missing.jsonl")


def test_training_examples_have_the_documented_shape():
    row = json.loads(_good_lines(1)[0])
    assert list(row) == ["id", "input", "solution", "expected", "tags"]
    assert list(row["input"]) == ["prompt", "signature"]
    assert list(row["expected"]) == ["entry_point", "tests"]
    assert row["tags"] == [t for t in row["tags"] if t.startswith("family:")]
    example = _train()[0]
    assert example.solution.startswith(example.input.signature + "\n")
    assert isinstance(example, TrainExample) and Path(TRAIN).stat().st_size > 0
