"""pipeline.finetune.overlap on a tiny training set and tiny test cases written here, with
real sandbox runs: a reference solution that is a training solution with other names is
found and a different one is not; a training solution that passes a case's hidden tests is
found (and one that never ends does not stop the others); the prompt template ignores names,
quotes and numbers only; a re-run replaces the stored rows; bad input fails naming the file
and the key, writing nothing. Needs bubblewrap (`make sandbox-deps`): without it these tests
fail with the install command, they do not skip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.finetune.overlap import (
    OverlapReport,
    canonical_solution,
    measure_overlap,
    prompt_template,
    store_overlap,
)
from pipeline.sandbox import SandboxUnavailable
from pipeline.store.overlap import OverlapRow, write_overlap


def _train(eid: str, prompt: str, signature: str, solution: str, tests: list[str],
           family: str) -> dict[str, Any]:
    name = signature.split("(")[0].removeprefix("def ")
    return {"id": eid, "input": {"prompt": prompt, "signature": signature},
            "solution": solution, "expected": {"entry_point": name, "tests": tests},
            "tags": [f"family:{family}"]}


def _case(cid: str, prompt: str, signature: str, tests: list[str], family: str,
          split: str) -> dict[str, Any]:
    name = signature.split("(")[0].removeprefix("def ")
    return {"id": cid, "input": {"prompt": prompt, "signature": signature},
            "expected": {"entry_point": name, "tests": tests},
            "tags": [f"family:{family}", f"split:{split}"]}


TRAIN = [
    _train("train-above-1", "Keep the values of `data` larger than 7, in order.",
           "def only_data_above(data: list[int]) -> list[int]:",
           "def only_data_above(data: list[int]) -> list[int]:\n"
           "    return [x for x in data if x > 7]\n",
           ["assert only_data_above([8, 1, 9]) == [8, 9]"], "filter_greater"),
    _train("train-above-2", "Keep the values of `nums` larger than 3, in order.",
           "def pick_nums(nums: list[int]) -> list[int]:",
           "def pick_nums(nums: list[int]) -> list[int]:\n"
           "    return [n for n in nums if n > 3]\n",
           ["assert pick_nums([4, 1]) == [4]"], "filter_greater"),
    _train("train-total-1", "Return the sum of `values`.",
           "def total_of(values: list[int]) -> int:",
           "def total_of(values: list[int]) -> int:\n"
           "    result = 0\n    for v in values:\n        result += v\n    return result\n",
           ["assert total_of([1, 2]) == 3"], "sum_list"),
    _train("train-forever-1", "Return the values of `xs` reversed.",
           "def backwards(xs: list[int]) -> list[int]:",
           "def backwards(xs: list[int]) -> list[int]:\n"
           "    while True:\n        pass\n",
           ["assert backwards([1]) == [1]"], "reverse"),
    _train("train-pair-1", "Add `a` and `b`.",
           "def add_two(a: int, b: int) -> int:",
           "def add_two(a: int, b: int) -> int:\n    return a + b\n",
           ["assert add_two(1, 2) == 3"], "add"),
]

CASES = [
    # the same program as train-above-2 under other names; the same template as both
    _case("renamed", "Keep the values of `scores` larger than 3, in order.",
          "def keep_scores(scores: list[int]) -> list[int]:",
          ["assert keep_scores([]) == []", "assert keep_scores([5, 3, 4, 1]) == [5, 4]"],
          "filter_greater", "seen"),
    # another program, but train-total-1 (renamed) passes its tests
    _case("passes", "What do the numbers in `amounts` add up to? Give the total.",
          "def add_up(amounts: list[int]) -> int:",
          ["assert add_up([]) == 0", "assert add_up([4, 5, -2]) == 7"], "sum_list", "seen"),
    # nothing like any training example: no measure matches
    _case("new", "Return how many values of `xs` are negative.",
          "def count_negative(xs: list[int]) -> int:",
          ["assert count_negative([]) == 0", "assert count_negative([-1, 2, -3]) == 2"],
          "count_negative", "unseen"),
]

SOLUTIONS = {
    "renamed": "def keep_scores(scores: list[int]) -> list[int]:\n"
               "    return [s for s in scores if s > 3]\n",
    "passes": "def add_up(amounts: list[int]) -> int:\n    return sum(amounts)\n",
    "new": "def count_negative(xs: list[int]) -> int:\n"
           "    return sum(1 for x in xs if x < 0)\n",
}


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _write(folder: Path, cases: list[dict[str, Any]] = CASES,
           solutions: dict[str, str] | None = None) -> Path:
    """The tiny experiment, training set and train.yaml under *folder*; returns train.yaml."""
    _jsonl(folder / "cases.jsonl", cases)
    _jsonl(folder / "train.jsonl", TRAIN)
    _jsonl(folder / "test_solutions.jsonl",
           [{"id": k, "solution": v} for k, v in (solutions or SOLUTIONS).items()])
    (folder / "exp.yaml").write_text(
        "id: tiny_code\nversion: 3\ntitle: Tiny code\ncases: cases.jsonl\nscorer: unit_tests\n"
        "case_check: code_has_tests\nsteps: [prompt, generate, execute]\nmodels: [m]\n"
        "variants:\n  - name: greedy\n    user: '{{ prompt }} {{ signature }}'\n",
        encoding="utf-8")
    config = folder / "train.yaml"
    config.write_text(
        f"adapter: tiny-lora\nbase: m\ntraining_set: {folder / 'train.jsonl'}\n"
        f"prompt:\n  experiment: {folder / 'exp.yaml'}\n  variant: greedy\n"
        f"output: {folder / 'adapter'}\n", encoding="utf-8")
    return config


def _measure(config: Path, **kwargs: Any) -> OverlapReport:
    try:
        return measure_overlap(config, workers=2, **kwargs)
    except SandboxUnavailable as exc:
        pytest.fail(f"the sandbox is unavailable ({exc}); install bubblewrap: "
                    "make sandbox-deps")


def _by(report: OverlapReport) -> dict[tuple[str, str], Any]:
    return {(r.case_id, r.measure): r for r in report.rows}


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> OverlapReport:
    return _measure(_write(tmp_path_factory.mktemp("overlap")), limit_s=1.0)


# --------------------------------------------------------------------------- the measures


def test_canonical_solution_ignores_names_only():
    a = ("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n"
         "    return out\n")
    b = ("def g(vals):\n    res = []\n    for v in vals:\n        res.append(v * 2)\n"
         "    return res\n")
    assert canonical_solution(a) == canonical_solution(b)
    assert canonical_solution(a) != canonical_solution(a.replace("x * 2", "x * 3"))
    assert canonical_solution(a) != canonical_solution(a.replace("append", "extend"))
    swapped = "def f(a, b):\n    return a - b\n"
    assert canonical_solution(swapped) != canonical_solution("def f(a, b):\n    return b - a\n")
    assert canonical_solution("def f(s):\n    return len(s)\n") != \
        canonical_solution("def f(s):\n    return sum(s)\n")  # builtins are not renamed


def test_prompt_template_replaces_names_quotes_and_numbers_only():
    assert prompt_template("Keep the values of `data` larger than 7,  in order.") == \
        prompt_template("keep the values of `scores` larger than -3.5, in order.")
    assert prompt_template("Return 'gold' for top_score above 80.") == \
        "return <str> for <id> above <num>."
    assert prompt_template("The key's values") == "the key's values"  # not a quote
    assert prompt_template("Keep the values of `xs` smaller than 7.") != \
        prompt_template("Keep the values of `xs` larger than 7.")


def test_renamed_identical_solution_is_found_and_a_different_one_is_not(measured):
    rows = _by(measured)
    renamed = rows["renamed", "solution_renamed"]
    assert renamed.matched and renamed.example_ids == ("train-above-2",)
    assert not rows["passes", "solution_renamed"].matched  # sum() is not the loop
    assert not rows["new", "solution_renamed"].matched
    assert rows["renamed", "prompt_template"].example_ids == ("train-above-1",
                                                               "train-above-2")
    assert not rows["passes", "prompt_template"].matched
    assert not rows["new", "prompt_template"].matched


def test_a_training_solution_that_passes_the_hidden_tests_is_found(measured):
    rows = _by(measured)
    passes = rows["passes", "solution_passes"]
    assert passes.matched and passes.example_ids == ("train-total-1",)
    # only candidates with one parameter were tried (not train-pair-1), and the one that
    # never returns was stopped by its own timer without stopping the others
    assert passes.detail["candidates"] == 4
    assert passes.detail["timed_out"] == ["train-forever-1"]
    # x > 7 fails [5, 3, 4, 1]; x > 3 passes
    assert rows["renamed", "solution_passes"].example_ids == ("train-above-2",)
    assert not rows["new", "solution_passes"].matched


def test_rows_carry_the_split_and_the_summary_counts_per_split(measured):
    assert len(measured.rows) == 3 * len(CASES)
    assert {r.detail["split"] for r in measured.rows if r.case_id == "new"} == {"unseen"}
    assert measured.summary() == [
        "seen families: 1/2 prompt_template, 1/2 solution_renamed, 2/2 solution_passes",
        "held-out families: 0/1 prompt_template, 0/1 solution_renamed, 0/1 solution_passes",
    ]
    assert (measured.experiment_id, measured.experiment_version) == ("tiny_code", 3)


# ------------------------------------------------------------------------------- storing


def _stored(db: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT case_id, measure, matched, example_ids, "
                           "detail->>'split', training_sha256 FROM overlap "
                           "ORDER BY case_id, measure").fetchall()
    finally:
        con.close()


def test_a_rerun_replaces_the_rows_without_duplicates(measured, tmp_path):
    db = tmp_path / "r.duckdb"
    assert store_overlap(db, measured) == 9
    first = _stored(db)
    assert store_overlap(db, measured) == 9
    assert _stored(db) == first
    assert len(first) == 9
    assert ("passes", "solution_passes", True, ["train-total-1"], "seen",
            measured.training_sha256) in first


def test_cli_measures_stores_and_prints_per_split(tmp_path, capsys):
    config = _write(tmp_path)
    db = tmp_path / "r.duckdb"
    for _ in range(2):
        assert main(["overlap", str(config), "--db", str(db), "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "seen families: 1/2 prompt_template, 1/2 solution_renamed, 2/2 solution_passes" \
        in out
    assert "held-out families: 0/1 prompt_template" in out
    assert len(_stored(db)) == 9


# ----------------------------------------------------------------------------- bad input


def test_a_case_without_a_reference_solution_fails_naming_file_case_and_key(tmp_path,
                                                                            capsys):
    solutions = {k: v for k, v in SOLUTIONS.items() if k != "passes"}
    config = _write(tmp_path, solutions=solutions)
    db = tmp_path / "r.duckdb"
    assert main(["overlap", str(config), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "test_solutions.jsonl") in err
    assert "'passes'" in err and "'solution'" in err
    assert "Traceback" not in err
    assert not db.exists()  # nothing written, not even an empty database


def test_bad_solution_lines_and_missing_files_name_the_file(tmp_path):
    config = _write(tmp_path)
    (tmp_path / "test_solutions.jsonl").write_text(
        json.dumps({"id": "renamed"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"test_solutions.jsonl:1: case 'renamed': key "
                                          r"'solution'"):
        measure_overlap(config)
    with pytest.raises(ConfigError, match=r"nowhere.jsonl: cannot read"):
        measure_overlap(config, tmp_path / "nowhere.jsonl")
    (tmp_path / "train.jsonl").unlink()
    with pytest.raises(ConfigError, match=r"train.jsonl: cannot read"):
        measure_overlap(config)
    with pytest.raises(ConfigError, match=r"missing.yaml"):
        measure_overlap(tmp_path / "missing.yaml")


def test_a_failed_measurement_leaves_the_stored_rows(measured, tmp_path):
    db = tmp_path / "r.duckdb"
    store_overlap(db, measured)
    before = _stored(db)
    config = _write(tmp_path, solutions={"renamed": SOLUTIONS["renamed"]})
    with pytest.raises(ConfigError):
        store_overlap(db, measure_overlap(config))
    assert _stored(db) == before


def test_a_write_that_fails_halfway_rolls_back_to_the_previous_rows(measured, tmp_path):
    db = tmp_path / "r.duckdb"
    store_overlap(db, measured)
    before = _stored(db)
    broken = [*measured.rows[:2], OverlapRow(None, "prompt_template", False)]  # type: ignore[arg-type]
    with pytest.raises(duckdb.ConstraintException):
        write_overlap(db, experiment_id=measured.experiment_id,
                      experiment_version=measured.experiment_version,
                      training_set=measured.training_set,
                      training_sha256=measured.training_sha256, rows=broken)
    assert _stored(db) == before  # the delete of the old rows was rolled back too
