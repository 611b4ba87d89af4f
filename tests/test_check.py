"""`python -m pipeline check`: the estimate's figures, recomputed from the database with SQL;
the slot warning; every committed experiment checks clean with no engine loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import EXPERIMENTS, ROOT, TINY
from pipeline import cli
from pipeline.engines import engines
from pipeline.hashing import files_sha256
from pipeline.progress import duration

REGISTRY = ROOT / "experiments" / "models.yaml"


class NoEngine:
    """Every engine factory replaced once `install()` is called (after any run a test
    makes): `check` must never load an engine; a load is recorded in `loaded`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loaded: list[str] = []
        self._monkeypatch = monkeypatch

    def install(self) -> None:
        def get(name: str) -> object:
            self.loaded.append(name)
            raise AssertionError(f"check loaded engine {name!r}")
        self._monkeypatch.setattr(engines, "get", get)


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> NoEngine:
    return NoEngine(monkeypatch)


def _check(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["check", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _run_tiny(exp: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["run", str(exp), "--engine", "mock", "--db", str(db), "--registry",
                     str(REGISTRY), "--no-progress"])
    capsys.readouterr()
    assert code == 0


def test_the_estimate_is_the_databases_own_figures(tmp_path: Path, no_engine: NoEngine,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "results.duckdb"
    _run_tiny(TINY, db, capsys)  # a real run: the mock engine, every case, both variants
    no_engine.install()
    before = files_sha256([db])
    code, out, err = _check([str(TINY), "--engine", "mock", "--db", str(db), "--registry",
                             str(REGISTRY)], capsys)
    assert code == 0, err
    assert no_engine.loaded == [] and files_sha256([db]) == before  # no engine, nothing written

    con = duckdb.connect(str(db), read_only=True)
    chars, tokens, prompts = con.execute("""
        SELECT sum(length(r.prompt)), sum(r.prompt_tokens), count(*)
        FROM results r JOIN runs ru USING (run_id)
        WHERE ru.model_id = 'smollm2-135m' AND r.sample_idx = 0 AND r.prompt_tokens > 0
    """).fetchone()
    wall, samples, runs = con.execute("""
        SELECT sum(wall_time_s), sum(n), count(*) FROM (
            SELECT ru.run_id, any_value(ru.wall_time_s) AS wall_time_s, count(*) AS n
            FROM runs ru JOIN results r USING (run_id)
            WHERE ru.model_id = 'smollm2-135m' AND ru.engine = 'mock' AND ru.wall_time_s > 0
            GROUP BY ru.run_id)
    """).fetchone()
    cases, variants = con.execute("""
        SELECT count(DISTINCT case_id), count(DISTINCT ru.variant)
        FROM results r JOIN runs ru USING (run_id)""").fetchone()
    con.close()

    ratio = chars / tokens
    generations = cases * variants  # n = 1: one sample a case
    # the run stored every prompt the check renders, so their characters are the estimate's
    expected_tokens = round(chars / ratio)
    assert (f"tiny_json on smollm2-135m: {cases} cases × {variants} variant(s) × 1 sample(s) "
            f"= {generations} generations; ~{expected_tokens:,} prompt tokens ({chars:,} chars)"
            ) in out, out
    assert f"smollm2-135m: {ratio:.2f} chars/token, measured from {prompts} prompts" in out
    per_sample = wall / samples
    assert (f"speed: smollm2-135m on mock: {per_sample:.2f} s/sample measured from {samples} "
            f"samples in {runs} run(s)") in out, out
    assert f"time: ~{duration(generations * per_sample)}" in out, out


def test_a_model_never_run_is_assumed_and_says_so(tmp_path: Path, no_engine: NoEngine,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    no_engine.install()
    db = tmp_path / "none.duckdb"
    code, out, err = _check([str(TINY), "--engine", "mock", "--models", "gemma3-270m",
                             "--limit", "2", "--db", str(db), "--registry", str(REGISTRY)],
                            capsys)
    assert code == 0, err
    assert "tiny_json on gemma3-270m: 2 cases × 2 variant(s) × 1 sample(s) = 4 generations" \
        in out
    assert "gemma3-270m: assumed 4 chars/token" in out
    assert "no measured speed for model gemma3-270m on engine mock" in out
    assert "time: unknown" in out
    assert not db.exists() and no_engine.loaded == []


def test_a_run_with_other_settings_in_the_slot_is_warned(
        tmp_path: Path, no_engine: NoEngine, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "results.duckdb"
    _run_tiny(TINY, db, capsys)
    no_engine.install()
    folder = tmp_path / "tiny"
    shutil.copytree(TINY.parent, folder)
    exp = folder / "experiment.yaml"
    exp.write_text(exp.read_text().replace("max_tokens: 48", "max_tokens: 64"))
    code, out, err = _check([str(exp), "--engine", "mock", "--db", str(db), "--registry",
                             str(REGISTRY), "--variants", "plain"], capsys)
    assert code == 0, err
    assert "warning: tiny_json v1 smollm2-135m/plain already has 1 other run" in out, out
    assert "max_tokens 48 → 64" in out
    assert no_engine.loaded == []


def test_every_committed_experiment_checks_clean_without_an_engine(
        tmp_path: Path, no_engine: NoEngine, capsys: pytest.CaptureFixture[str]) -> None:
    no_engine.install()
    db = tmp_path / "none.duckdb"
    lora = EXPERIMENTS / "lora_pycode.yaml"  # its adapter model lives in the CPU vLLM registry
    rest = sorted(p for p in EXPERIMENTS.glob("*.yaml")
                  if not p.name.startswith("models") and p != lora)
    assert len(rest) >= 10
    for paths, registry in ((rest, REGISTRY), ([lora], EXPERIMENTS / "models.cpu-vllm.yaml")):
        code, out, err = _check([*map(str, paths), "--engine", "mock", "--db", str(db),
                                 "--registry", str(registry)], capsys)
        assert code == 0, err
        assert out.startswith(f"ok: {len(paths)} experiment(s)"), out
    assert no_engine.loaded == [] and not db.exists()
