"""Inspect AI logs (`.eval` and `.json`) as `ImportedLog`s, read only through `inspect_ai.log`.

Why Inspect's own reader and never our own parser: the `.eval` format is a zip whose members
are zstd-compressed since inspect-ai 0.3.206 (deflate before; Python's `zipfile` reads only the
latter), `.json` logs of schema 1 may hold bare NaN, and Inspect's maintainers say the format
is not frozen. `read_eval_log` upgrades every older layout it knows to today's `EvalLog`, so
one mapping below covers every version the installed inspect-ai can read; what it cannot read
is refused with its own words and the file's name.

What reaches Inspect's reader has been through `safety` first: a `.eval` must be a zip within
the size, member and ratio caps (a zip bomb never gets unpacked), a `.json` within the size cap
and valid UTF-8 (Inspect would otherwise replace or choke on bad bytes mid-file).

Mapping (Inspect -> records), chosen so the log's own headline can be recomputed from the rows:
- one `ImportedCase` per sample id (input messages without their random ids, target,
  metadata; tags are `metadata["tags"]` when that is a list of strings, as Inspect has no tags);
- one `ImportedSample` per (id, epoch), `sample_idx = epoch - 1`;
- `scores`: every scorer's value through Inspect's `value_to_float` (the function its
  accuracy/stderr metrics use), a dict value as `scorer.key`, a list value as `scorer.i`;
- `passed`: the first scorer's value is 1.0 (CORRECT); `primary_metric` names that score;
- `headline`: every metric in `results.scores` as `scorer/metric` (`match/accuracy`), exactly
  as written (Inspect computes them over the scored samples, epochs reduced by their mean);
- status 'success' is complete; 'error' and 'cancelled' are partial (the completed samples,
  and those that errored as failure_mode 'error'); 'started' is refused (a run in progress or
  one that died without writing its end; `inspect eval-retry` finishes it).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from pipeline.errors import ImportFileError
from pipeline.importers import safety
from pipeline.importers.records import ImportedCase, ImportedLog, ImportedSample
from pipeline.importers.safety import fail

#: Inspect's log schema versions this reader maps (2 since inspect-ai 0.3.x; 1 before it).
#: Inspect's `.json` reader refuses newer ones itself; its `.eval` reader does not, so we do.
SUPPORTED_LOG_VERSIONS = (1, 2)

#: The GenerateConfig fields that are sampling parameters (the rest are connection knobs).
SAMPLING_KEYS = ("temperature", "top_p", "top_k", "max_tokens", "seed", "stop_seqs",
                 "frequency_penalty", "presence_penalty", "num_choices", "best_of",
                 "logit_bias", "reasoning_effort", "reasoning_tokens")

#: EvalSample fields a streamed .eval sample is read without: the importer uses none of them.
STREAM_EXCLUDE = {"events", "events_data", "timelines", "store"}

T = TypeVar("T")


# Inspect's stop reasons in the store's vocabulary (OpenAI's, the runner's): a reply cut by the
# token limit is 'length' everywhere, so the cases pages flag it for every harness alike.
_STOP_REASONS = {"max_tokens": "length", "model_length": "length"}


def _finish_reason(reason: object) -> str | None:
    return None if reason is None else _STOP_REASONS.get(str(reason), str(reason))


def read(path: Path) -> list[ImportedLog]:
    """The one run an Inspect log holds, as records (a list, as every importer returns).

    Raises ImportFileError naming the file (and the sample id where one is at fault).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".eval":
        safety.check_zip(path)
        source: str | io.BytesIO = str(path)
        fmt = "eval"
    elif suffix == ".json":
        safety.check_size(path)
        data = path.read_bytes()
        safety.decode_utf8(data, path)
        source = io.BytesIO(data)
        fmt = "json"
    else:
        safety.check_size(path)
        raise fail(path, f"not an Inspect log: expected a .eval or .json file, got "
                   f"{suffix or 'no extension'!r}")
    sha = safety.sha256_of(path)

    from inspect_ai.log import read_eval_log, read_eval_log_samples

    if fmt == "eval":
        header = _inspect(path, lambda: read_eval_log(str(path), header_only=True,
                                                       format="eval"))
        _check_header(path, header)
        # one sample in memory at a time; events (the bulk of a big log) are never loaded
        samples: Iterable[Any] = _guarded(path, lambda: read_eval_log_samples(
            str(path), all_samples_required=False, resolve_attachments=True, format="eval",
            exclude_fields=STREAM_EXCLUDE))
    else:
        assert isinstance(source, io.BytesIO)
        full = _inspect(path, lambda: read_eval_log(source, resolve_attachments=True,
                                                    format="json"))
        _check_header(path, full)
        header, samples = full, full.samples or []
    return [_to_log(path, sha, header, samples)]


def _inspect(path: Path, call: Callable[[], T]) -> T:
    """Run Inspect's reader; any exception it raises becomes one error naming the file."""
    try:
        return call()
    except ImportFileError:
        raise
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise fail(path, f"not an Inspect log that inspect-ai {_installed()} can read: "
                   f"{exc.error_count()} validation error(s), first at {where or 'top'!r}: "
                   f"{first.get('msg', exc)}") from None
    except Exception as exc:  # Inspect raises ValueError, KeyError, zip and zstd errors...
        text = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise fail(path, f"inspect-ai {_installed()} cannot read it: "
                   f"{type(exc).__name__}: {text}") from None


def _guarded(path: Path, start: Callable[[], Iterator[T]]) -> Iterator[T]:
    """Inspect's sample stream, its exceptions (raised mid-stream too) named by the file."""
    stream = _inspect(path, start)
    while True:
        item = _inspect(path, lambda: next(stream, _END))
        if item is _END:
            return
        yield item  # type: ignore[misc]


_END: Any = object()


def _installed() -> str:
    from importlib.metadata import version

    return version("inspect-ai")


def _check_header(path: Path, log: Any) -> None:
    if log.version not in SUPPORTED_LOG_VERSIONS:
        raise fail(path, f"Inspect log format version {log.version} is not supported "
                   f"(this importer reads versions {', '.join(map(str, SUPPORTED_LOG_VERSIONS))})")
    if log.status == "started":
        raise fail(path, "Inspect log status is 'started': the run is still going or died "
                   "before writing its results; finish it (inspect eval-retry) or import "
                   "it once it has ended")
    if log.status not in ("success", "error", "cancelled"):
        raise fail(path, f"unknown Inspect log status {log.status!r}")


def _created(path: Path, text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise fail(path, f"eval.created {text!r} is not an ISO date-time") from None


def _dump(value: Any) -> Any:
    """A pydantic value (or plain JSON) as JSON-ready data, None fields left out."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _dump(v) for k, v in value.items()}
    return value


def _case_input(sample: Any) -> Any:
    """The sample's input as the case stores it: the string, or its messages as role and
    content only (Inspect gives each message a fresh random id on every run, which would make
    two logs of the same task disagree about the same case)."""
    if isinstance(sample.input, str):
        return sample.input
    return [{"role": m.role, "content": _dump(m.content)} for m in sample.input]


def _prompt_text(sample: Any) -> str:
    """Input messages as `[role]` blocks, the runner's own prompt text shape."""
    if isinstance(sample.input, str):
        return sample.input
    return "\n\n".join(f"[{m.role}]\n{m.text}" for m in sample.input)


def _scores(sample: Any) -> dict[str, float]:
    """Every score of the sample as a float, the way Inspect's metrics convert them."""
    from inspect_ai.scorer import value_to_float

    to_float = value_to_float()
    out: dict[str, float] = {}
    for name, score in (sample.scores or {}).items():
        value = score.value
        if isinstance(value, dict):
            for key, item in value.items():
                out[f"{name}.{key}"] = to_float(item)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out[f"{name}.{i}"] = to_float(item)
        else:
            out[name] = to_float(value)
    return out


def _usage(sample: Any) -> tuple[int | None, int | None]:
    usages = list((sample.model_usage or {}).values())
    if not usages and sample.output is not None and sample.output.usage is not None:
        usages = [sample.output.usage]
    if not usages:
        return None, None
    return sum(u.input_tokens for u in usages), sum(u.output_tokens for u in usages)


def _headline(results: Any) -> dict[str, float]:
    """`scorer/metric` -> value for every metric the log wrote; a dict-valued metric as
    `scorer/metric.key`; a scorer reduced several ways is told apart as `scorer[reducer]`."""
    if results is None:
        return {}
    names = [s.name for s in results.scores]
    out: dict[str, float] = {}
    for score in results.scores:
        head = score.name
        if names.count(score.name) > 1 and score.reducer:
            head = f"{score.name}[{score.reducer}]"
        for metric_name, metric in score.metrics.items():
            value = metric.value
            if isinstance(value, dict):
                for key, item in value.items():
                    out[f"{head}/{metric_name}.{key}"] = float(item)
            else:
                out[f"{head}/{metric_name}"] = float(value)
    return out


def _scorer_names(log: Any) -> list[str]:
    if getattr(log.eval, "scorers", None):
        return [s.name for s in log.eval.scorers]
    if log.results is not None:
        return [s.name for s in log.results.scores]
    return []


def _task_params(log: Any) -> dict[str, Any]:
    """What defines the task beyond its name: args, plan, scorers, dataset, epochs."""
    spec, config = log.eval, log.eval.config
    return {
        "task_args": _dump(spec.task_args or {}),
        "task_version": _dump(spec.task_version),
        "solver": [_dump({"solver": s.solver, "params": s.params}) for s in log.plan.steps],
        "scorers": _scorer_names(log),
        "dataset": spec.dataset.name,
        "epochs": config.epochs or 1,
        "epochs_reducer": _dump(config.epochs_reducer),
    }


def _sampling(log: Any) -> dict[str, Any]:
    """The generate config the samples ran under: the task's (plan.config) overridden by the
    command line's (model_generate_config), as Inspect merges them."""
    merged = log.plan.config.merge(log.eval.model_generate_config)
    dumped = merged.model_dump(mode="json", exclude_none=True)
    return {k: dumped[k] for k in SAMPLING_KEYS if k in dumped}


def _to_log(path: Path, sha: str, log: Any, samples: Iterable[Any]) -> ImportedLog:
    scorers = _scorer_names(log)
    cases: dict[str, ImportedCase] = {}
    rows: list[ImportedSample] = []
    seen: set[tuple[str, int]] = set()
    primary: str | None = None
    errored = 0
    for sample in samples:
        case_id = str(sample.id)
        where = f"sample {case_id!r}"
        key = (case_id, sample.epoch)
        if key in seen:
            raise fail(path, f"epoch {sample.epoch} appears twice (a log holds each id and "
                       "epoch once)",
                       key=where)
        seen.add(key)
        if sample.epoch < 1:
            raise fail(path, f"epoch {sample.epoch} (epochs count from 1)", key=where)
        scores = _scores(sample)
        error = sample.error.message if sample.error is not None else None
        if not scores and error is None:
            raise fail(path, f"epoch {sample.epoch} has no scores and no error (was the log "
                       "written with --no-score? score it with `inspect score` first)",
                       key=where)
        if primary is None and scores and scorers:
            primary = next((k for k in scores if k == scorers[0]
                            or k.startswith(f"{scorers[0]}.")), None)
        errored += error is not None
        if case_id not in cases:
            metadata = _dump(sample.metadata or {})
            if sample.choices:
                metadata.setdefault("choices", list(sample.choices))
            tags = metadata.get("tags")
            cases[case_id] = ImportedCase(
                case_id=case_id, input=_case_input(sample), expected=_dump(sample.target),
                tags=tags if isinstance(tags, list) and all(isinstance(t, str) for t in tags)
                else [], metadata=metadata)
        output = sample.output
        prompt_tokens, completion_tokens = _usage(sample)
        answer = None
        if scorers and sample.scores and scorers[0] in sample.scores:
            answer = sample.scores[scorers[0]].answer
        try:
            rows.append(ImportedSample(
                case_id=case_id, sample_idx=sample.epoch - 1, prompt=_prompt_text(sample),
                raw_output=output.completion if output is not None else "",
                parsed_output=answer,
                transcript=[_dump(m) for m in sample.messages or []],
                passed=False, scores=scores,
                failure_mode="error" if error is not None else None, error=error,
                prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                latency_ms=output.time * 1000 if output is not None and output.time else None,
                finish_reason=_finish_reason(output.choices[0].stop_reason
                                             if output is not None and output.choices else None),
                created_at=_created(path, sample.completed_at) if getattr(
                    sample, "completed_at", None) else None))
        except ValidationError as exc:
            raise fail(path, f"cannot be imported: {exc.errors()[0]['msg']}",
                       key=where) from None
    if not rows:
        raise fail(path, "the log holds no samples (written with --no-log-samples?); nothing "
                   "to import")
    primary = primary or (scorers[0] if scorers else "score")
    for row in rows:
        row.passed = row.scores.get(primary) == 1.0

    status, note = "complete", None
    if log.status != "success":
        status = "partial"
        why = f": {log.error.message}" if log.error is not None else ""
        note = (f"Inspect status {log.status!r}{why} ({len(rows) - errored} of "
                f"{len(rows)} samples completed)")
    spec = log.eval
    try:
        return ImportedLog(
            tool="inspect", tool_version=str((spec.packages or {}).get("inspect_ai", "unknown")),
            format_version=str(log.version), source_file=str(path), source_sha256=sha,
            source_key=spec.eval_id or f"{spec.run_id}:{spec.task}", task=spec.task,
            task_params=_task_params(log), model=spec.model,
            created_at=_created(path, spec.created), status=status, status_note=note,
            primary_metric=primary, sampling=_sampling(log), headline=_headline(log.results),
            cases=list(cases.values()), samples=rows)
    except ValidationError as exc:
        raise fail(path, f"cannot be imported: {exc.errors()[0]['msg']}") from None
