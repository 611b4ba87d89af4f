"""Runs a user can manage: list them (`python -m pipeline runs`), drop one (`drop RUN`), and
see, before a run starts, which runs of the same slot it will sit next to.

A *slot* is (experiment_id, experiment_version, model_id, variant) among measurements
(repeat 0). Several runs may share one (another max_tokens, another engine); the schema's
rule (store/schema.py, version 6) makes the most recently started one with results the
*current* run, the one `outcomes` and the site read. These functions report that rule; they
never decide anything the views do not.
"""

from __future__ import annotations

import difflib
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import ConfigError, StoreError, located
from pipeline.store.db import (
    LOCK_RETRY_SECONDS,
    _connect,
    open_read,
    open_snapshot,
    open_write,
    schema_version,
)
from pipeline.store.schema import SCHEMA_VERSION

# What a run was run with, beyond its slot: the identity columns a warning compares.
SETTINGS = ("engine", "engine_version", "model_sha256", "model_revision", "temperature",
            "top_p", "max_tokens", "seed", "n_samples", "constrained", "prompt_template_hash",
            "adapter_sha256")
SLOT = ("experiment_id", "experiment_version", "model_id", "variant")

# `drop` does not queue behind a runner: a lock held longer than this is refused.
DROP_LOCK_WAIT_S = 2.0


@dataclass(frozen=True)
class RunInfo:
    """One line of `python -m pipeline runs`."""

    run_id: str
    experiment_id: str
    experiment_version: int
    model_id: str
    variant: str
    engine: str
    temperature: float | None  # None: an imported log that does not say
    top_p: float | None
    max_tokens: int | None
    seed: int | None
    n_samples: int
    repeat: int
    cases_done: int
    cases_total: int
    results: int
    status: str  # complete | partial | running | empty
    role: str  # current | superseded | repeat K | - (a run without results is nobody's)
    started_at: datetime

    @property
    def sampling(self) -> str:
        def shown(value: float | int | None) -> str:
            return "?" if value is None else f"{value:g}"

        return (f"t={shown(self.temperature)} top_p={shown(self.top_p)} "
                f"max_tokens={shown(self.max_tokens)} seed={shown(self.seed)} "
                f"n={self.n_samples}")


@dataclass(frozen=True)
class SlotConflict:
    """Another run of the slot a run is about to use, with the settings that differ."""

    run_id: str
    started_at: datetime
    cases_done: int
    current: bool
    differs: dict[str, tuple[Any, Any]]  # column -> (that run's value, the new value)


@dataclass(frozen=True)
class DropReport:
    run: RunInfo
    results: int
    scores: int
    now_current: str | None  # the slot's current run after the drop (None: no run left)


def _status(stored: str, results: int) -> str:
    if results == 0:
        return "empty"
    return stored if stored in ("complete", "running") else "partial"


_LIST_SQL = """
SELECT ru.run_id, ru.experiment_id, ru.experiment_version, ru.model_id, ru.variant, ru.engine,
       ru.temperature, ru.top_p, ru.max_tokens, ru.seed, ru.n_samples,
       coalesce(ru.repeat, 0) AS repeat, coalesce(d.cases_done, 0), coalesce(t.total, 0),
       coalesce(d.results, 0), ru.status,
       ru.run_id IN (SELECT run_id FROM current_runs) AS is_current, ru.started_at
FROM runs ru
LEFT JOIN (SELECT run_id, count(DISTINCT case_id) AS cases_done, count(*) AS results
           FROM results GROUP BY run_id) d USING (run_id)
LEFT JOIN (SELECT experiment_id, experiment_version, count(*) AS total
           FROM cases GROUP BY ALL) t USING (experiment_id, experiment_version)
WHERE {where}
ORDER BY ru.experiment_id, ru.experiment_version, ru.model_id, ru.variant, repeat,
         ru.started_at, ru.run_id
"""


def _infos(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[RunInfo]:
    out = []
    for (run_id, exp, ver, model, variant, engine, t, p, mt, seed, n, repeat, done, total,
         results, stored, current, started) in con.execute(
            _LIST_SQL.format(where=where), params).fetchall():
        status = _status(stored, results)
        role = (f"repeat {repeat}" if repeat else "-" if status == "empty"
                else "current" if current else "superseded")
        out.append(RunInfo(run_id, exp, ver, model, variant, engine, t, p, mt, seed, n, repeat,
                           done, total, results, status, role, started))
    return out


def _open_any(db: Path | str, wait_s: float) -> tuple[duckdb.DuckDBPyConnection, str | None]:
    """A read-only connection with this schema's views: the file itself, or, for a file of
    an older schema version, a migrated snapshot of it (the file is not written). Returns
    (connection, snapshot folder to remove or None)."""
    path = Path(db)
    if path.is_file():
        con = _connect(path, read_only=True, wait_s=wait_s)
        try:
            version = schema_version(con, path)
        finally:
            con.close()
        if version is not None and version < SCHEMA_VERSION:
            folder, snap = open_snapshot(path, wait_s=wait_s)
            return snap, folder
    return open_read(path, wait_s=wait_s), None


def _close(con: duckdb.DuckDBPyConnection, folder: str | None) -> None:
    con.close()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def list_runs(db: Path | str, experiment_id: str | None = None) -> list[RunInfo]:
    """Every run of *db* (or of one experiment), grouped by slot, oldest first in a slot.
    An unknown experiment id is an error with a did-you-mean."""
    con, folder = _open_any(db, LOCK_RETRY_SECONDS)
    try:
        if experiment_id is None:
            return _infos(con, "TRUE", [])
        runs = _infos(con, "ru.experiment_id = ?", [experiment_id])
        if not runs:
            known = sorted({r[0] for r in con.execute(
                "SELECT experiment_id FROM runs UNION SELECT experiment_id FROM experiments"
            ).fetchall()})
            close = difflib.get_close_matches(experiment_id, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(located(db, message=f"no runs of experiment {experiment_id!r}"
                                      f"{hint} (experiments with runs: "
                                      f"{', '.join(known) or 'none'})"))
        return runs
    finally:
        _close(con, folder)


def format_runs(runs: list[RunInfo]) -> str:
    """`runs`' table: one line per run, a header, plain text (a pipe or a terminal)."""
    head = ("run", "experiment", "model", "variant", "engine", "sampling", "cases", "status",
            "role", "started (UTC)")
    rows = [(r.run_id, f"{r.experiment_id} v{r.experiment_version}", r.model_id, r.variant,
             r.engine, r.sampling, f"{r.cases_done}/{r.cases_total}", r.status, r.role,
             r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "")
            for r in runs]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)
                               ).rstrip() for line in [head, *rows])


def _resolve(con: duckdb.DuckDBPyConnection, db: Path | str, prefix: str) -> str:
    if len(prefix) < 4:
        raise ConfigError(f"run id {prefix!r}: give at least 4 characters")
    found = [r[0] for r in con.execute(
        "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id",
        [prefix]).fetchall()]
    if not found:
        raise StoreError(located(db, message=f"no run whose id starts with {prefix!r} "
                                 "(`python -m pipeline runs` lists them)"))
    if len(found) > 1:
        raise ConfigError(f"run id {prefix!r} is ambiguous: {', '.join(found[:5])}")
    return found[0]


def find_run_info(db: Path | str, prefix: str,
                  wait_s: float = LOCK_RETRY_SECONDS) -> RunInfo:
    """The run whose id starts with *prefix* (at least 4 characters), as `runs` lists it."""
    con, folder = _open_any(db, wait_s)
    try:
        return _infos(con, "ru.run_id = ?", [_resolve(con, db, prefix)])[0]
    finally:
        _close(con, folder)


def drop_run(db: Path | str, prefix: str, wait_s: float = DROP_LOCK_WAIT_S) -> DropReport:
    """Remove one run with its results and scores, in one transaction.

    Refused (StoreError) when another process holds the file for longer than *wait_s*
    (a runner committing a batch): a drop never waits a minute behind a run. A runner whose
    run is dropped between two batches stops at its next batch (Store.write_results)."""
    con = open_write(db, wait_s=wait_s)
    try:
        run_id = _resolve(con, db, prefix)
        [info] = _infos(con, "ru.run_id = ?", [run_id])
        con.execute("BEGIN TRANSACTION")
        [(scores,)] = con.execute("SELECT count(*) FROM scores WHERE run_id = ?",
                                  [run_id]).fetchall()
        [(results,)] = con.execute("SELECT count(*) FROM results WHERE run_id = ?",
                                   [run_id]).fetchall()
        con.execute("DELETE FROM scores WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM results WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        con.execute("COMMIT")
        current = con.execute(
            "SELECT run_id FROM current_runs WHERE experiment_id = ? AND experiment_version = ? "
            "AND model_id = ? AND variant = ?",
            [info.experiment_id, info.experiment_version, info.model_id, info.variant]
        ).fetchall()
    finally:
        con.close()
    return DropReport(info, results, scores, current[0][0] if current else None)


def slot_conflicts(db: Path | str, experiment_id: str, experiment_version: int,
                   model_id: str, variant: str, settings: Mapping[str, Any], *,
                   run_id: str | None = None) -> list[SlotConflict]:
    """The other runs with results in the slot (experiment version, model, variant) whose
    settings differ from *settings* (any of SETTINGS; only the keys given are compared, so
    `check` can ask before an engine reports its version). *run_id*: the run about to start,
    never its own conflict. Read-only; a missing or empty file has none.

    Why: a second run of a slot silently becomes what posts read (the newest with results);
    the runner warns with this list, and `check` reports it before a model loads."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"not run settings: {', '.join(sorted(unknown))}")
    path = Path(db)
    if not path.is_file():
        return []
    con = _connect(path, read_only=True, wait_s=LOCK_RETRY_SECONDS)
    try:
        version = schema_version(con, path)
        if version is None or version < 5:  # runs.repeat and the rule come later
            return []
        cols = ", ".join(f"ru.{c}" for c in SETTINGS)
        rows = con.execute(f"""
            SELECT ru.run_id, ru.started_at, count(DISTINCT r.case_id), {cols}
            FROM runs ru JOIN results r USING (run_id)
            WHERE ru.experiment_id = ? AND ru.experiment_version = ? AND ru.model_id = ?
              AND ru.variant = ? AND coalesce(ru.repeat, 0) = 0
            GROUP BY ALL ORDER BY ru.started_at, ru.run_id""",
            [experiment_id, experiment_version, model_id, variant]).fetchall()
    finally:
        con.close()
    newest = max(rows, key=lambda r: (r[1], r[0]))[0] if rows else None
    out = []
    for rid, started, done, *values in rows:
        if rid == run_id:
            continue
        old = dict(zip(SETTINGS, values, strict=True))
        differs = {k: (old[k], v) for k, v in settings.items() if old[k] != v}
        if differs:
            out.append(SlotConflict(rid, started, done, rid == newest, differs))
    return out


def describe_conflicts(conflicts: list[SlotConflict], slot: str, run_id: str | None,
                       resumes: bool = False) -> str:
    """The warning a run (or `check`) prints for *conflicts* in *slot* ('exp v1 model/variant'):
    which settings differ (old → new), which run the site reads, how to see or drop one."""
    many = len(conflicts) > 1
    lines = [f"warning: {slot} already has {len(conflicts)} other run{'s' if many else ''} "
             "with other settings:"]
    for c in conflicts:
        diff = ", ".join(f"{k} {old!r} → {new!r}" for k, (old, new) in c.differs.items())
        lines.append(f"  run {c.run_id} ({c.cases_done} case(s), started "
                     f"{c.started_at:%Y-%m-%d %H:%M} UTC): {diff}")
    current = next((c.run_id for c in conflicts if c.current), None)
    new = f"run {run_id}" if run_id else "the new run"
    if resumes and current is not None:
        lines.append(f"  posts and the site keep reading run {current}, the slot's most "
                     f"recently started run with results; {new} is resumed beside it.")
    else:
        lines.append(f"  posts and the site read {new}, the slot's most recently started run "
                     "with results (once it has one); the other"
                     f"{'s stay' if many else ' stays'} queryable in `all_outcomes`.")
    lines.append(f"  see them: python -m pipeline runs {slot.split()[0]}; remove one: "
                 "python -m pipeline drop RUN")
    return "\n".join(lines)
