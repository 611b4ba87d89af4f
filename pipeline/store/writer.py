"""Writing runs and results. Every write is one short transaction on a freshly opened file.

Why open per write: DuckDB's file lock blocks every other process, readers included, for as
long as a connection is open. Opening per batch (a few ms) lets `mkdocs build` read the file
between batches. A batch is committed whole or not at all, so a run killed at any moment
loses at most the batch in flight; re-running skips what is committed and duplicates nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config.experiment import Experiment
from pipeline.config.models import ModelSpec
from pipeline.errors import StoreError
from pipeline.store.db import open_write


@dataclass(frozen=True)
class RunSpec:
    """Everything that defines a run. Its hash is the run_id, so re-running resumes it."""

    experiment_id: str
    experiment_version: int
    model_id: str
    variant: str
    engine: str
    engine_version: str
    model_sha256: str | None
    model_revision: str | None
    temperature: float
    top_p: float
    max_tokens: int
    seed: int
    n_samples: int
    constrained: bool
    prompt_template_hash: str

    @property
    def run_id(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RunContext:
    """Provenance that describes, but does not define, a run (recorded when it starts)."""

    model_file: str | None
    git_commit: str | None
    git_dirty: bool | None
    host: str
    hardware: str
    engine_extra: dict[str, Any]


@dataclass(frozen=True)
class ResultRow:
    case_id: str
    sample_idx: int
    prompt: str
    raw_output: str
    parsed_output: Any
    passed: bool
    failure_mode: str | None
    error: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: float | None
    finish_reason: str | None
    metrics: dict[str, float]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Store:
    """The runner's view of results.duckdb."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        open_write(self.path).close()  # create or migrate now, fail early on a newer file

    def sync_experiment(self, exp: Experiment) -> None:
        """Record the experiment and its cases. A stored case whose content changed under the
        same experiment version is refused: its old results would be mixed with new ones."""
        spec = exp.spec
        con = open_write(self.path)
        try:
            stored = dict(con.execute(
                "SELECT case_id, case_hash FROM cases WHERE experiment_id = ? "
                "AND experiment_version = ?", [spec.id, spec.version]).fetchall())
            changed = [c.id for c in exp.cases
                       if c.id in stored and stored[c.id] != exp.case_hash(c)]
            if changed:
                raise StoreError(
                    f"{exp.path}: {len(changed)} case(s) changed since results were stored under "
                    f"version {spec.version} (e.g. {', '.join(changed[:3])}). Bump 'version:' in "
                    "the experiment file to record them as a new version."
                )
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                "title = excluded.title, description = excluded.description, "
                "category = excluded.category, definition = excluded.definition",
                [spec.id, spec.version, spec.title, spec.description, spec.category, spec.scorer,
                 spec.model_dump_json(), _now()],
            )
            new = [
                (spec.id, spec.version, c.id, i, json.dumps(c.input), json.dumps(c.expected),
                 c.tags, exp.case_hash(c))
                for i, c in enumerate(exp.cases) if c.id not in stored
            ]
            if new:
                con.executemany("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?)", new)
            con.execute("COMMIT")
        finally:
            con.close()

    def sync_model(self, model: ModelSpec) -> None:
        con = open_write(self.path)
        try:
            con.execute(
                "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                "name = excluded.name, family = excluded.family, params = excluded.params, "
                "kind = excluded.kind, quantization = excluded.quantization, "
                "license = excluded.license, spec = excluded.spec",
                [model.id, model.name, model.family, model.params, model.kind,
                 model.quantization, model.license, model.model_dump_json()],
            )
        finally:
            con.close()

    def start_run(self, spec: RunSpec, ctx: RunContext) -> str:
        """Insert the run if new; an existing run (same definition) is resumed as is."""
        run_id = spec.run_id
        con = open_write(self.path)
        try:
            exists = con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchall()
            if exists:
                con.execute("UPDATE runs SET status = 'running' WHERE run_id = ?", [run_id])
            else:
                row = asdict(spec)
                con.execute(
                    "INSERT INTO runs BY NAME SELECT * FROM (SELECT "
                    + ", ".join(f"? AS {k}" for k in ["run_id", *row, "model_file", "git_commit",
                                                       "git_dirty", "host", "hardware",
                                                       "engine_extra", "started_at", "status"])
                    + ")",
                    [run_id, *row.values(), ctx.model_file, ctx.git_commit, ctx.git_dirty,
                     ctx.host, ctx.hardware, json.dumps(ctx.engine_extra), _now(), "running"],
                )
        finally:
            con.close()
        return run_id

    def completed(self, run_id: str) -> set[tuple[str, int]]:
        con = open_write(self.path)
        try:
            rows = con.execute(
                "SELECT case_id, sample_idx FROM results WHERE run_id = ?", [run_id]).fetchall()
        finally:
            con.close()
        return {(r[0], r[1]) for r in rows}

    def write_results(self, run_id: str, rows: Iterable[ResultRow]) -> int:
        """Write one batch in one transaction. Rows already stored are skipped, not duplicated."""
        rows = list(rows)
        if not rows:
            return 0
        now = _now()
        results = pd.DataFrame([
            {"run_id": run_id, "case_id": r.case_id, "sample_idx": r.sample_idx,
             "prompt": r.prompt, "raw_output": r.raw_output,
             "parsed_output": None if r.parsed_output is None else json.dumps(r.parsed_output),
             "passed": r.passed, "failure_mode": r.failure_mode, "error": r.error,
             "prompt_tokens": r.prompt_tokens, "completion_tokens": r.completion_tokens,
             "latency_ms": r.latency_ms, "finish_reason": r.finish_reason, "created_at": now}
            for r in rows
        ])
        scores = pd.DataFrame(
            [{"run_id": run_id, "case_id": r.case_id, "sample_idx": r.sample_idx,
              "metric": m, "value": float(v)} for r in rows for m, v in r.metrics.items()],
            columns=["run_id", "case_id", "sample_idx", "metric", "value"],
        )
        con = open_write(self.path)
        try:
            con.register("batch_results", results)
            con.register("batch_scores", scores)
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT OR IGNORE INTO results BY NAME SELECT * FROM batch_results")
            con.execute("INSERT OR IGNORE INTO scores BY NAME SELECT * FROM batch_scores")
            con.execute("COMMIT")
        finally:
            con.close()
        return len(rows)

    def finish_run(self, run_id: str, complete: bool) -> None:
        con = open_write(self.path)
        try:
            con.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?",
                ["complete" if complete else "partial", _now(), run_id],
            )
        finally:
            con.close()
