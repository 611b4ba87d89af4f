"""What a run was, read back from the store: `show RUN` prints it, `rerun RUN` repeats it.

A run row records everything that defines it (its id is a hash of that) plus everything that
describes where and how it ran. `rerun` rebuilds the run from the row alone (the registry
entry as it was, the sampling, the variant, the exact cases) and refuses, with the reason,
when the experiment file on disk no longer matches what was run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, StoreError
from pipeline.progress import duration
from pipeline.store.db import open_read


def find_run(db: Path | str, prefix: str) -> dict[str, Any]:
    """The run whose id starts with *prefix* (like a git sha), with its result counts."""
    if len(prefix) < 4:
        raise ConfigError(f"run id {prefix!r}: give at least 4 characters")
    con = open_read(db)
    try:
        rows = con.execute("SELECT * FROM runs WHERE starts_with(run_id, ?)", [prefix])
        cols = [d[0] for d in rows.description]
        found = rows.fetchall()
        if not found:
            raise StoreError(f"{db}: no run whose id starts with {prefix!r}")
        if len(found) > 1:
            ids = ", ".join(r[cols.index("run_id")] for r in found[:5])
            raise ConfigError(f"run id {prefix!r} is ambiguous: {ids}")
        run = dict(zip(cols, found[0], strict=True))
        [(n, cases, errors, passed, tok_in, tok_out)] = con.execute(
            "SELECT count(*), count(DISTINCT case_id), count(error), count_if(passed), "
            "sum(prompt_tokens), sum(completion_tokens) FROM results WHERE run_id = ?",
            [run["run_id"]]).fetchall()
        [(total_cases,)] = con.execute(
            "SELECT count(*) FROM cases WHERE experiment_id = ? AND experiment_version = ?",
            [run["experiment_id"], run["experiment_version"]]).fetchall()
    finally:
        con.close()
    run.update(results=n, cases_done=cases, cases_total=total_cases, errors=errors,
               passed=passed, tokens_in=int(tok_in or 0), tokens_out=int(tok_out or 0))
    for key in ("engine_extra", "model_spec"):
        if isinstance(run.get(key), str):
            run[key] = json.loads(run[key])
    return run


_SECTIONS: list[tuple[str, list[str]]] = [
    ("run", ["run_id", "status", "experiment_id", "experiment_version", "experiment_path",
             "model_id", "variant", "repeat", "shard"]),
    ("engine", ["engine", "engine_version", "dtype", "quantization", "max_model_len",
                "tensor_parallel_size", "pipeline_parallel_size", "engine_extra"]),
    ("weights", ["model_file", "model_sha256", "model_revision", "tokenizer_hash",
                 "chat_template_hash", "adapter_name", "adapter_sha256"]),
    ("sampling", ["temperature", "top_p", "max_tokens", "seed", "seeds", "n_samples",
                  "constrained", "prompt_template_hash"]),
    ("where", ["host", "hardware", "accelerator_count", "git_commit", "git_dirty"]),
    # who wrote the run: 'runner', or the harness whose log was imported (schema 7)
    ("source", ["source_tool", "source_version", "source_format", "source_file",
                "source_sha256", "source_key", "source_created_at", "source_note",
                "task_params"]),
    ("work", ["started_at", "finished_at", "wall_time_s", "cases", "results", "passed",
              "errors", "tokens_in", "tokens_out"]),
]


def format_run(run: dict[str, Any]) -> str:
    """Human-readable provenance, grouped; every stored field appears."""
    view = dict(run)
    view["seeds"] = (f"{run['seed']}..{run['seed'] + run['n_samples'] - 1} (sample i uses "
                     "seed + i)" if run["n_samples"] > 1 and run["seed"] is not None
                     else str(run["seed"]))
    view["cases"] = f"{run['cases_done']} of {run['cases_total']}"
    if run.get("wall_time_s") is not None:  # summed over every session (segment) of the run
        w = run["wall_time_s"]
        view["wall_time_s"] = f"{w:.1f} ({duration(w)}, every session of the run)"
    lines: list[str] = []
    shown = {"model_spec", "cases_done", "cases_total"}
    for title, keys in _SECTIONS:
        lines.append(f"{title}:")
        for k in keys:
            shown.add(k)
            v = view.get(k)
            if isinstance(v, dict):
                v = json.dumps(v, sort_keys=True)
            lines.append(f"  {k:<24} {'-' if v is None else v}")
    rest = [k for k in view if k not in shown]
    if rest:
        lines.append("other:")
        lines += [f"  {k:<24} {view[k]}" for k in rest]
    if run.get("model_spec"):
        lines.append("registry entry:")
        lines.append("  " + json.dumps(run["model_spec"], sort_keys=True))
    return "\n".join(lines)


@dataclass(frozen=True)
class RerunReport:
    original: str
    new: str
    same_id: bool
    compared: int
    identical: int


def rerun(db: Path | str, prefix: str, out_db: Path | str, *, engine: str | None = None,
          limit: int | None = None, progress: bool | None = None,
          log: Callable[[str], None] = print) -> RerunReport:
    """Run the recorded run again into *out_db* and compare outputs sample by sample.

    The model comes from the registry entry stored with the run (not today's registry), the
    cases are exactly those the run holds, the variant must still hash to the recorded
    template. With the same engine version and weights the new run has the same id.
    """
    from pipeline.config.models import ModelRegistry, ModelSpec
    from pipeline.loading import load_experiment
    from pipeline.run_options import RunOptions
    from pipeline.runner import _task_hash, run_experiment

    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    run = find_run(db, prefix)
    if run.get("source_tool") not in (None, "runner"):
        raise StoreError(f"run {run['run_id']} was imported from the {run['source_tool']} log "
                         f"({run.get('source_file')}); this runner cannot repeat another "
                         f"harness's run: run {run['source_tool']} again and import its log")
    if not run.get("experiment_path") or not run.get("model_spec"):
        raise StoreError(f"run {run['run_id']} was recorded before provenance version 2 "
                         "(no experiment path / registry entry stored); it cannot be re-run")
    exp = load_experiment(Path(run["experiment_path"]))
    if exp.spec.version != run["experiment_version"]:
        raise ConfigError(f"{exp.path}: now at version {exp.spec.version}, the run used "
                          f"version {run['experiment_version']}; check out git commit "
                          f"{run['git_commit']} to re-run it")
    variant = exp.variant(run["variant"])
    template_hash = _task_hash(exp, variant)  # the steps join it for a task with steps
    if template_hash != run["prompt_template_hash"]:
        raise ConfigError(f"{exp.path}: variant {variant.name!r} changed since the run "
                          f"(template hash {template_hash} != "
                          f"{run['prompt_template_hash']}); check out git commit "
                          f"{run['git_commit']} to re-run it")
    s = exp.spec.sampling_for(variant)
    recorded = (run["temperature"], run["top_p"], run["max_tokens"], run["seed"],
                run["n_samples"])
    if (s.temperature, s.top_p, s.max_tokens, s.seed, s.n) != recorded:
        raise ConfigError(f"{exp.path}: sampling changed since the run (now {s}); check out "
                          f"git commit {run['git_commit']} to re-run it")
    model = ModelSpec.model_validate(run["model_spec"])
    con = open_read(db)
    try:
        case_ids = [r[0] for r in con.execute(
            "SELECT DISTINCT case_id FROM results WHERE run_id = ?", [run["run_id"]]).fetchall()]
    finally:
        con.close()
    if limit:
        order = {c.id: i for i, c in enumerate(exp.cases)}
        case_ids = sorted(case_ids, key=lambda c: order.get(c, 0))[:limit]
    options = RunOptions(models=[model.id], variants=[variant.name],
                         engine=engine or run["engine"], case_ids=case_ids, progress=progress,
                         log=log, repeat=int(run.get("repeat") or 0))
    [summary] = run_experiment(
        exp, ModelRegistry([model], source=f"run {run['run_id']}"), out_db, options)
    compared, identical = _compare(db, run["run_id"], out_db, summary.run_id)
    return RerunReport(run["run_id"], summary.run_id, summary.run_id == run["run_id"],
                       compared, identical)


def _compare(db_a: Path | str, run_a: str, db_b: Path | str, run_b: str) -> tuple[int, int]:
    con = open_read(db_b)
    try:
        con.execute(f"ATTACH '{str(Path(db_a).resolve()).replace(chr(39), chr(39) * 2)}' "
                    "AS original (READ_ONLY)")
        [(n, same)] = con.execute(
            "SELECT count(*), count_if(a.raw_output = b.raw_output) FROM original.results a "
            "JOIN results b USING (case_id, sample_idx) WHERE a.run_id = ? AND b.run_id = ?",
            [run_a, run_b]).fetchall()
    finally:
        con.close()
    return n, same
