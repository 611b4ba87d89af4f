"""A small experiment run through the CLI with the mock engine, for the run-management tests
(tests/store/test_runs.py, tests/store/test_failed_run.py).

Its scorer, registered here (a scorer from outside `pipeline/`, as a plugin would register
one), reads `expected["answer"]` with no load-time check (`needs=None`): a case without
`expected` makes it raise in the middle of a run, the failure issue 22 replayed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.scoring import Metric, Score, scorers
from pipeline.scoring.base import scorer

SCORER = "test_expected_answer"

if SCORER not in scorers:
    @scorer(SCORER, metrics=[Metric("correct", "the output is the expected answer")])
    def _expected_answer(case: Any, output: str, ctx: Any) -> Score:
        ok = output.strip() == case.expected["answer"]  # TypeError when `expected` is missing
        return Score(passed=ok, metrics={"correct": float(ok)})


REGISTRY = Path(__file__).resolve().parents[2] / "experiments" / "models.yaml"
MODEL = "smollm2-135m"

YAML = """\
id: conversions
version: 1
title: Unit conversions
category: Test
cases: cases.jsonl
scorer: {scorer}
models: [{model}]
sampling: {{temperature: 0.0, max_tokens: {max_tokens}, seed: 0, n: 1}}
variants:
  - name: plain
    user: "Convert: {{{{ text }}}}"
"""


def case(case_id: str, answer: str | None = "mock") -> dict[str, Any]:
    """One case; `answer=None` leaves `expected` out (the scorer then raises)."""
    c: dict[str, Any] = {"id": case_id, "input": {"text": f"{case_id}: 1 km in m"}}
    if answer is not None:
        c["expected"] = {"answer": answer}
    return c


@pytest.fixture
def experiment(tmp_path: Path) -> Callable[..., Path]:
    """write(cases, max_tokens=48) -> the experiment YAML (rewritten in place on each call)."""
    folder = tmp_path / "conversions"
    folder.mkdir()

    def write(cases: list[dict[str, Any]], max_tokens: int = 48) -> Path:
        (folder / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
        path = folder / "experiment.yaml"
        path.write_text(YAML.format(scorer=SCORER, model=MODEL, max_tokens=max_tokens))
        return path

    return write


@pytest.fixture
def run_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """The `run` command line for an experiment YAML, on the mock engine (answers "mock")."""
    monkeypatch.delenv("LLMX_MOCK_SCRIPT", raising=False)
    db = tmp_path / "results.duckdb"

    def args(yaml: Path, *extra: str) -> list[str]:
        return ["run", str(yaml), "--engine", "mock", "--registry", str(REGISTRY),
                "--db", str(db), "--no-progress", *extra]

    args.db = db  # type: ignore[attr-defined]
    return args
