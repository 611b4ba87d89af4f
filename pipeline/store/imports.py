"""Writing other harnesses' runs (`ImportedLog`s from pipeline/importers) into results.duckdb.

One rule for every importer, so an imported run is as first-class as the runner's own:
- **Identity.** A run's id is the hash of (tool, the run's key inside its file, the model as
  logged, experiment, version, variant): the same log imported twice is the same run.
- **Idempotent.** A run already stored from a file with the same sha256 is left alone
  ("unchanged"). The same run identity from a file with *other* content is refused unless
  `replace` is set; then the old run's rows are removed and the new ones written.
- **All or nothing.** Every log of one call is written in one transaction, after every file
  was read and checked: a bad file, a conflict or a kill at any moment leaves the database as
  it was.
- **Where the cases come from.** Without `experiment`, each log becomes experiment
  `<tool>-<task>` version 1 with the log's own cases (inputs, targets, metadata). With
  `experiment`, the log's samples are matched by id onto that stored experiment's cases
  (its latest version), so a run of another harness pairs with the runner's runs case by case;
  a sample whose id is not a case there is an error naming the file and the sample.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.config.models import ModelSpec
from pipeline.errors import ImportFileError, StoreError, located
from pipeline.hashing import short_hash
from pipeline.importers.records import ImportedLog
from pipeline.store.db import check_writable, open_write
from pipeline.store.schema import RESULT_KEY, SCORE_KEY
from pipeline.store.writer import ResultRow, insert_new, results_frame, scores_frame


@dataclass(frozen=True)
class ImportOptions:
    """How logs land: onto which experiment, as which registry model, under which variant."""

    experiment: str | None = None  # a stored experiment id whose cases the samples are
    model: ModelSpec | None = None  # the registry model the log's model is (else as logged)
    variant: str | None = None  # default: the tool's name ('inspect', 'lm-eval', ...)
    replace: bool = False  # replace a stored run of the same identity from a changed file


@dataclass(frozen=True)
class ImportOutcome:
    """What one log became: a new run, a replaced one, or nothing (already imported)."""

    action: str  # 'imported' | 'replaced' | 'unchanged'
    run_id: str
    log: ImportedLog
    experiment_id: str
    experiment_version: int
    model_id: str
    variant: str
    samples: int
    notes: list[str] = field(default_factory=list)


def _naive_utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "task"


def imported_experiment_id(log: ImportedLog) -> str:
    """The experiment a log lands in when no `experiment` is given: `<tool>-<task slug>`."""
    return f"{_slug(log.tool)}-{_slug(log.task)}"


def import_run_id(log: ImportedLog, experiment_id: str, version: int, variant: str) -> str:
    """The run's identity (see the module docstring); stable across re-imports."""
    return short_hash(json.dumps({
        "tool": log.tool, "source_key": log.source_key, "model": log.model,
        "experiment_id": experiment_id, "experiment_version": version, "variant": variant,
    }, sort_keys=True))


def _case_hash(input_: Any, expected: Any, tags: list[str]) -> str:
    return short_hash(json.dumps({"input": input_, "expected": expected, "tags": tags},
                                 sort_keys=True, default=str))


def _sampling(log: ImportedLog, key: str, kind: type) -> Any:
    value = log.sampling.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def import_logs(db_path: Path | str, logs: Sequence[ImportedLog],
                options: ImportOptions | None = None) -> list[ImportOutcome]:
    """Write *logs* into *db_path* in one transaction; see the module docstring for the rules.

    Raises ImportFileError (naming the file and sample) or StoreError (a conflict, the
    database); nothing is written then.
    """
    options = options or ImportOptions()
    db_path = Path(db_path)
    check_writable(db_path)
    con = open_write(db_path)
    outcomes: list[ImportOutcome] = []
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            for log in logs:
                outcomes.append(_write_log(con, log, options))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    return outcomes


def _target_experiment(con: Any, log: ImportedLog, options: ImportOptions
                       ) -> tuple[str, int, set[str] | None]:
    """(experiment id, version, its stored case ids when mapping onto an existing one)."""
    if options.experiment is None:
        return imported_experiment_id(log), 1, None
    row = con.execute("SELECT max(experiment_version) FROM cases WHERE experiment_id = ?",
                      [options.experiment]).fetchone()
    if row is None or row[0] is None:
        known = [r[0] for r in con.execute(
            "SELECT DISTINCT experiment_id FROM experiments ORDER BY 1").fetchall()]
        import difflib

        close = difflib.get_close_matches(options.experiment, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise StoreError(f"--experiment {options.experiment!r}: no such experiment with cases "
                         f"in the database.{hint} Stored: {', '.join(known[:12]) or 'none'}")
    version = int(row[0])
    ids = {r[0] for r in con.execute(
        "SELECT case_id FROM cases WHERE experiment_id = ? AND experiment_version = ?",
        [options.experiment, version]).fetchall()}
    return options.experiment, version, ids


def _write_cases(con: Any, log: ImportedLog, experiment_id: str) -> None:
    """The log's own cases as an imported experiment's (version 1): new cases are added, a
    stored case with other content is a conflict (another log of the task with other data)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        "INSERT INTO experiments VALUES (?, 1, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [experiment_id, log.task, f"Imported from {log.tool}: task {log.task!r}.",
         "Imported", f"{log.tool}:{log.primary_metric}",
         json.dumps({"imported": True, "tool": log.tool, "task": log.task,
                     "task_params": log.task_params}, default=str), now])
    stored = dict(con.execute(
        "SELECT case_id, case_hash FROM cases WHERE experiment_id = ? AND experiment_version = 1",
        [experiment_id]).fetchall())
    start = len(stored)
    rows = []
    for case in log.cases:
        digest = _case_hash(case.input, case.expected, case.tags)
        if case.case_id in stored:
            if stored[case.case_id] != digest:
                raise ImportFileError(located(
                    log.source_file, key=f"sample {case.case_id!r}",
                    message=f"differs from case {case.case_id!r} already stored for "
                    f"experiment {experiment_id!r} (another log of task {log.task!r} with other "
                    "data); import it onto an experiment of its own with --experiment, or "
                    "drop the stored runs first"))
            continue
        rows.append((experiment_id, 1, case.case_id, start + len(rows),
                     json.dumps(case.input, default=str),
                     None if case.expected is None else json.dumps(case.expected, default=str),
                     list(case.tags), digest))
    if rows:
        con.executemany("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _write_model(con: Any, log: ImportedLog, options: ImportOptions) -> str:
    spec = options.model
    if spec is not None:
        con.execute(
            "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [spec.id, spec.name, spec.family, spec.params, spec.kind, spec.quantization,
             spec.license, spec.model_dump_json()])
        return spec.id
    con.execute(
        "INSERT INTO models VALUES (?, ?, ?, NULL, 'chat', NULL, NULL, ?) ON CONFLICT DO NOTHING",
        [log.model, log.model, "unknown",
         json.dumps({"imported_from": log.tool, "name_in_log": log.model})])
    return log.model


def _write_log(con: Any, log: ImportedLog, options: ImportOptions) -> ImportOutcome:
    notes: list[str] = []
    experiment_id, version, known = _target_experiment(con, log, options)
    if known is not None:
        missing = [s.case_id for s in log.samples if s.case_id not in known]
        if missing:
            raise ImportFileError(located(
                log.source_file, key=f"sample {missing[0]!r}",
                message=f"not a case of experiment {experiment_id!r} version {version} "
                f"({len(missing)} such sample(s)); --experiment maps samples onto that "
                "experiment's cases by id"))
        uncovered = len(known - {s.case_id for s in log.samples})
        if uncovered:
            notes.append(f"{uncovered} of the experiment's {len(known)} cases are not in "
                         "this log")
    variant = options.variant or log.tool
    run_id = import_run_id(log, experiment_id, version, variant)
    stored = con.execute("SELECT source_sha256, source_file FROM runs WHERE run_id = ?",
                         [run_id]).fetchone()
    action = "imported"
    if stored is not None:
        if stored[0] == log.source_sha256:
            return ImportOutcome("unchanged", run_id, log, experiment_id, version,
                                 options.model.id if options.model else log.model, variant, 0,
                                 ["already imported from a file with the same sha256"])
        if not options.replace:
            raise StoreError(located(
                log.source_file, message=f"run {run_id} ({log.tool} task {log.task!r} on "
                f"{log.model}) was already imported from {stored[1]} with other content "
                f"(sha256 {str(stored[0])[:12]}… vs {log.source_sha256[:12]}…); pass --replace "
                "to replace it"))
        con.execute("DELETE FROM scores WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM results WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        action = "replaced"
    if known is None:
        _write_cases(con, log, experiment_id)
    model_id = _write_model(con, log, options)

    created = _naive_utc(log.created_at)
    n_samples = max((s.sample_idx for s in log.samples), default=-1) + 1
    covered = {s.case_id for s in log.samples}
    case_count = len(known) if known is not None else len(log.cases)
    complete = log.status == "complete" and len(covered) == case_count
    if log.status != "complete":
        notes.append(f"partial log: {log.status_note or log.status}")
    finished = max((_naive_utc(s.created_at) for s in log.samples if s.created_at),
                   default=created)
    run = {
        "run_id": run_id, "experiment_id": experiment_id, "experiment_version": version,
        "model_id": model_id, "variant": variant, "engine": log.tool,
        "engine_version": log.tool_version, "model_sha256": None, "model_revision": None,
        "model_file": None,
        "temperature": _sampling(log, "temperature", float),
        "top_p": _sampling(log, "top_p", float),
        "max_tokens": _sampling(log, "max_tokens", int),
        "seed": _sampling(log, "seed", int), "n_samples": max(n_samples, 1),
        "constrained": None,
        "prompt_template_hash": short_hash(json.dumps(log.task_params, sort_keys=True,
                                                      default=str)),
        "git_commit": None, "git_dirty": None, "host": None, "hardware": None,
        "engine_extra": json.dumps({"model_in_log": log.model,
                                    "primary_metric": log.primary_metric,
                                    "headline": {k: v for k, v in log.headline.items()
                                                 if _finite(v)}}),
        "started_at": created, "finished_at": finished,
        "status": "complete" if complete else "partial",
        "experiment_path": None, "repeat": 0, "wall_time_s": 0.0,
        "source_tool": log.tool, "source_version": log.tool_version,
        "source_format": log.format_version, "source_file": log.source_file,
        "source_sha256": log.source_sha256, "source_key": log.source_key,
        "source_created_at": created, "source_note": log.status_note,
        "task_params": json.dumps(log.task_params, default=str),
    }
    con.execute("INSERT INTO runs BY NAME SELECT * FROM (SELECT "
                + ", ".join(f"? AS {k}" for k in run) + ")", list(run.values()))

    skipped = sum(not _finite(v) for s in log.samples for v in s.scores.values())
    if skipped:
        notes.append(f"{skipped} non-finite score value(s) (NaN, Infinity) not stored")
    rows = [ResultRow(
        case_id=s.case_id, sample_idx=s.sample_idx, prompt=s.prompt, raw_output=s.raw_output,
        parsed_output=s.parsed_output, passed=s.passed,
        failure_mode=None if s.passed else (s.failure_mode or "failed"), error=s.error,
        prompt_tokens=s.prompt_tokens, completion_tokens=s.completion_tokens,
        latency_ms=s.latency_ms, finish_reason=s.finish_reason,
        metrics={m: float(v) for m, v in s.scores.items() if _finite(v)},
        transcript=s.transcript,
        created_at=_naive_utc(s.created_at) if s.created_at else created)
        for s in log.samples]
    results = results_frame(run_id, rows, created)
    scores = scores_frame(run_id, rows)
    con.register("import_results", results)
    con.register("import_scores", scores)
    try:
        con.execute(insert_new("results", "import_results", RESULT_KEY))
        con.execute(insert_new("scores", "import_scores", SCORE_KEY))
    finally:
        con.unregister("import_results")
        con.unregister("import_scores")
    return ImportOutcome(action, run_id, log, experiment_id, version, model_id, variant,
                         len(rows), notes)
