"""Run an experiment: definition → engine generates → scorer judges → store writes.

Work is split into runs (experiment × model × variant, with engine and sampling). Each run's
id is a hash of its definition, so running the same command again resumes it: committed
cases are skipped, nothing is duplicated, nothing committed is lost.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pipeline.config.experiment import Case, Experiment, Variant
from pipeline.config.models import ModelRegistry, ModelSpec
from pipeline.engines import (
    Engine,
    EngineInfo,
    Generation,
    GenerationRequest,
    SamplingParams,
    default_engine,
    load_engine,
)
from pipeline.errors import ConfigError, ScorerError, display_path, located
from pipeline.finetune.checks import check_adapter
from pipeline.hashing import sha256_hex, short_hash
from pipeline.preflight import models_problems
from pipeline.progress import Progress, RunInterrupted, duration, percent
from pipeline.run_options import RunOptions
from pipeline.scoring import Scorer, ScoringContext, scorers
from pipeline.sharding import Shard
from pipeline.store import ResultRow, RunContext, RunSpec, Store
from pipeline.store.db import open_write
from pipeline.store.runs import SETTINGS, describe_conflicts, slot_conflicts
from pipeline.tasks.state import ExecutionResult, TaskState, Turn
from pipeline.tasks.steps import StepContext, _assistant_turn, run_task

T = TypeVar("T")


@dataclass(frozen=True)
class RunSummary:
    """What one run did in this session (`written`, `passed`, `errors`: samples; `skipped`:
    cases earlier sessions had stored) and where the run stands now, earlier sessions
    included (`describe()`): a resume reports the run's totals, not only its own."""

    run_id: str
    model_id: str
    variant: str
    written: int
    skipped: int
    passed: int
    errors: int
    complete: bool
    cases_total: int = 0  # the cases this command asked of the run (after --limit etc.)
    cases_now: int = 0  # cases stored in this session
    earlier_passed: int = 0  # passed samples of the `skipped` cases
    n_samples: int = 1

    @property
    def cases_done(self) -> int:
        return self.skipped + self.cases_now

    def describe(self) -> str:
        """One line with the run's totals, e.g. `run abc m/v: 120/120 cases (72 now, 48 from
        earlier sessions), passed 80/120 (66.7%), complete`."""
        n = self.n_samples
        samples = self.skipped * n + self.written
        passed = self.earlier_passed + self.passed
        split = f"{self.cases_now} now"
        if self.skipped:
            split += f", {self.skipped} from earlier sessions"
        text = (f"run {self.run_id} {self.model_id}/{self.variant}: {self.cases_done}/"
                f"{self.cases_total} cases ({split}), passed {passed}/{samples}"
                f"{' samples' if n > 1 else ''} ({percent(passed, samples)})")
        if self.errors:
            text += f", {self.errors} engine error(s) now"
        return f"{text}, {'complete' if self.complete else 'partial'}"


def build_request(exp: Experiment, variant: Variant, model: ModelSpec, case: Case,
                  sample_key: str) -> GenerationRequest:
    """Chat models get messages; base models get one plain completion prompt."""
    system, user = exp.render(variant, case)
    schema = exp.schema_for(case) if variant.constrained else None
    choices = tuple(variant.choices) if variant.choices else None
    if model.kind == "chat":
        messages = ([{"role": "system", "content": system}] if system else [])
        messages.append({"role": "user", "content": user})
        return GenerationRequest(sample_key, messages=messages, json_schema=schema,
                                 choices=choices)
    prompt = (f"{system}\n\n" if system else "") + user + variant.base_suffix
    return GenerationRequest(sample_key, prompt=prompt, json_schema=schema, choices=choices)


def _task_hash(exp: Experiment, variant: Variant) -> str:
    """The prompt template's hash, joined by the task's steps when they are not the default
    (so one-prompt runs keep the ids they were stored under)."""
    base = variant.template_hash()
    signature = exp.spec.task_signature()
    if signature is None:
        return base
    return short_hash(f"{base}|{signature}")


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _git_state(where: Path) -> tuple[str | None, bool | None]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=where,
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit, bool(dirty)
    except (OSError, subprocess.CalledProcessError):
        return None, None


def _rows(exp: Experiment, scorer: Scorer, st: TaskState) -> list[ResultRow]:
    """One stored row per sample of a case that went through the task."""
    keep_transcript = exp.spec.task_signature() is not None
    req = st.first_request
    rows = []
    for i, gen in enumerate(st.samples):
        execution = st.executions[i] if i < len(st.executions) else None
        verdict = st.verdicts[i] if i < len(st.verdicts) else None
        transcript = list(st.transcript)
        if i > 0:  # the transcript shows sample 0's last turn; later samples swap in their own
            transcript = _sample_transcript(transcript, gen, execution)
        if gen.error is not None:
            passed, metrics, mode, parsed = False, {}, "error", None
        else:
            try:
                score = scorer(st.case, gen.text, ScoringContext(
                    schema=exp.schema_for(st.case), tools=tuple(st.tools or ()),
                    tool_calls=tuple(gen.tool_calls or ()), transcript=tuple(transcript),
                    execution=execution, retrieved=tuple(st.retrieved), guard=verdict))
            except Exception as exc:  # noqa: BLE001 - named with its case, not a traceback
                raise _scorer_error(exp, st.case, exc) from exc
            passed, metrics, mode, parsed = (score.passed, score.metrics, score.failure_mode,
                                             score.parsed)
        rows.append(ResultRow(
            case_id=st.case.id, sample_idx=gen.sample_idx,
            prompt=req.prompt_text if req is not None else "", raw_output=gen.text,
            parsed_output=parsed, passed=passed, failure_mode=mode, error=gen.error,
            prompt_tokens=_plus(st.prompt_tokens, gen.prompt_tokens),
            completion_tokens=_plus(st.completion_tokens, gen.completion_tokens),
            latency_ms=(st.latency_s + gen.latency_s) * 1000.0,
            finish_reason=gen.finish_reason, metrics=metrics,
            transcript=[dict(t) for t in transcript] if keep_transcript else None,
        ))
    return rows


def _scorer_error(exp: Experiment, case: Case, exc: Exception) -> ScorerError:
    """`cases.jsonl:LINE: scorer: scorer 'x' raised on case 'id': Type: message (at
    file:line in the scorer)`: the case to look at and the line of code that failed."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    at = f" (at {display_path(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""
    return ScorerError(located(exp.case_file, exp.case_lines.get(case.id), "scorer",
                               f"scorer {exp.spec.scorer!r} raised on case {case.id!r}: "
                               f"{type(exc).__name__}: {exc}{at}"))


def _sample_transcript(turns: list[Turn], gen: Generation,
                       execution: ExecutionResult | None) -> list[Turn]:
    """Sample i's transcript: sample 0's last generated turn, and the sandbox run of it,
    replaced by sample i's own reply (text, tool calls, error) and execution."""
    last = max((k for k, t in enumerate(turns) if t.get("generated")), default=None)
    if last is None:
        return turns
    own = [_assistant_turn(gen.text, gen)]
    if execution is not None:
        own.append(execution.as_turn())
    # sample 0's verdicts on its own reply go too (sample i's verdict reaches its scorer)
    return turns[:last] + own + [t for t in turns[last + 1:]
                                 if t.get("role") not in ("sandbox", "guard")]


def _plus(before: int, now: int | None) -> int | None:
    """Tokens of a case: earlier turns' plus this generation's (None when none counted)."""
    return None if now is None and not before else before + (now or 0)


def _provenance(exp: Experiment, model: ModelSpec, info: EngineInfo,
                shard: Shard | None) -> dict[str, object]:
    try:
        exp_path = str(exp.path.resolve().relative_to(Path.cwd()))
    except ValueError:
        exp_path = str(exp.path.resolve())
    return {
        "tokenizer_hash": info.tokenizer_hash, "chat_template_hash": info.chat_template_hash,
        "adapter_name": info.adapter_name, "adapter_sha256": info.adapter_sha256,
        "dtype": info.dtype, "quantization": info.quantization,
        "max_model_len": info.max_model_len,
        "tensor_parallel_size": info.tensor_parallel_size,
        "pipeline_parallel_size": info.pipeline_parallel_size,
        "accelerator_count": info.accelerator_count,
        "model_spec": model.model_dump(mode="json"), "experiment_path": exp_path,
        "shard": str(shard) if shard else None,
    }


def select_cases(exp: Experiment, options: RunOptions) -> list[Case]:
    """The cases a run covers: the first `limit`, then only `case_ids`, then one shard, then
    a seeded sample (cases ranked by a hash of seed and case id: stable across machines and
    case-file order)."""
    limit, case_ids, shard = options.limit, options.case_ids, options.shard
    cases = exp.cases[:limit] if limit else list(exp.cases)
    if case_ids is not None:
        known = {c.id for c in exp.cases}
        missing = sorted(set(case_ids) - known)
        if missing:
            raise ConfigError(f"{exp.path}: no case(s) {', '.join(missing[:5])} "
                              f"in experiment {exp.id!r}")
        cases = [c for c in cases if c.id in set(case_ids)]
    if shard is not None:
        cases = [c for c in cases if shard.contains(c.id)]
    if options.sample is not None:
        def rank(c: Case) -> str:
            return sha256_hex(f"{options.sample_seed}:{c.id}")
        keep = {c.id for c in sorted(cases, key=rank)[:options.sample]}
        cases = [c for c in cases if c.id in keep]
    return cases


def _preflight(models: Sequence[ModelSpec], engine: str) -> None:
    """Fail before any model loads when the engine is missing or a later model's weights
    cannot be found: a run of SmolLM2 then Qwen must not spend its first hour on SmolLM2 and
    then stop at a missing chunk package. Cheap: it locates files, it reads none. The same
    checks `check` makes (pipeline/preflight.py), every problem listed."""
    problems = models_problems(models, engine)
    if problems:
        raise ConfigError("\n".join(problems))


def run_experiment(exp: Experiment, registry: ModelRegistry, db_path: Path | str,
                   options: RunOptions) -> list[RunSummary]:
    """Run (or resume) every model × variant of *exp* that *options* select; returns one
    summary per run. *options* is trusted as validated (see `RunOptions`)."""
    engine, shard = options.engine, options.shard
    engine_loader = options.engine_loader or load_engine
    model_specs = [registry.get(m) for m in (options.models or exp.spec.models)]
    if options.engine_loader is None:
        _preflight(model_specs, default_engine() if engine == "auto" else engine)
    chosen = ([exp.variant(v) for v in options.variants] if options.variants
              else list(exp.spec.variants))
    scorer = scorers.get(exp.spec.scorer)
    cases = select_cases(exp, options)
    for model in model_specs:  # a missing, mismatched or leaky adapter fails before a load
        check_adapter(model, exp.cases, engine if engine != "auto" else default_engine())
    sampling = {v.name: exp.spec.sampling_for(v) for v in chosen}
    per_model = len(cases) * sum(s.n for s in sampling.values())
    store = Store(db_path)
    store.sync_experiment(exp)
    commit, dirty = _git_state(exp.path.parent)
    summaries: list[RunSummary] = []
    progress_ = Progress(total=len(model_specs) * per_model, enabled=options.progress)
    try:
        for model in model_specs:
            eng = _Memo(engine_loader(engine, model)) if len(chosen) > 1 else \
                engine_loader(engine, model)
            try:
                info = eng.info()
                store.sync_model(model)
                progress_.start_model(model.id, per_model)
                for variant in chosen:
                    s = sampling[variant.name]
                    params = SamplingParams(temperature=s.temperature, top_p=s.top_p,
                                            max_tokens=s.max_tokens, seed=s.seed, n=s.n)
                    spec = RunSpec(
                        experiment_id=exp.id, experiment_version=exp.spec.version,
                        model_id=model.id, variant=variant.name, engine=info.engine,
                        engine_version=info.engine_version, model_sha256=info.model_sha256,
                        model_revision=info.model_revision, temperature=s.temperature,
                        top_p=s.top_p, max_tokens=s.max_tokens, seed=s.seed, n_samples=s.n,
                        constrained=variant.constrained,
                        prompt_template_hash=_task_hash(exp, variant),
                        adapter_sha256=info.adapter_sha256, repeat=options.repeat,
                    )
                    ctx = RunContext(model_file=info.model_path, git_commit=commit,
                                     git_dirty=dirty, host=socket.gethostname(),
                                     hardware=info.hardware, engine_extra=info.extra,
                                     provenance=_provenance(exp, model, info, shard))
                    _warn_if_slot_shared(store, spec, options.log)
                    try:
                        summaries.append(_run_one(
                            exp, model, variant, cases, params, spec, ctx, store, eng, scorer,
                            options, progress_))
                    except BaseException:
                        _discard_empty(store, spec.run_id)
                        raise
            finally:
                eng.close()
    except RunInterrupted as exc:  # the message counts the runs that finished before it
        exc.add_finished(len(summaries), sum(s.cases_done for s in summaries))
        raise
    finally:
        progress_.close()
    return summaries


def _warn_if_slot_shared(store: Store, spec: RunSpec, log: Callable[[str], None]) -> None:
    """Say so when the run joins a slot (experiment version, model, variant) that already
    holds runs with other settings: which settings differ, which run posts will read (the
    schema's rule), how to list or drop them. A second run must never appear silently."""
    if spec.repeat:
        return
    settings = {k: getattr(spec, k) for k in SETTINGS}
    conflicts = slot_conflicts(store.path, spec.experiment_id, spec.experiment_version,
                               spec.model_id, spec.variant, settings, run_id=spec.run_id)
    if conflicts:
        resumes = store.completed(spec.run_id) != set()
        slot = f"{spec.experiment_id} v{spec.experiment_version} {spec.model_id}/{spec.variant}"
        log(describe_conflicts(conflicts, slot, spec.run_id, resumes=resumes))


def _discard_empty(store: Store, run_id: str) -> None:
    """A run that failed before its first commit leaves no run row behind (its cases stay
    replaceable, see Store.sync_experiment). Best effort: the original error is what counts."""
    try:
        store.discard_if_empty(run_id)
    except Exception:  # noqa: BLE001 - the failure being raised matters more than this one
        pass


class _Memo:
    """One model's engine, answering a request it has already answered from memory.

    Why: variants that differ only after generation (the guards of a RAG-compliance
    experiment judge the same prompt's answer) would otherwise generate the same draft once
    per variant. A request is the same when everything it sends is (messages or prompt,
    constraint, tools) and so are the sampling parameters; generation is greedy or seeded
    per sample, so the answer is the one the engine would give again. The stored latency is
    that of the generation that produced the answer.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.preferred_batch_size = engine.preferred_batch_size
        self._seen: dict[str, list[Generation]] = {}

    @staticmethod
    def _key(req: GenerationRequest, params: SamplingParams) -> str:
        import json

        return json.dumps([req.messages, req.prompt, req.json_schema, req.choices, req.tools,
                           params.temperature, params.top_p, params.max_tokens, params.seed,
                           params.n], sort_keys=True, default=str)

    def info(self) -> EngineInfo:
        return self.engine.info()

    def generate(self, requests: Sequence[GenerationRequest],
                 params: SamplingParams) -> list[list[Generation]]:
        keys = [self._key(r, params) for r in requests]
        todo = [i for i, k in enumerate(keys) if k not in self._seen]
        fresh: dict[int, list[Generation]] = {}
        if todo:
            answers = self.engine.generate([requests[i] for i in todo], params)
            for i, gens in zip(todo, answers, strict=True):
                fresh[i] = gens
                if all(g.error is None for g in gens):  # an error is tried again next time
                    self._seen[keys[i]] = gens
        return [fresh[i] if i in fresh else
                [dataclasses.replace(g, request_id=requests[i].request_id)
                 for g in self._seen[keys[i]]]
                for i in range(len(requests))]

    def close(self) -> None:
        self.engine.close()


class _KeptOpen:
    """An engine lent to several experiments: their `close()` is a no-op, the lender closes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.preferred_batch_size = engine.preferred_batch_size

    def info(self) -> EngineInfo:
        return self.engine.info()

    def generate(self, requests: Sequence[GenerationRequest],
                 params: SamplingParams) -> list[list[Generation]]:
        return self.engine.generate(requests, params)

    def close(self) -> None:
        pass


def run_experiments(exps: Sequence[Experiment], registry: ModelRegistry, db_path: Path | str,
                    options: RunOptions) -> list[RunSummary]:
    """Run several experiments, loading each model once for all of them (a vLLM load costs
    about a minute on a CPU box; eight suites would spend it eight times per model).
    Models run in order, each over every experiment that lists it (or `options.models`)."""
    models, engine = options.models, options.engine
    engine_loader = options.engine_loader or load_engine
    order: list[str] = list(models or [])
    if not order:
        for exp in exps:
            order += [m for m in exp.spec.models if m not in order]
    specs = [registry.get(m) for m in order]
    if options.engine_loader is None:
        _preflight(specs, default_engine() if engine == "auto" else engine)
    summaries: list[RunSummary] = []
    for spec in specs:
        kept: _KeptOpen | None = None

        def lend(name: str, model: ModelSpec) -> Engine:
            nonlocal kept
            if kept is None:
                kept = _KeptOpen(engine_loader(name, model))
            return kept

        try:
            for exp in exps:
                if models or spec.id in exp.spec.models:
                    summaries += run_experiment(exp, registry, db_path, dataclasses.replace(
                        options, models=[spec.id], engine_loader=lend))
        except RunInterrupted as exc:
            exc.add_finished(len(summaries), sum(s.cases_done for s in summaries))
            raise
        finally:
            if kept is not None:
                kept.engine.close()
    return summaries


def _stored(store: Store, run_id: str, retry_errors: bool) -> dict[tuple[str, int], bool]:
    """The run's stored samples and whether each passed (with `retry_errors`, error samples
    count as not stored: they are generated again)."""
    con = open_write(store.path)
    try:
        rows = con.execute("SELECT case_id, sample_idx, passed FROM results WHERE run_id = ?"
                           + (" AND error IS NULL" if retry_errors else ""),
                           [run_id]).fetchall()
    finally:
        con.close()
    return {(c, i): bool(p) for c, i, p in rows}


def _add_wall_time(store: Store, run_id: str, seconds: float) -> None:
    """Add the time since the run's last commit (the end of a segment: finished,
    interrupted or failed) to its wall time, in one short write."""
    con = open_write(store.path)
    try:
        con.execute("UPDATE runs SET wall_time_s = coalesce(wall_time_s, 0) + ? "
                    "WHERE run_id = ?", [seconds, run_id])
    finally:
        con.close()


def _run_one(exp: Experiment, model: ModelSpec, variant: Variant, cases: Sequence[Case],
             params: SamplingParams, spec: RunSpec, ctx: RunContext, store: Store,
             eng: Engine, scorer: Scorer, options: RunOptions,
             progress: Progress) -> RunSummary:
    """Run (or resume) one run over *cases*, one committed batch at a time.

    Wall time: every second from the run's start in this session to its end is added to the
    run (each batch's commit adds the time since the previous mark, so scoring and the gaps
    between batches count; the rest is added at the end, also when a Ctrl-C or an error
    ends the segment). A Ctrl-C becomes `RunInterrupted`, which says what was kept."""
    t_start = time.perf_counter()
    retry_errors, log = options.retry_errors, options.log
    batch_size = options.batch_size or eng.preferred_batch_size
    label = f"{model.id}/{variant.name}"
    run_id = store.start_run(spec, ctx)
    done = store.completed(run_id, retry_errors=retry_errors)
    # A case is done only when all its samples are; partial cases are redone whole.
    todo = [c for c in cases if any((c.id, i) not in done for i in range(params.n))]
    skipped = len(cases) - len(todo)
    earlier = {c.id for c in cases} - {c.id for c in todo}
    stored = _stored(store, run_id, retry_errors) if skipped else {}
    earlier_passed = sum(p for (c, _), p in stored.items() if c in earlier)
    progress.start_run(label, skipped * params.n, len(cases) * params.n, earlier_passed,
                       params.n)
    written = passed = errors = tokens = cases_now = 0
    t_run, mark = time.perf_counter(), t_start
    step_ctx = StepContext(exp=exp, variant=variant, model=model, engine=eng, params=params)
    try:
        for batch in _chunks(todo, batch_size):
            states = [TaskState(case=c) for c in batch]
            run_task(states, step_ctx)
            rows = [row for st in states for row in _rows(exp, scorer, st)]
            now = time.perf_counter()
            store.write_results(run_id, rows, wall_time_s=now - mark,
                                replace_errors=retry_errors)
            mark = now
            written += len(rows)
            cases_now += len(batch)
            batch_passed = sum(r.passed for r in rows)
            passed += batch_passed
            batch_errors = sum(r.error is not None for r in rows)
            errors += batch_errors
            batch_tokens = sum(r.completion_tokens or 0 for r in rows)
            tokens += batch_tokens
            progress.advance(len(rows), batch_tokens, batch_errors, batch_passed)
    except KeyboardInterrupt:
        kept = _kept(store, run_id, cases, params.n, fallback=skipped + cases_now)
        _end_segment(store, run_id, todo, mark)
        raise RunInterrupted(run_id, label, kept, len(cases)) from None
    except ScorerError as exc:
        kept = _kept(store, run_id, cases, params.n, fallback=skipped + cases_now)
        _end_segment(store, run_id, todo, mark)
        raise ScorerError(f"{exc}\n  kept {kept} of {len(cases)} cases of run {run_id} "
                          f"({label}); fix the scorer or the case and run the same command "
                          "to resume (a case with no results yet may be edited without a "
                          "version bump)") from exc
    except BaseException:
        _end_segment(store, run_id, todo, mark)
        raise
    finally:  # what the steps set up for the run (a guard's server) ends with it
        for obj in step_ctx.scratch.values():
            close = getattr(obj, "close", None)
            if callable(close):
                close()
    complete = store.refresh_status(run_id)
    elapsed = time.perf_counter() - t_run
    _end_segment(store, run_id, todo, mark)
    rate = f", {tokens / elapsed:.1f} tok/s" if written and elapsed > 0 else ""
    summary = RunSummary(run_id, model.id, variant.name, written, skipped, passed, errors,
                         complete, cases_total=len(cases), cases_now=cases_now,
                         earlier_passed=earlier_passed, n_samples=params.n)
    log(f"{summary.describe()}{rate}, {duration(time.perf_counter() - t_start)} this session")
    return summary


def _end_segment(store: Store, run_id: str, todo: Sequence[Case], mark: float) -> None:
    """The time since the last commit, added to the run's wall time (a session that had
    nothing to do adds nothing: re-running a finished command leaves the run as it was).
    Never raises: it runs while another error (or a Ctrl-C) is on its way out."""
    if not todo:
        return
    try:
        _add_wall_time(store, run_id, time.perf_counter() - mark)
    except Exception:  # noqa: BLE001 - the error that ended the segment matters more
        pass


def _kept(store: Store, run_id: str, cases: Sequence[Case], n: int, fallback: int) -> int:
    """How many of *cases* the run has every sample of, read back from the store (a Ctrl-C
    may land mid-commit); *fallback* when the store cannot say."""
    try:
        stored = _stored(store, run_id, retry_errors=False)
    except Exception:  # noqa: BLE001
        return fallback
    return sum(all((c.id, i) in stored for i in range(n)) for c in cases)
