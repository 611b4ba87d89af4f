"""`python -m pipeline export eee`: runs of results.duckdb as Every Eval Ever (EEE) records.

EEE (the `every-eval-ever` package, schema 0.3.0) is a shared format for evaluation results:
one *aggregate* JSON per evaluation run (`eval.schema.json`) and a companion JSONL of
*instance-level* records, one per sample (`instance_level_eval.schema.json`). Exporting to it
lets anyone compare our runs with results converted from Inspect, lm-eval or HELM without
reading our database. This module follows the package's own converters and publisher:

- **Layout** (the package's datastore, `helpers/io.py` and its validator):
  `OUT/data/<experiment>/<developer>/<model>/<uuid>.json` and `<uuid>_samples.jsonl` beside
  it, the aggregate's `detailed_evaluation_results.file_path` naming the JSONL as
  `data/...` with its sha256 and row count. The UUID is a version-4-shaped UUID derived from
  the run id (not random), so exporting the same run again rewrites the same two files with
  the same identity instead of adding a copy. Collection = our experiment id.
- **One aggregate per run** (an experiment version × model × variant, one engine and
  sampling): `evaluation_results` holds first the pass rate of the scorer's verdict (the
  `passed` column, what every post counts), then one result per metric in `scores` (its
  mean over the samples that have it). Each carries its 95% interval in
  `score_details.uncertainty.confidence_interval`, computed by `pipeline.stats` (Wilson for
  0/1 outcomes, the cluster bootstrap when a case has several samples, the seeded percentile
  bootstrap of the mean for other numbers): the same numbers as the site.
- **One instance record per result row** (case × sample), joined to the pass-rate result by
  `evaluation_result_id = "passed"`; score 1/0 is our verdict.
- **Who ran it**: runs of this project's runner name this project as `eval_library` (version:
  the git commit the run was made from); imported runs (schema 7 `runs.source_tool`, ...)
  name the harness that wrote the log (`inspect_ai`, `lm_eval`, `promptfoo`) and its version,
  with the file and its sha256 in `source_metadata.additional_details`. A database of schema
  6 (no such columns) reads as all-runner.
- **Model ids**: EEE wants a Hugging Face repo id (`Qwen/Qwen2.5-Coder-1.5B-Instruct`); its
  prefix is the datastore's developer folder. It comes from the stored registry entry
  (`weights.vllm.hf_id` when that is a repo id, not a local path), else from `HF_REPOS` (the
  registry's repo ids, experiments/models.yaml; a test keeps the two equal). A model with an
  adapter (our LoRA) is not its base model: it is `llm-experiments-blog/<model_id>` with
  the base repo in `additional_details`. Any other model is `unresolved/<model_id>` and is
  listed in `ExportSummary.unmapped`; nothing is guessed from the name.

What does not map (also returned, run by run, in `ExportSummary.unmapped`):
- `failure_mode` (why a case failed: `no_json`, `wrong_label`, ...) has no EEE field; it
  travels as the instance's `metadata.failure_mode` string, which EEE tools do not read.
- Transcripts: EEE allows `messages` only for multi-turn and agentic samples. A single-turn
  sample's transcript (retrieval, guard or offered-tools turns around one answer) is not
  exported; its prompt and output are. Our tool calls have no call id: the export numbers
  them (`t<turn>c<call>`), and argument values become JSON strings (EEE wants strings).
- Secondary metrics are aggregate results without instance rows of their own (EEE would
  want one row per sample per metric: 58k rows for structured_json alone); each sample's
  values ride in its `metadata` as `score:<metric>`.
- Metric ranges: only the pass rate and the scorer's declared 0/1 outcomes get
  `min_score`/`max_score` (0, 1); other metrics are marked `bounds_status: unknown`, as the
  package's converters mark a metric whose range they do not know.
- Engine provenance beyond engine name/version (engine_extra, tokenizer and chat-template
  hashes, hardware, host) and the prompt template (only its hash is stored) are strings in
  `additional_details`; EEE has no fields for them. An imported run's inference server is
  not recorded (its `engine` column is the harness), so it has no `inference_engine`.
- A continuous metric of a run with several samples per case gets no interval: the only
  bootstrap here that resamples whole cases is for rates.
- Repeats (`runs.repeat > 0`, the noise floor) are not measurements and are never exported.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import stats
from pipeline.errors import StoreError
from pipeline.store.db import open_snapshot

SCHEMA_VERSION = "0.3.0"  # the every-eval-ever schema these records follow
PROJECT = "llm-experiments-blog"  # who publishes the records, and our runner's name
ALPHA = 0.05  # pipeline.stats' default: the site's 95% intervals
CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 10000  # pipeline.stats' default, so intervals equal the site's
PRIMARY_RESULT_ID = "passed"

# Registry model id -> its Hugging Face repo (experiments/models.yaml, weights.vllm.hf_id).
# Needed because a stored entry may name a local copy instead (experiments/models.cpu-vllm.yaml
# points vLLM at ~/.cache/...), which says nothing about whose model it is.
HF_REPOS: dict[str, str] = {
    "smollm2-135m": "HuggingFaceTB/SmolLM2-135M-Instruct",
    "gemma3-270m": "google/gemma-3-270m",
    "qwen2.5-coder-1.5b": "Qwen/Qwen2.5-Coder-1.5B-Instruct",
}
UNRESOLVED_NAMESPACE = "unresolved"

# Importer name (runs.source_tool) -> the eval_library name EEE's own converters write.
LIBRARY_NAMES = {"inspect": "inspect_ai", "lm-eval": "lm_eval", "promptfoo": "promptfoo"}
ENGINE_NAMES = {"llama_cpp": "llama.cpp", "vllm": "vLLM"}
SELF_DEPLOYED_ENGINES = {"llama_cpp", "vllm", "transformers"}

_HF_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

# Columns of `runs` added by schema 7 (imported runs); absent from a schema-6 database.
SOURCE_COLUMNS = ("source_tool", "source_version", "source_format", "source_file",
                  "source_sha256", "source_key", "source_created_at", "source_note",
                  "task_params")


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote and what it could not say in EEE's terms."""

    files: tuple[Path, ...]  # every file written, aggregates and their JSONL companions
    aggregate_records: int  # one per run
    instance_records: int  # one per result row (case x sample)
    bytes_written: int
    unmapped: tuple[str, ...] = field(default_factory=tuple)  # one line per thing lost

    @property
    def records(self) -> int:
        return self.aggregate_records + self.instance_records

    def describe(self) -> str:
        """What `python -m pipeline export eee` prints."""
        root = self.files[0].parents[4] if self.files else None
        head = (f"{self.aggregate_records} aggregate record(s) and {self.instance_records} "
                f"instance record(s), {len(self.files)} files, {self.bytes_written:,} bytes"
                + (f" under {root}" if root else ""))
        return "\n".join([head, "not mapped to EEE:", *(f"  - {u}" for u in self.unmapped)])


def export_eee(db_path: Path, out_dir: Path, *, experiments: list[str] | None = None,
               models: list[str] | None = None,
               runs: list[str] | None = None) -> ExportSummary:
    """Write the chosen runs of *db_path* as EEE records under *out_dir*/data/.

    Default: every current run (view `current_runs`: the run each experiment version × model
    × variant's posts read). *runs* names runs by id (any measurement, current or not);
    *experiments* and *models* narrow either choice. A name that selects nothing is an error,
    so a typo never exports silently less.

    The database is read through `open_snapshot` (a copy under a read lock, migrated in the
    copy when older): one consistent state even while a runner writes, and a committed
    results.duckdb of an older schema exports without being touched.
    """
    folder, con = open_snapshot(db_path)
    try:
        selected = _select_runs(con, Path(db_path), experiments, models, runs)
        data_root = Path(out_dir) / "data"
        files: list[Path] = []
        unmapped: list[str] = []
        n_instances = 0
        n_bytes = 0
        for run in selected:
            written, rows, size, lost = _export_run(con, run, data_root)
            files += written
            n_instances += rows
            n_bytes += size
            unmapped += lost
        unmapped += _static_unmapped()
        return ExportSummary(files=tuple(files), aggregate_records=len(selected),
                             instance_records=n_instances, bytes_written=n_bytes,
                             unmapped=tuple(dict.fromkeys(unmapped)))
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


# -- choosing runs --------------------------------------------------------------------------


def _select_runs(con: Any, db_path: Path, experiments: list[str] | None,
                 models: list[str] | None, runs: list[str] | None) -> list[dict[str, Any]]:
    """The runs to export, every filter checked on its own first (a name that is nowhere is
    a typo), then together (names that exist but never meet)."""
    source = "runs" if runs else "current_runs"
    scope = "measurement runs" if runs else "current runs"
    cur = con.execute(f"SELECT * FROM {source} WHERE repeat = 0 ORDER BY experiment_id, "
                      "experiment_version, model_id, variant, run_id")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    filters = [(c, set(w), what) for c, w, what in (
        ("run_id", runs, "run"), ("experiment_id", experiments, "experiment"),
        ("model_id", models, "model")) if w]
    for column, wanted, what in filters:
        missing = sorted(wanted - {r[column] for r in rows})
        if missing:
            raise StoreError(f"{db_path}: no {scope} for {what} {', '.join(missing)}")
    rows = [r for r in rows if all(r[c] in wanted for c, wanted, _ in filters)]
    if not rows:
        together = " and ".join(f"{what} {', '.join(sorted(w))}" for _, w, what in filters)
        raise StoreError(f"{db_path}: no {scope} for {together or 'any experiment'} "
                         "together")
    for r in rows:
        for column in SOURCE_COLUMNS:
            r.setdefault(column, None)
        r["source_tool"] = r["source_tool"] or "runner"
    return rows


# -- one run --------------------------------------------------------------------------------


def _export_run(con: Any, run: dict[str, Any],
                data_root: Path) -> tuple[list[Path], int, int, list[str]]:
    lost: list[str] = []
    experiment = _experiment(con, run)
    scorer = _scorer(experiment["scorer"])
    judged_by = _imported_verdict(run)
    if judged_by is not None:  # another harness judged it (its own scorer), not ours
        experiment = {**experiment, "scorer": judged_by}
        scorer = None
    model = _model_info(con, run, lost)
    results = _results(con, run)
    scores = _scores(con, run["run_id"], lost)

    collection = _safe(run["experiment_id"])
    developer, model_dir = model["id"].split("/", 1)
    folder = data_root / collection / developer / model_dir
    file_uuid = str(uuid.UUID(bytes=hashlib.sha256(
        f"eee:{run['run_id']}".encode()).digest()[:16], version=4))
    repo_path = f"data/{collection}/{developer}/{model_dir}/{file_uuid}_samples.jsonl"
    evaluated_at = _unix(run["source_created_at"] or run["started_at"])
    evaluation_id = f"{run['experiment_id']}/{model['id']}/{evaluated_at}"

    source_data = _drop_none({
        "dataset_name": run["experiment_id"], "source_type": "other",
        "additional_details": _strings({
            "experiment_version": run["experiment_version"], "title": experiment["title"],
            "category": experiment["category"], "scorer": experiment["scorer"],
            "cases": experiment["cases"]})})
    generation = _generation_config(run)
    eval_results = [_primary_result(run, results, scorer, source_data, generation,
                                    evaluated_at)]
    eval_results += _metric_results(run, scores, scorer, source_data, generation,
                                    evaluated_at, lost)

    lines = [json.dumps(_instance(run, row, scores.get((row["case_id"], row["sample_idx"]), {}),
                                  experiment, model["id"], evaluation_id, lost),
                        ensure_ascii=False, allow_nan=False)
             for row in results]
    samples_bytes = ("\n".join(lines) + "\n").encode("utf-8")

    record = {
        "schema_version": SCHEMA_VERSION,
        "evaluation_id": evaluation_id,
        "evaluation_timestamp": evaluated_at,
        "retrieved_timestamp": str(time.time()),
        "source_metadata": _source_metadata(run),
        "eval_library": _eval_library(run),
        "model_info": model,
        "evaluation_results": eval_results,
        "detailed_evaluation_results": {
            "format": "jsonl", "file_path": repo_path, "hash_algorithm": "sha256",
            "checksum": hashlib.sha256(samples_bytes).hexdigest(), "total_rows": len(lines)},
    }
    record_bytes = (json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False)
                    + "\n").encode("utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    samples_path = folder / f"{file_uuid}_samples.jsonl"
    record_path = folder / f"{file_uuid}.json"
    samples_path.write_bytes(samples_bytes)
    record_path.write_bytes(record_bytes)
    return [record_path, samples_path], len(lines), len(samples_bytes) + len(record_bytes), lost


def _experiment(con: Any, run: dict[str, Any]) -> dict[str, Any]:
    row = con.execute(
        "SELECT title, category, scorer, (SELECT count(*) FROM cases c WHERE "
        "c.experiment_id = e.experiment_id AND c.experiment_version = e.version) "
        "FROM experiments e WHERE experiment_id = ? AND version = ?",
        [run["experiment_id"], run["experiment_version"]]).fetchone()
    if row is None:
        return {"title": None, "category": None, "scorer": None, "cases": None}
    return {"title": row[0], "category": row[1], "scorer": row[2], "cases": row[3]}


def _imported_verdict(run: dict[str, Any]) -> str | None:
    """`tool:metric` for a run imported from another harness's log (its verdict is that
    tool's, under the score its importer names), None for the runner's own runs."""
    tool = run.get("source_tool")
    if tool in (None, "runner"):
        return None
    extra = _json(run.get("engine_extra"))
    metric = extra.get("primary_metric") if isinstance(extra, dict) else None
    return f"{tool}:{metric}" if metric else str(tool)


def _scorer(name: str | None) -> Any:
    """The registered scorer (its declared metrics and outcomes), or None for an imported
    experiment whose scores are the other tool's."""
    from pipeline.scoring import scorers  # registers the built-in scorers

    return scorers.get(name) if name and name in scorers else None


def _results(con: Any, run: dict[str, Any]) -> list[dict[str, Any]]:
    cur = con.execute(
        "SELECT r.*, c.input AS case_input, c.expected AS case_expected, c.tags AS case_tags "
        "FROM results r LEFT JOIN cases c ON c.case_id = r.case_id "
        "AND c.experiment_id = ? AND c.experiment_version = ? "
        "WHERE r.run_id = ? ORDER BY coalesce(c.position, 0), r.case_id, r.sample_idx",
        [run["experiment_id"], run["experiment_version"], run["run_id"]])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _scores(con: Any, run_id: str,
            lost: list[str]) -> dict[tuple[str, int], dict[str, float]]:
    """{(case, sample): {metric: value}}; a non-finite value (JSON cannot hold it, EEE
    refuses it) is left out and said."""
    out: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for case_id, idx, metric, value in con.execute(
            "SELECT case_id, sample_idx, metric, value FROM scores WHERE run_id = ? "
            "ORDER BY metric, case_id, sample_idx", [run_id]).fetchall():
        if not math.isfinite(value):
            lost.append(f"run {run_id}: metric {metric} has non-finite values: left out")
            continue
        out[(case_id, int(idx))][metric] = float(value)
    return dict(out)


# -- aggregate parts ------------------------------------------------------------------------


def _model_info(con: Any, run: dict[str, Any], lost: list[str]) -> dict[str, Any]:
    row = con.execute("SELECT name, family, params, kind, quantization, license, spec "
                      "FROM models WHERE model_id = ?", [run["model_id"]]).fetchone()
    name, family, params, kind, quant, license_, spec_text = row or (None,) * 7
    spec = _json(run.get("model_spec")) or _json(spec_text) or {}
    model_id = run["model_id"]
    adapter = spec.get("adapter") if isinstance(spec, dict) else None
    weights = spec.get("weights") or {} if isinstance(spec, dict) else {}
    details: dict[str, Any] = {"registry_id": model_id, "family": family, "params": params,
                               "kind": kind, "quantization": run.get("quantization") or quant,
                               "license": license_, "model_file": run.get("model_file"),
                               "model_sha256": run.get("model_sha256"),
                               "model_revision": run.get("model_revision"),
                               "dtype": run.get("dtype")}
    if adapter:
        base = adapter.get("base")
        details.update({"adapter_name": run.get("adapter_name") or adapter.get("name"),
                        "adapter_sha256": run.get("adapter_sha256"), "base_model": base,
                        "base_model_repo": HF_REPOS.get(base) if base else None})
        hf_id = f"{PROJECT}/{_safe(model_id)}"
        lost.append(f"model {model_id}: an adapter on {base}, no Hugging Face repo of its "
                    f"own: exported as {hf_id}")
    else:
        stored = (weights.get("vllm") or {}).get("hf_id") if isinstance(weights, dict) else None
        if isinstance(stored, str) and _HF_REPO_RE.match(stored):
            hf_id = stored
        elif model_id in HF_REPOS:
            hf_id = HF_REPOS[model_id]
        else:
            hf_id = f"{UNRESOLVED_NAMESPACE}/{_safe(model_id)}"
            lost.append(f"model {model_id}: no Hugging Face repo known (registry entry or "
                        f"HF_REPOS): exported as {hf_id}")
    imported = run["source_tool"] != "runner"
    has_weights = isinstance(weights, dict) and bool(weights.get("llama_cpp")
                                                     or weights.get("vllm"))
    details["deployment_type"] = ("self_deployed" if run["engine"] in SELF_DEPLOYED_ENGINES
                                  and not imported else "unknown")
    details["model_availability"] = "open_weights" if has_weights else "unknown"
    engine = None if imported else _drop_none({
        "name": ENGINE_NAMES.get(run["engine"], run["engine"]),
        "version": run["engine_version"]})
    return _drop_none({"name": name or model_id, "id": hf_id,
                       "developer": hf_id.split("/", 1)[0], "inference_engine": engine,
                       "additional_details": _strings(details)})


def _source_metadata(run: dict[str, Any]) -> dict[str, Any]:
    details = {"run_id": run["run_id"], "variant": run["variant"],
               "experiment_version": run["experiment_version"], "run_status": run["status"],
               "git_commit": run.get("git_commit"), "git_dirty": run.get("git_dirty"),
               "host": run.get("host"), "hardware": run.get("hardware"),
               "experiment_path": run.get("experiment_path"), "shard": run.get("shard")}
    if run["source_tool"] != "runner":
        details.update({"source_tool": run["source_tool"],
                        "source_version": run["source_version"],
                        "source_format": run["source_format"],
                        "source_file": run["source_file"],
                        "source_sha256": run["source_sha256"],
                        "source_key": run["source_key"],
                        "source_created_at": run["source_created_at"],
                        "source_note": run["source_note"]})
    return {"source_name": PROJECT if run["source_tool"] == "runner"
            else f"{run['source_tool']} log imported by {PROJECT}",
            "source_type": "evaluation_run", "source_organization_name": PROJECT,
            "evaluator_relationship": "third_party", "additional_details": _strings(details)}


def _eval_library(run: dict[str, Any]) -> dict[str, Any]:
    extra = _json(run.get("engine_extra"))
    if run["source_tool"] == "runner":
        details = {"engine_extra": json.dumps(extra, sort_keys=True) if extra else None,
                   "tokenizer_hash": run.get("tokenizer_hash"),
                   "chat_template_hash": run.get("chat_template_hash"),
                   "prompt_template_hash": run.get("prompt_template_hash"),
                   "wall_time_s": run.get("wall_time_s")}
        return _drop_none({"name": PROJECT, "version": run.get("git_commit") or "unknown",
                           "additional_details": _strings(details)})
    details = {"task_params": run.get("task_params")}
    if isinstance(extra, dict):
        details["primary_metric"] = extra.get("primary_metric")
        for key, value in (extra.get("headline") or {}).items():
            details[f"headline:{key}"] = value  # the log's own numbers, as it wrote them
    return _drop_none({"name": LIBRARY_NAMES.get(run["source_tool"], run["source_tool"]),
                       "version": run["source_version"] or "unknown",
                       "additional_details": _strings(details)})


def _generation_config(run: dict[str, Any]) -> dict[str, Any]:
    args = {"temperature": run["temperature"], "top_p": run["top_p"]}
    if isinstance(run["max_tokens"], int) and run["max_tokens"] >= 1:
        args["max_tokens"] = run["max_tokens"]
    details = {"seed": run["seed"], "n_samples": run["n_samples"],
               "constrained": run["constrained"], "variant": run["variant"],
               "prompt_template_hash": run["prompt_template_hash"]}
    return {"generation_args": args, "additional_details": _strings(details)}


def _primary_result(run: dict[str, Any], results: list[dict[str, Any]], scorer: Any,
                    source_data: dict[str, Any], generation: dict[str, Any],
                    evaluated_at: str) -> dict[str, Any]:
    clusters = [r["case_id"] for r in results]
    outcomes = [bool(r["passed"]) for r in results]
    k = sum(outcomes)
    label = (scorer.outcomes[0].label if scorer is not None and scorer.outcomes
             else _imported_verdict(run) or "passed")
    return {
        "evaluation_result_id": PRIMARY_RESULT_ID,
        "evaluation_name": run["experiment_id"],
        "source_data": source_data,
        "evaluation_timestamp": evaluated_at,
        "metric_config": {
            "evaluation_description": f"share of outputs the scorer's verdict counts as "
                                      f"right ({label}; results.passed)",
            "metric_id": f"{PROJECT}.passed", "metric_name": "pass rate",
            "metric_kind": "pass_rate", "metric_unit": "proportion",
            "lower_is_better": False, "score_type": "continuous",
            "min_score": 0.0, "max_score": 1.0},
        "score_details": {
            "score": k / len(outcomes),
            "details": _strings({"successes": k, "trials": len(outcomes),
                                 "cases": len(set(clusters))}),
            "uncertainty": _rate_uncertainty(clusters, outcomes)},
        "generation_config": generation,
    }


def rate_interval(clusters: list[str], outcomes: list[bool]) -> tuple[float, float, str, int]:
    """(low, high, method, resamples) of a rate, as the site computes it: Wilson when every
    case has one sample, the case-cluster bootstrap when cases repeat (samples of one case
    are not independent)."""
    if len(set(clusters)) == len(clusters):
        lo, hi = stats.wilson_interval(sum(outcomes), len(outcomes), ALPHA)
        return lo, hi, "wilson", 0
    _, lo, hi, _, _ = stats.cluster_rate_interval(clusters, outcomes, ALPHA,
                                                  n_resamples=BOOTSTRAP_RESAMPLES)
    return lo, hi, "cluster_bootstrap_percentile", BOOTSTRAP_RESAMPLES


def _rate_uncertainty(clusters: list[str], outcomes: list[bool]) -> dict[str, Any]:
    lo, hi, method, resamples = rate_interval(clusters, outcomes)
    return _uncertainty(lo, hi, method, len(outcomes), resamples)


def _uncertainty(lo: float, hi: float, method: str, n: int, resamples: int) -> dict[str, Any]:
    out: dict[str, Any] = {"num_samples": n}
    if math.isfinite(lo) and math.isfinite(hi):
        out["confidence_interval"] = {"lower": lo, "upper": hi,
                                      "confidence_level": CONFIDENCE, "method": method}
        if resamples:
            out["num_bootstrap_samples"] = resamples
    return out


def _metric_results(run: dict[str, Any], scores: dict[tuple[str, int], dict[str, float]],
                    scorer: Any, source_data: dict[str, Any], generation: dict[str, Any],
                    evaluated_at: str, lost: list[str]) -> list[dict[str, Any]]:
    by_metric: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (case_id, _), values in scores.items():
        for metric, value in values.items():
            by_metric[metric].append((case_id, value))
    declared = list(scorer.metrics) if scorer is not None else []
    outcome_fields = {o.field for o in scorer.outcomes} if scorer is not None else set()
    out = []
    for metric in sorted(by_metric):
        if metric == PRIMARY_RESULT_ID:
            continue  # the pass rate above is the `passed` result
        clusters = [c for c, _ in by_metric[metric]]
        values = [v for _, v in by_metric[metric]]
        spec = next((m for m in declared if m.covers(metric)), None)
        higher = spec.higher_is_better if spec is not None else None
        config: dict[str, Any] = {
            "evaluation_description": spec.description if spec is not None
            else f"{metric}, as the source log scored it",
            "metric_id": f"{PROJECT}.{metric}", "metric_name": metric,
            "lower_is_better": higher is False}
        details: dict[str, str] = {}
        if spec is None:
            details["polarity"] = "unknown"
        elif higher is None:
            details["polarity"] = "not_applicable"
        if metric in outcome_fields:
            config.update({"score_type": "continuous", "min_score": 0.0, "max_score": 1.0,
                           "metric_unit": "proportion"})
        else:
            details["bounds_status"] = "unknown"
        if details:
            config["additional_details"] = details
        if all(v in (0.0, 1.0) for v in values):
            uncertainty = _rate_uncertainty(clusters, [v == 1.0 for v in values])
        elif len(set(clusters)) == len(clusters):
            _, lo, hi = stats.stratified_bootstrap_mean(["all"] * len(values), values,
                                                        ALPHA, BOOTSTRAP_RESAMPLES)
            uncertainty = _uncertainty(lo, hi, "bootstrap_percentile", len(values),
                                       BOOTSTRAP_RESAMPLES)
        else:
            uncertainty = {"num_samples": len(values)}
            lost.append(f"run {run['run_id']}: metric {metric} has several samples per case "
                        "and is not a rate: no interval")
        out.append({"evaluation_result_id": metric, "evaluation_name": run["experiment_id"],
                    "source_data": source_data, "evaluation_timestamp": evaluated_at,
                    "metric_config": config,
                    "score_details": {"score": math.fsum(values) / len(values),
                                      "uncertainty": uncertainty},
                    "generation_config": generation})
    return out


# -- instance records -----------------------------------------------------------------------


def _instance(run: dict[str, Any], row: dict[str, Any], scores: dict[str, float],
              experiment: dict[str, Any], model_id: str, evaluation_id: str,
              lost: list[str]) -> dict[str, Any]:
    reference = _reference(_json(row["case_expected"]))
    transcript = _json(row.get("transcript"))
    messages = _messages(transcript) if isinstance(transcript, list) else None
    kind = _interaction_type(messages)
    if kind == "single_turn" and messages:
        lost.append(f"experiment {run['experiment_id']}: single-turn transcripts (turns "
                    "around one answer) are not exported: EEE allows messages only for "
                    "multi-turn and agentic samples")
    passed = bool(row["passed"])
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "evaluation_id": evaluation_id,
        "model_id": model_id, "evaluation_name": run["experiment_id"],
        "evaluation_result_id": PRIMARY_RESULT_ID, "sample_id": str(row["case_id"]),
        "sample_hash": hashlib.sha256((row["prompt"] + "".join(reference)).encode()
                                      ).hexdigest(),
        "interaction_type": kind,
        "input": {"raw": row["prompt"], "reference": reference},
    }
    parsed = _json(row["parsed_output"])
    if kind == "single_turn":
        record["output"] = {"raw": [row["raw_output"]]}
        record["messages"] = None
        turn, source = 0, "output.raw"
    else:
        record["output"] = None
        record["messages"] = messages
        assistant = [m["turn_idx"] for m in messages or [] if m["role"] == "assistant"]
        turn = assistant[-1] if assistant else 0
        source = f"messages[{turn}].content"
    record["answer_attribution"] = [] if parsed is None else [{
        "turn_idx": turn, "source": source,
        "extracted_value": parsed if isinstance(parsed, str) else json.dumps(parsed),
        "extraction_method": experiment["scorer"] or run["source_tool"],
        "is_terminal": True}]
    calls = sum(len(m.get("tool_calls") or []) for m in messages or [])
    record["evaluation"] = {"score": 1.0 if passed else 0.0, "is_correct": passed,
                            "num_turns": len(messages) if kind != "single_turn" and messages
                            else 1,
                            "tool_calls_count": calls if kind != "single_turn" else 0}
    if row["prompt_tokens"] is not None and row["completion_tokens"] is not None:
        record["token_usage"] = {
            "input_tokens": int(row["prompt_tokens"]),
            "output_tokens": int(row["completion_tokens"]),
            "total_tokens": int(row["prompt_tokens"]) + int(row["completion_tokens"])}
    if row["latency_ms"] is not None and row["latency_ms"] >= 0:
        record["performance"] = {"latency_ms": float(row["latency_ms"])}
    record["error"] = row["error"]
    metadata = {"sample_idx": row["sample_idx"], "failure_mode": row["failure_mode"],
                "finish_reason": row["finish_reason"],
                "tags": json.dumps(list(row["case_tags"])) if row["case_tags"] else None,
                "run_id": run["run_id"]}
    metadata.update({f"score:{m}": v for m, v in sorted(scores.items())})
    record["metadata"] = _strings(metadata)
    return record


def _reference(expected: Any) -> list[str]:
    if expected is None:
        return []
    if isinstance(expected, str):
        return [expected]
    if isinstance(expected, list) and all(isinstance(e, str) for e in expected):
        return list(expected)
    return [json.dumps(expected, ensure_ascii=False, sort_keys=True)]


def _messages(transcript: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i, turn in enumerate(transcript):
        if not isinstance(turn, dict):
            turn = {"role": "unknown", "content": turn}
        content = turn.get("content")
        message: dict[str, Any] = {
            "turn_idx": i, "role": str(turn.get("role") or "unknown"),
            "content": content if content is None or isinstance(content, str)
            else json.dumps(content, ensure_ascii=False)}
        calls = turn.get("tool_calls") or []
        if calls:
            message["tool_calls"] = [_tool_call(c, i, j) for j, c in enumerate(calls)]
        call_id = turn.get("tool_call_id")
        if call_id:
            message["tool_call_id"] = [str(c) for c in call_id] if isinstance(call_id, list) \
                else [str(call_id)]
        out.append(message)
    return out


def _tool_call(call: Any, turn: int, j: int) -> dict[str, Any]:
    call = call if isinstance(call, dict) else {"name": str(call)}
    args = call.get("arguments")
    if isinstance(args, dict):
        arguments = {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                     for k, v in args.items()}
    elif args is None:
        arguments = None
    else:
        arguments = {"_raw": args if isinstance(args, str) else json.dumps(args)}
    return {"id": str(call.get("id") or f"t{turn}c{j}"),
            "name": str(call.get("name") or call.get("function") or ""),
            "arguments": arguments}


def _interaction_type(messages: list[dict[str, Any]] | None) -> str:
    if not messages:
        return "single_turn"
    if any(m.get("tool_calls") for m in messages) or any(m["role"] == "tool"
                                                          for m in messages):
        return "agentic"
    if sum(m["role"] == "assistant" for m in messages) > 1:
        return "multi_turn"
    return "single_turn"


# -- helpers --------------------------------------------------------------------------------


def _static_unmapped() -> list[str]:
    return [
        "results.failure_mode: no EEE field; instance metadata.failure_mode",
        "secondary metrics: aggregate results only; per-sample values in instance "
        "metadata 'score:<metric>' (no instance rows of their own)",
        "metric ranges: only the pass rate and declared 0/1 outcomes have min/max_score; "
        "the rest are bounds_status unknown",
        "engine provenance (engine_extra, tokenizer/chat-template/prompt-template hashes, "
        "hardware, host): strings in additional_details; the prompt template itself is not "
        "stored",
        "tool calls: no call ids in our transcripts (numbered t<turn>c<call>); argument "
        "values as JSON strings",
        "repeats (runs.repeat > 0): never exported",
    ]


def _unix(value: Any) -> str:
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)  # stored naive, in UTC
        return str(dt.timestamp())
    return str(value)


def _json(value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _safe(name: str) -> str:
    """One portable path component (EEE's datastore rejects `<>:"\\|?*`, `/` and others)."""
    out = _UNSAFE.sub("_", str(name)).strip(".") or "_"
    return out if out != "data" else "data_"


def _strings(values: dict[str, Any]) -> dict[str, str]:
    """EEE's additional_details / metadata hold strings only; None is left out."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, float):
            out[key] = repr(value)
        elif isinstance(value, int | datetime):
            out[key] = str(value)
        else:
            out[key] = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return out


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}

