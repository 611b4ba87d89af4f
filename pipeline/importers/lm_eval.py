"""Reader for lm-evaluation-harness output: `results_<ts>.json` and its `samples_<task>_<ts>.jsonl`.

What lm-eval writes (`--output_path DIR --log_samples`): one results file per run holding every
task's aggregate metrics (`results`), task configs (`configs`) and the run's settings (`config`),
and beside it one samples file per task, named with the same timestamp. A samples file has one
line per document *per filter*: a task with the filters `strict-match` and `flexible-extract`
writes each doc twice, each line carrying that filter's output and metric values under the bare
metric name (`exact_match`). This reader merges a doc's lines into one sample whose `scores` use
lm-eval's own aggregate naming, `metric,filter`, so each headline entry
(`exact_match,strict-match`) is the mean of one score over the samples. A case is the doc
(`input`) and its target (`expected`), keyed by the doc's own `id` when it has one (else
lm-eval's `doc_id`); the prompt lm-eval rendered from it depends on the run (chat template,
system instruction, few-shot), so it is each sample's `prompt`, and runs of one task with
other prompt settings still share their cases.

Why no `import lm_eval`: the package drags in datasets, numpy and friends and is not installed in
the project's environment; its files are plain JSON, parsed here through the project's safety
guards and pydantic models, so a hostile or broken file becomes one clear error.

Format versions (lm-eval has no version field; the shape decides, named for the first release
that writes it, from the 0.4 source history):
- `0.4.3`: `results_<ts>.json` (with `n-samples`, documents per task) and
  `samples_<task>_<ts>.jsonl` whose lines do not name their filter: one block of lines per
  filter, in `filter_list` order;
- `0.4.7`: samples lines name their `filter` and `metrics`.
lm-eval 0.4.0-0.4.2 wrote `results.json` and a samples JSON array per task: refused by name.
A file without `results` and `configs` (lm-eval 0.3 wrote no `configs`) is refused, as is a
file whose `lm_eval_version` is not 0.4.x. `lm_eval_version` exists from 0.4.10; older files
say only `git_hash`, which is the commit of the directory lm-eval ran in (usually the caller's
repository, not lm-eval's), so their tool version is 'unknown'.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ImportFileError
from pipeline.importers.records import ImportedCase, ImportedLog, ImportedSample
from pipeline.importers.safety import fail, iter_jsonl, read_json, sha256_of

TOOL = "lm-eval"
_RESULTS_NAME = re.compile(r"^results_(?P<ts>.+)\.json$")
_FILENAME_TS = "%Y-%m-%dT%H-%M-%S.%f"


class _Loose(BaseModel):
    """lm-eval adds fields every release; only the ones read here are checked."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _Metric(_Loose):
    metric: str


class _Filter(_Loose):
    name: str


class _TaskConfig(_Loose):
    task: str | None = None
    output_type: str | None = None
    num_fewshot: int | None = None
    repeats: int | None = 1
    metric_list: list[_Metric] | None = None
    filter_list: list[_Filter] | None = None
    generation_kwargs: dict[str, Any] | None = None


class _RunConfig(_Loose):
    model: str | None = None
    model_args: str | dict[str, Any] | None = None
    gen_kwargs: str | dict[str, Any] | None = None
    limit: float | int | None = None


class _NSamples(_Loose):
    original: int | None = None
    effective: int | None = None


class _ResultsFile(_Loose):
    results: dict[str, dict[str, Any]]
    configs: dict[str, _TaskConfig]
    versions: dict[str, Any] | None = None
    n_samples: dict[str, _NSamples] | None = Field(default=None, alias="n-samples")
    config: _RunConfig | None = None
    date: float | None = None
    lm_eval_version: str | None = None
    git_hash: str | None = None
    model_name: str | None = None


class _SampleLine(_Loose):
    doc_id: int
    doc: Any = None
    target: Any = None
    arguments: dict[str, Any] | list[Any] | None = None
    resps: list[Any]
    filtered_resps: list[Any]
    filter: str | None = None
    metrics: list[str] | None = None


def read(path: Path) -> list[ImportedLog]:
    """Every task of an lm-eval run: *path* is a `results_*.json` (its samples files lie beside
    it) or an `--output_path` directory (every results file under it, in name order)."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.rglob("results_*.json"))
        if not found:
            raise fail(path, "no results_*.json under this directory; expected lm-eval's "
                       "--output_path folder or one results file")
        return [log for f in found for log in _read_results(f)]
    return _read_results(path)


def _read_results(path: Path) -> list[ImportedLog]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise fail(path, f"expected a JSON object (an lm-eval results file), got "
                   f"{type(data).__name__}")
    missing = [k for k in ("results", "configs") if k not in data]
    if missing:
        raise fail(path, f"no {' or '.join(repr(k) for k in missing)}: not an lm-eval 0.4 "
                   "results file (lm-eval 0.3 wrote no 'configs'; only 0.4.x files are "
                   "supported)")
    try:
        res = _ResultsFile.model_validate(data)
    except ValidationError as exc:
        raise _validation_fail(path, exc) from None
    if res.lm_eval_version is not None and not res.lm_eval_version.startswith("0.4."):
        raise fail(path, f"lm-eval {res.lm_eval_version} is not supported (this reader knows "
                   "the 0.4.x formats)", key="lm_eval_version")
    match = _RESULTS_NAME.match(path.name)
    if match is None:
        raise fail(path, "expected a file named results_<timestamp>.json, as lm-eval 0.4.3+ "
                   "writes it (its samples files are found by that timestamp); lm-eval "
                   "0.4.0-0.4.2 output (results.json) is not supported")
    stamp = match["ts"]
    created = _created_at(path, res, stamp)
    model = _model_name(res)
    sha = sha256_of(path)
    tasks = [t for t in res.results if t in res.configs]  # the rest are groups: no samples
    if not tasks:
        raise fail(path, "no task in 'results' has an entry in 'configs'", key="results")
    logs = []
    for task in tasks:
        samples_path = path.with_name(f"samples_{task}_{stamp}.jsonl")
        if not samples_path.is_file():
            raise fail(path, f"no samples file {samples_path.name} beside it for task "
                       f"{task!r}; run lm-eval with --log_samples")
        logs.append(_read_task(path, samples_path, res, task, model, created, sha))
    return logs


def _read_task(path: Path, samples_path: Path, res: _ResultsFile, task: str, model: str,
               created: datetime, sha: str) -> ImportedLog:
    cfg = res.configs[task]
    filters = [f.name for f in cfg.filter_list] if cfg.filter_list else ["none"]
    config_metrics = [m.metric for m in cfg.metric_list or []]
    lines = list(_task_lines(samples_path, filters))
    if not lines:
        raise fail(samples_path, "no samples in the file")
    has_filter_key = all(line.filter is not None for _, line, _ in lines)

    # one entry per doc: its lines by filter, in file order
    docs: dict[int, dict[str, tuple[int, _SampleLine]]] = {}
    for number, line, filt in lines:
        per = docs.setdefault(line.doc_id, {})
        if filt in per:
            raise fail(samples_path, f"duplicate doc_id {line.doc_id} for filter {filt!r} "
                       f"(first at line {per[filt][0]})", line=number)
        per[filt] = (number, line)

    primary_filter = filters[0]
    primary_metric = _primary_metric(samples_path, config_metrics, lines)
    primary_key = f"{primary_metric},{primary_filter}"
    cases: list[ImportedCase] = []
    samples: list[ImportedSample] = []
    case_lines: dict[str, int] = {}
    for doc_id in sorted(docs):
        per = docs[doc_id]
        if primary_filter not in per:
            first = min(n for n, _ in per.values())
            raise fail(samples_path, f"doc_id {doc_id} has no line for the primary filter "
                       f"{primary_filter!r}", line=first)
        number, line = per[primary_filter]
        case_id = _case_id(line)
        if case_id in case_lines:
            raise fail(samples_path, f"duplicate case id {case_id!r} (doc_id {doc_id}; first "
                       f"at line {case_lines[case_id]})", line=number)
        case_lines[case_id] = number
        scores: dict[str, float] = {}
        for filt, (n, filt_line) in per.items():
            values = _metric_values(samples_path, n, filt_line, config_metrics)
            for metric, value in values.items():
                scores[f"{metric},{filt}"] = value
        if primary_key not in scores:
            raise fail(samples_path, f"doc_id {doc_id}: no numeric {primary_metric!r} under "
                       f"filter {primary_filter!r}", line=number)
        doc = line.doc
        tags = doc.get("tags") if isinstance(doc, dict) else None
        cases.append(ImportedCase(
            case_id=case_id,
            input=doc,  # the rendered prompt is run-dependent: it is each sample's `prompt`
            expected=line.target,
            tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
            metadata={k: v for k, v in (("doc_id", doc_id),
                                        *((h, line.model_extra.get(h)) for h in _HASHES))
                      if v is not None},
        ))
        prompt, messages = _prompt(line.arguments)
        raw = _raw_output(line.resps)
        samples.append(ImportedSample(
            case_id=case_id,
            sample_idx=0,
            prompt=prompt,
            raw_output=raw,
            parsed_output=_first(line.filtered_resps),
            transcript=[*messages, {"role": "assistant", "content": raw}] if messages else None,
            passed=scores[primary_key] == 1,
            scores=scores,
        ))

    effective = _effective_count(res, task)
    if effective is not None and effective != len(docs):
        raise fail(samples_path, f"holds {len(docs)} documents but {path.name} says "
                   f"{effective} were evaluated; a truncated or mismatched samples file")
    headline, skipped = _headline(res.results[task])
    params = _redact(cfg.model_dump(mode="json", by_alias=True, exclude_none=True))
    run = res.config
    params["lm_eval"] = {k: v for k, v in {
        "model": run.model if run else None,
        "limit": run.limit if run else None,
        "n-samples": res.n_samples[task].model_dump() if res.n_samples and task in
        res.n_samples else None,
        "system_instruction": res.model_extra.get("system_instruction"),
        "fewshot_as_multiturn": res.model_extra.get("fewshot_as_multiturn"),
        "git_hash": res.git_hash,
        "filter_lines": "named" if has_filter_key else "by order of filter_list",
        "headline_not_finite": skipped or None,
    }.items() if v is not None}
    try:
        return ImportedLog(
            tool=TOOL,
            tool_version=res.lm_eval_version or "unknown",
            format_version=_format_version(has_filter_key),
            source_file=str(path),
            source_sha256=sha,
            source_key=f"{task}|{model}|{created.isoformat()}",
            task=task,
            task_params=params,
            model=model,
            created_at=created,
            primary_metric=primary_key,
            sampling=_sampling(cfg, res),
            headline=headline,
            cases=cases,
            samples=samples,
        )
    except ValidationError as exc:
        raise _validation_fail(samples_path, exc) from None


_HASHES = ("doc_hash", "target_hash")  # the case's; prompt_hash depends on the run


_SECRET = re.compile(r"(api_?key|_key$|^key$|secret|passw|(^|_)token$|^auth|_auth$)",
                     re.IGNORECASE)


def _redact(value: Any) -> Any:
    """The task config with credential-like values blanked. lm-eval 0.4.10+ copies the run's
    model_args (where an API key may be passed) into each task config's `metadata`; the site
    publishes task_params, so a key must not ride along."""
    if isinstance(value, dict):
        return {k: "[redacted]" if _SECRET.search(str(k)) and isinstance(v, str) and v
                else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def _task_lines(samples_path: Path,
                filters: list[str]) -> Iterator[tuple[int, _SampleLine, str]]:
    """(line number, line, filter name) for each samples line. Files before 0.4.7 do not name
    a line's filter: lm-eval wrote one block of lines per filter, in `filter_list` order, so
    the k-th line of a doc belongs to the k-th filter."""
    seen: dict[int, int] = {}
    for number, value in iter_jsonl(samples_path):
        if not isinstance(value, dict):
            raise fail(samples_path, f"expected a JSON object per line, got "
                       f"{type(value).__name__}", line=number)
        try:
            line = _SampleLine.model_validate(value)
        except ValidationError as exc:
            raise _validation_fail(samples_path, exc, line=number) from None
        if line.filter is not None:
            yield number, line, line.filter
            continue
        k = seen.get(line.doc_id, 0)
        seen[line.doc_id] = k + 1
        if k >= len(filters):
            raise fail(samples_path, f"duplicate doc_id {line.doc_id}: {k + 1} lines for it, "
                       f"but the task has {len(filters)} filter(s) {filters} and the lines do "
                       "not name theirs", line=number)
        yield number, line, filters[k]


def _metric_values(samples_path: Path, number: int, line: _SampleLine,
                   config_metrics: list[str]) -> dict[str, float]:
    """The line's numeric metric values by bare metric name. A line names its metrics from
    0.4.7; before, the task config's metric_list says which fields are metrics."""
    names = line.metrics if line.metrics is not None else config_metrics
    extra = line.model_extra or {}
    present = [n for n in names if n in extra]
    if not present:
        raise fail(samples_path, f"doc_id {line.doc_id}: no metric values in the line "
                   f"(expected {names or 'a metrics list'}); lm-eval ran with "
                   "--predict_only, or the file is not a samples file", line=number)
    out: dict[str, float] = {}
    for name in present:
        value = extra[name]
        if isinstance(value, bool):
            out[name] = float(value)
        elif isinstance(value, int | float) and math.isfinite(value):
            out[name] = float(value)
        # non-numeric per-sample values (bleu's (ref, pred) pairs) are aggregated by
        # lm-eval at the corpus level; they are no per-sample score
    return out


def _primary_metric(samples_path: Path, config_metrics: list[str],
                    lines: list[tuple[int, _SampleLine, str]]) -> str:
    """The first metric of the task's metric_list (what lm-eval prints first)."""
    if config_metrics:
        return config_metrics[0]
    number, line, _ = lines[0]
    if line.metrics:
        return line.metrics[0]
    raise fail(samples_path, "the task config has no metric_list and the samples name no "
               "metrics: cannot tell the primary metric", line=number)


def _case_id(line: _SampleLine) -> str:
    doc = line.doc
    if isinstance(doc, dict) and isinstance(doc.get("id"), str | int) \
            and not isinstance(doc.get("id"), bool):
        return str(doc["id"])
    return str(line.doc_id)


def _prompt(arguments: dict[str, Any] | list[Any] | None) -> tuple[str, list[dict[str, Any]]]:
    """The rendered context (the first request's first argument) and, when it is a chat
    request's JSON message list, those messages. lm-eval writes `arguments` as
    {"gen_args_0": {"arg_0": ctx, "arg_1": gen_kwargs}} (0.4.2+) or [[ctx, gen_kwargs]]."""
    first: Any = None
    if isinstance(arguments, dict) and arguments:
        req = next(iter(arguments.values()))
        first = req.get("arg_0") if isinstance(req, dict) else None
    elif isinstance(arguments, list) and arguments:
        req = arguments[0]
        first = req[0] if isinstance(req, list) and req else req
    if isinstance(first, list) and first and isinstance(first[0], str):
        first = first[0]  # some versions wrap the context in a one-item list
    if not isinstance(first, str):
        return ("" if first is None else json.dumps(first, ensure_ascii=False)), []
    messages: list[dict[str, Any]] = []
    if first.startswith("[{"):
        try:
            parsed = json.loads(first)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, list) and all(
                isinstance(m, dict) and "role" in m and "content" in m for m in parsed):
            messages = parsed
    return first, messages


def _raw_output(resps: list[Any]) -> str:
    first = _first(_first(resps))
    if isinstance(first, str):
        return first
    return json.dumps(resps, ensure_ascii=False)  # loglikelihood pairs and the like


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _headline(metrics: dict[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """Every finite number in the task's results entry, as written; the rest ('N/A' stderr
    of a one-sample run, bare NaN/Infinity) is reported back, not turned into a number."""
    headline: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for key, value in metrics.items():
        if key in ("alias", "name"):
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            if math.isfinite(value):
                headline[key] = float(value)
            else:
                skipped[key] = repr(float(value))
        elif isinstance(value, str):
            skipped[key] = value
    return headline, skipped


def _effective_count(res: _ResultsFile, task: str) -> int | None:
    if res.n_samples and task in res.n_samples:
        return res.n_samples[task].effective
    return None


def _format_version(has_filter_key: bool) -> str:
    return "0.4.7" if has_filter_key else "0.4.3"


def _model_args(res: _ResultsFile) -> dict[str, Any]:
    """model_args as a dict: a string `k=v,k=v` in older files, a dict in newer."""
    args = res.config.model_args if res.config else None
    if isinstance(args, dict):
        return args
    if isinstance(args, str):
        return _parse_kv(args)
    return {}


def _parse_kv(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            out[key.strip()] = _scalar(value.strip())
    return out


def _scalar(value: str) -> Any:
    """As lm-eval's own `handle_arg_string` reads a model_args value."""
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def _model_name(res: _ResultsFile) -> str:
    args = _model_args(res)
    for key in ("model", "pretrained", "engine"):
        if isinstance(args.get(key), str) and args[key]:
            return str(args[key])
    if res.model_name:
        return res.model_name
    if res.config and res.config.model:
        return res.config.model
    return "unknown"


def _sampling(cfg: _TaskConfig, res: _ResultsFile) -> dict[str, Any]:
    """What the model was asked for: the task's generation_kwargs, overridden by the run's
    --gen_kwargs (as lm-eval applies them); the API models' payload seed and default
    max_gen_toks come from model_args."""
    gen = dict(cfg.generation_kwargs or {})
    run_gen = res.config.gen_kwargs if res.config else None
    if isinstance(run_gen, str):
        run_gen = _parse_kv(run_gen)
    if isinstance(run_gen, dict):
        gen.update(run_gen)
    args = _model_args(res)
    out: dict[str, Any] = {}
    if "temperature" in gen:
        out["temperature"] = gen["temperature"]
    if "top_p" in gen:
        out["top_p"] = gen["top_p"]
    max_tokens = gen.get("max_tokens", gen.get("max_gen_toks", args.get("max_gen_toks")))
    if max_tokens is not None:
        out["max_tokens"] = max_tokens
    if "seed" in args:
        out["seed"] = args["seed"]
    if "until" in gen:
        out["stop"] = gen["until"]
    if "do_sample" in gen:
        out["do_sample"] = gen["do_sample"]
    return out


def _created_at(path: Path, res: _ResultsFile, stamp: str) -> datetime:
    """The run's start (`date`, a unix time), else the file name's timestamp (written in the
    machine's local time, read as UTC: the file says no zone)."""
    if res.date is not None:
        try:
            return datetime.fromtimestamp(res.date, tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise fail(path, f"'date' {res.date!r} is not a unix time", key="date") from None
    try:
        return datetime.strptime(stamp, _FILENAME_TS).replace(tzinfo=UTC)
    except ValueError:
        raise fail(path, "no 'date' and the file name holds no timestamp: cannot tell when "
                   "the run was made", key="date") from None


def _validation_fail(path: Path, exc: ValidationError, *, line: int | None = None
                     ) -> ImportFileError:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return fail(path, f"{err.get('msg', 'invalid')}", line=line, key=where or None)
