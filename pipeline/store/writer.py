"""Writing runs and results. Every write is one short transaction on a freshly opened file.

Why open per write: DuckDB's file lock blocks every other process, readers included, for as
long as a connection is open. Opening per batch (a few ms) lets `mkdocs build` read the file
between batches. A batch is committed whole or not at all, so a run killed at any moment
loses at most the batch in flight; re-running skips what is committed and duplicates nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config.experiment import Experiment
from pipeline.config.models import ModelSpec
from pipeline.errors import StoreError, located
from pipeline.hashing import short_hash
from pipeline.store.db import open_write
from pipeline.store.schema import PROVENANCE_V2, RESULT_KEY, SCORE_KEY


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
    adapter_sha256: str | None = None
    # 0: a measurement. k >= 1: the k-th repeat of the same run (the noise floor).
    repeat: int = 0

    @property
    def run_id(self) -> str:
        """Stable across versions: optional fields join the hash only when set, so runs
        recorded before a field existed keep their ids (and resume)."""
        fields = {k: v for k, v in asdict(self).items()
                  if not (k in _OPTIONAL_IDENTITY and v == _OPTIONAL_IDENTITY[k])}
        blob = json.dumps(fields, sort_keys=True)
        return short_hash(blob)


# field -> the value at which it stays out of the hash (the value runs had before it existed)
_OPTIONAL_IDENTITY: dict[str, object] = {"adapter_sha256": None, "repeat": 0}
IDENTITY_COLUMNS = [f for f in RunSpec.__dataclass_fields__]


@dataclass(frozen=True)
class RunContext:
    """Provenance that describes, but does not define, a run (recorded when it starts).

    `provenance` holds the version-2 columns (see store/schema.py PROVENANCE_V2) by name.
    """

    model_file: str | None
    git_commit: str | None
    git_dirty: bool | None
    host: str
    hardware: str
    engine_extra: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)


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
    transcript: list[dict[str, Any]] | None = None
    created_at: datetime | None = None  # None: when the batch is written (an import: the log's)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Store:
    """The runner's view of results.duckdb."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        open_write(self.path).close()  # create or migrate now, fail early on a newer file

    def sync_experiment(self, exp: Experiment) -> None:
        """Record the experiment and its cases.

        A version's cases are frozen only once results exist: a stored case that no run of
        this version has a result for is replaced by the file's content (or removed when the
        file no longer has it), so fixing a case file after a failed run just works. A case
        with results whose content changed is refused: its old results would be mixed with
        new ones under one version."""
        spec = exp.spec
        con = open_write(self.path)
        try:
            stored = dict(con.execute(
                "SELECT case_id, case_hash FROM cases WHERE experiment_id = ? "
                "AND experiment_version = ?", [spec.id, spec.version]).fetchall())
            frozen = {r[0] for r in con.execute(
                "SELECT DISTINCT r.case_id FROM results r JOIN runs ru USING (run_id) "
                "WHERE ru.experiment_id = ? AND ru.experiment_version = ?",
                [spec.id, spec.version]).fetchall()}
            in_file = {c.id: c for c in exp.cases}
            changed = [c.id for c in exp.cases
                       if c.id in stored and stored[c.id] != exp.case_hash(c)]
            refused = [c for c in changed if c in frozen]
            if refused:
                raise StoreError(located(
                    exp.path, message=f"{len(refused)} case(s) changed since results were "
                    f"stored under version {spec.version}: {', '.join(refused[:5])}"
                    f"{', ...' if len(refused) > 5 else ''}. Bump 'version:' in the experiment "
                    "file to record them as a new version (cases without results may change "
                    "freely)."))
            stale = [c for c in stored if c not in frozen
                     and (c not in in_file or c in changed)]
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                "title = excluded.title, description = excluded.description, "
                "category = excluded.category, definition = excluded.definition",
                [spec.id, spec.version, spec.title, spec.description, spec.category, spec.scorer,
                 spec.model_dump_json(), _now()],
            )
            if stale:
                con.execute("DELETE FROM cases WHERE experiment_id = ? AND experiment_version = ? "
                            "AND list_contains(?, case_id)", [spec.id, spec.version, stale])
            keep = set(stored) - set(stale)
            new = [
                (spec.id, spec.version, c.id, i, json.dumps(c.input), json.dumps(c.expected),
                 c.tags, exp.case_hash(c))
                for i, c in enumerate(exp.cases) if c.id not in keep
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
        """Insert the run if new; an existing run (same definition) is resumed as is.

        Run rows of the same slot that hold no result (an attempt killed before its first
        commit) are removed first: a run without results is nobody's run, and must not be
        listed, warned about or picked by a post."""
        run_id = spec.run_id
        con = open_write(self.path)
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "DELETE FROM runs WHERE experiment_id = ? AND experiment_version = ? "
                "AND model_id = ? AND variant = ? AND coalesce(repeat, 0) = ? AND run_id <> ? "
                "AND run_id NOT IN (SELECT DISTINCT run_id FROM results)",
                [spec.experiment_id, spec.experiment_version, spec.model_id, spec.variant,
                 spec.repeat, run_id])
            exists = con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchall()
            if exists:
                con.execute("UPDATE runs SET status = 'running' WHERE run_id = ?", [run_id])
            else:
                unknown = set(ctx.provenance) - set(PROVENANCE_V2)
                if unknown:
                    raise StoreError(f"unknown provenance column(s): {', '.join(sorted(unknown))}")
                row = {"run_id": run_id, **asdict(spec), "model_file": ctx.model_file,
                       "git_commit": ctx.git_commit, "git_dirty": ctx.git_dirty,
                       "host": ctx.host, "hardware": ctx.hardware,
                       "engine_extra": json.dumps(ctx.engine_extra), "started_at": _now(),
                       "status": "running", **ctx.provenance}
                if row.get("model_spec") is not None and not isinstance(row["model_spec"], str):
                    row["model_spec"] = json.dumps(row["model_spec"])
                con.execute(
                    "INSERT INTO runs BY NAME SELECT * FROM (SELECT "
                    + ", ".join(f"? AS {k}" for k in row) + ")",
                    list(row.values()),
                )
            con.execute("COMMIT")
        finally:
            con.close()
        return run_id

    def discard_if_empty(self, run_id: str) -> bool:
        """Remove the run row when it holds no result (an attempt that failed before its
        first commit); True when removed. Called by the runner when a run fails, so the
        failed attempt leaves nothing behind that a listing or a post would see."""
        con = open_write(self.path)
        try:
            con.execute("BEGIN TRANSACTION")
            [(n,)] = con.execute("SELECT count(*) FROM results WHERE run_id = ?",
                                 [run_id]).fetchall()
            if n:
                con.execute("ROLLBACK")
                return False
            con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
            con.execute("COMMIT")
            return True
        finally:
            con.close()

    def completed(self, run_id: str, *, retry_errors: bool = False) -> set[tuple[str, int]]:
        """(case_id, sample_idx) already stored for the run. With `retry_errors`, samples
        stored as engine errors do not count as done, so they are generated again."""
        con = open_write(self.path)
        try:
            rows = con.execute(
                "SELECT case_id, sample_idx FROM results WHERE run_id = ?"
                + (" AND error IS NULL" if retry_errors else ""), [run_id]).fetchall()
        finally:
            con.close()
        return {(r[0], r[1]) for r in rows}

    def write_results(self, run_id: str, rows: Iterable[ResultRow],
                      wall_time_s: float = 0.0, replace_errors: bool = False) -> int:
        """Write one batch in one transaction, with the wall time it took added to the run.

        Rows already stored are skipped, not duplicated. With `replace_errors` (how
        `--retry-errors` lands) a stored *error* row is replaced by the new row for the same
        sample; it is off by default because the check costs a join per batch.
        """
        rows = list(rows)
        if not rows:
            return 0
        results = results_frame(run_id, rows, _now())
        scores = scores_frame(run_id, rows)
        con = open_write(self.path)
        try:
            con.register("batch_results", results)
            con.register("batch_scores", scores)
            con.execute("BEGIN TRANSACTION")
            if not con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchall():
                raise StoreError(f"{self.path}: run {run_id} is no longer in the database "
                                 "(dropped while it ran?); nothing of this batch was written")
            if replace_errors:
                stale = ("(run_id, case_id, sample_idx) IN (SELECT r.run_id, r.case_id, "
                         "r.sample_idx FROM results r JOIN batch_results b USING "
                         "(run_id, case_id, sample_idx) WHERE r.error IS NOT NULL)")
                con.execute(f"DELETE FROM scores WHERE {stale}")
                con.execute(f"DELETE FROM results WHERE {stale}")
            con.execute(insert_new("results", "batch_results", RESULT_KEY))
            con.execute(insert_new("scores", "batch_scores", SCORE_KEY))
            if wall_time_s:
                con.execute("UPDATE runs SET wall_time_s = coalesce(wall_time_s, 0) + ? "
                            "WHERE run_id = ?", [wall_time_s, run_id])
            con.execute("COMMIT")
        finally:
            con.close()
        return len(rows)

    def refresh_status(self, run_id: str) -> bool:
        """Mark the run 'complete' when every case of its experiment version has all its
        samples stored (an engine error is a stored outcome), else 'partial'.
        Derived from the data, so it is right after a resume, a shard or a merge alike."""
        con = open_write(self.path)
        try:
            complete = refresh_status(con, run_id)
        finally:
            con.close()
        return complete


def results_frame(run_id: str, rows: Sequence[ResultRow], now: datetime) -> pd.DataFrame:
    """The `results` rows of *rows* for one run, as a DataFrame DuckDB inserts BY NAME (the
    one shape both writers, the runner's batches and an import, build them in). A row
    without its own `created_at` gets *now*."""
    return pd.DataFrame({
        "run_id": run_id,
        "case_id": [r.case_id for r in rows],
        "sample_idx": [r.sample_idx for r in rows],
        "prompt": [r.prompt for r in rows],
        "raw_output": [r.raw_output for r in rows],
        "parsed_output": [None if r.parsed_output is None else json.dumps(r.parsed_output,
                                                                          default=str)
                          for r in rows],
        "passed": [r.passed for r in rows],
        "failure_mode": [r.failure_mode for r in rows],
        "error": [r.error for r in rows],
        "prompt_tokens": pd.array([r.prompt_tokens for r in rows], dtype="Int32"),
        "completion_tokens": pd.array([r.completion_tokens for r in rows], dtype="Int32"),
        "latency_ms": pd.array([r.latency_ms for r in rows], dtype="Float64"),
        "finish_reason": [r.finish_reason for r in rows],
        "created_at": [r.created_at or now for r in rows],
        "transcript": [None if r.transcript is None else json.dumps(r.transcript, default=str)
                       for r in rows],
    })


def scores_frame(run_id: str, rows: Sequence[ResultRow]) -> pd.DataFrame:
    """The tidy `scores` rows (one per result and metric) of *rows* for one run."""
    metric_rows = [(r.case_id, r.sample_idx, m, float(v))
                   for r in rows for m, v in r.metrics.items()]
    scores = pd.DataFrame(metric_rows, columns=["case_id", "sample_idx", "metric", "value"])
    scores.insert(0, "run_id", run_id)
    return scores


def refresh_status(con: Any, run_id: str) -> bool:
    """Recompute one run's status on an open write connection (see Store.refresh_status)."""
    [(complete,)] = con.execute(
        """
        SELECT (SELECT count(*) FROM results r WHERE r.run_id = ru.run_id)
             = ru.n_samples * (SELECT count(*) FROM cases c
                               WHERE c.experiment_id = ru.experiment_id
                                 AND c.experiment_version = ru.experiment_version)
        FROM runs ru WHERE ru.run_id = ?
        """, [run_id]).fetchall()
    con.execute("UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?",
                ["complete" if complete else "partial", _now(), run_id])
    return bool(complete)


def insert_new(table: str, source: str, key: Sequence[str]) -> str:
    """SQL inserting the rows of *source* whose key is not yet in *table*. A source never
    repeats a key itself (a batch holds each sample once; a shard file was written this way).

    The results tables have no key index (see schema version 3), so this anti-join is what
    keeps a re-run, a resume or a second merge from duplicating anything. Only rows of the
    runs in *source* are scanned.
    """
    cols = ", ".join(key)
    return (f"INSERT INTO {table} BY NAME SELECT s.* FROM {source} s ANTI JOIN (SELECT {cols} "
            f"FROM {table} WHERE run_id IN (SELECT DISTINCT run_id FROM {source})) t "
            f"USING ({cols})")
