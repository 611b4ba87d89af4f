"""`python -m pipeline check`: every check a run makes before a model loads, and an estimate.

Why a command: the checks (`pipeline.preflight`, the same code `run` calls) otherwise show up
only when a run starts, and a run can be an hour long. `check` loads no engine and writes
nothing; it lists every problem in the one error format and exits 2, or says what the run
would cost: cases × variants × models × samples = generations, the prompt tokens (every
prompt rendered as the runner renders it, characters turned into tokens by each model's ratio
measured in the results database) and a time from each model's measured speed on that
engine. Every figure says where it comes from ("measured from N prompts", "assumed 4
chars/token", "no measured speed for model X on engine Y").

It also warns when a run would join a slot (experiment version, model, variant) that already
holds a run with other settings (`pipeline.store.runs.slot_conflicts`): posts read only the
newest of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.config.experiment import Case, Experiment, Variant
from pipeline.config.models import ModelSpec
from pipeline.engines import GenerationRequest
from pipeline.errors import display_path
from pipeline.preflight import DB_LOCK_WAIT_S, Preflight, preflight
from pipeline.progress import duration
from pipeline.run_options import RunOptions
from pipeline.runner import _task_hash, build_request, select_cases
from pipeline.store.runs import SlotConflict, describe_conflicts, slot_conflicts

#: the chars/token ratio assumed for a model with no stored prompts (English text, BPE)
ASSUMED_CHARS_PER_TOKEN = 4.0

# One row per model: its prompts' characters over their tokens (first samples only, so each
# prompt counts once). The prompt stored is the request as text, as `prompt_text` renders it.
_RATIO_SQL = """
SELECT ru.model_id, sum(length(r.prompt)) AS chars, sum(r.prompt_tokens) AS tokens,
       count(*) AS prompts
FROM results r JOIN runs ru USING (run_id)
WHERE r.sample_idx = 0 AND r.prompt_tokens > 0 AND length(r.prompt) > 0
GROUP BY ru.model_id
"""

# One row per model and engine: wall time over samples generated, from runs that recorded
# their wall time (summed over every session of the run).
_SPEED_SQL = """
WITH per_run AS (
    SELECT ru.run_id, ru.model_id, ru.engine, any_value(ru.wall_time_s) AS wall_s,
           count(*) AS samples, sum(coalesce(r.completion_tokens, 0)) AS completion_tokens
    FROM runs ru JOIN results r USING (run_id)
    WHERE ru.wall_time_s > 0
    GROUP BY ru.run_id, ru.model_id, ru.engine
)
SELECT model_id, engine, sum(wall_s) AS wall_s, sum(samples) AS samples,
       sum(completion_tokens) AS completion_tokens, count(*) AS runs
FROM per_run GROUP BY model_id, engine
"""


@dataclass(frozen=True)
class Ratio:
    """A model's characters per prompt token, and how many stored prompts it comes from."""

    chars_per_token: float
    prompts: int  # 0: assumed

    def basis(self) -> str:
        if not self.prompts:
            return f"assumed {self.chars_per_token:g} chars/token"
        return f"{self.chars_per_token:.2f} chars/token, measured from {self.prompts} prompts"


@dataclass(frozen=True)
class Speed:
    """A model's measured speed on one engine: wall seconds per generated sample."""

    wall_s: float
    samples: int
    completion_tokens: int
    runs: int

    @property
    def s_per_sample(self) -> float:
        return self.wall_s / self.samples

    def basis(self) -> str:
        tps = f", {self.completion_tokens / self.wall_s:.1f} completion tokens/s" \
            if self.completion_tokens else ""
        return (f"{self.s_per_sample:.2f} s/sample measured from {self.samples} samples in "
                f"{self.runs} run(s){tps}")


@dataclass(frozen=True)
class Measured:
    """What the results database says about the models: ratios by model, speeds by
    (model, engine), and why there is nothing when there is nothing."""

    ratios: dict[str, Ratio] = field(default_factory=dict)
    speeds: dict[tuple[str, str], Speed] = field(default_factory=dict)
    note: str | None = None

    def ratio(self, model_id: str) -> Ratio:
        return self.ratios.get(model_id, Ratio(ASSUMED_CHARS_PER_TOKEN, 0))


def measure(db: Path | str) -> Measured:
    """Each model's chars/token and speed from the stored results (DuckDB SQL on a read-only
    connection; an older schema is read as it is); a database that is absent, empty, locked
    or lacks a column measures nothing and says why."""
    path = Path(db)
    if not path.is_file():
        return Measured(note=f"no results database at {display_path(path)}: nothing measured")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return Measured(note=f"{display_path(path)} not read ({str(exc).splitlines()[0]}): "
                             "nothing measured")
    try:
        ratios = {m: Ratio(chars / tokens, int(n))
                  for m, chars, tokens, n in con.execute(_RATIO_SQL).fetchall() if tokens}
        speeds = {(m, e): Speed(float(w), int(s), int(c or 0), int(r))
                  for m, e, w, s, c, r in con.execute(_SPEED_SQL).fetchall() if s and w}
    except duckdb.Error as exc:
        return Measured(note=f"{display_path(path)}: not a results database this version "
                             f"can measure ({str(exc).splitlines()[0]})")
    finally:
        con.close()
    return Measured(ratios, speeds)


def prompt_text(exp: Experiment, variant: Variant, model: ModelSpec, case: Case) -> str:
    """The first prompt a run sends for *case*, as text (as stored in `results.prompt`).
    Retrieved passages are stood in for by the corpus's first `k` passages; a conversation
    task's prompt is the case's given messages."""
    steps = exp.spec.steps
    if "prompt" not in steps:
        messages = case.input.get("messages") or []
        return GenerationRequest("check", messages=[
            {"role": str(m.get("role", "")), "content": str(m.get("content", ""))}
            for m in messages if isinstance(m, dict)]).prompt_text
    if "retrieve" in steps and exp.spec.retrieval is not None:
        extra: dict[str, Any] = {"passages": [
            {"id": p.id, "title": p.title, "text": p.text}
            for p in exp.passages[:exp.spec.retrieval.k]]}
        system, user = exp.render(variant, case, extra)
        if model.kind == "chat":
            msgs = ([{"role": "system", "content": system}] if system else [])
            msgs.append({"role": "user", "content": user})
            return GenerationRequest("check", messages=msgs).prompt_text
        return (f"{system}\n\n" if system else "") + user + variant.base_suffix
    return build_request(exp, variant, model, case, "check").prompt_text


@dataclass(frozen=True)
class Line:
    """The estimate for one experiment on one model."""

    experiment: str
    model_id: str
    cases: int
    variants: int
    samples: int  # samples per case, summed over the variants
    prompt_chars: int  # over every generation
    ratio: Ratio
    speed: Speed | None

    @property
    def generations(self) -> int:
        return self.cases * self.samples

    @property
    def prompt_tokens(self) -> int:
        return round(self.prompt_chars / self.ratio.chars_per_token)

    @property
    def seconds(self) -> float | None:
        return self.generations * self.speed.s_per_sample if self.speed else None


def estimate(checked: Preflight, measured: Measured, *, models: Sequence[str] | None = None,
             variants: Sequence[str] | None = None, limit: int | None = None) -> list[Line]:
    """One line per experiment and model the run would cover (the cases `run` selects)."""
    out = []
    for exp in checked.experiments:
        cases = select_cases(exp, RunOptions(limit=limit))
        chosen = [exp.variant(v) for v in variants] if variants else list(exp.spec.variants)
        by_kind: dict[str, int] = {}  # a prompt depends on the model's kind only
        for model in checked.models:
            if not models and model.id not in exp.spec.models:
                continue
            if model.kind not in by_kind:
                by_kind[model.kind] = sum(
                    len(prompt_text(exp, v, model, c)) * exp.spec.sampling_for(v).n
                    for v in chosen for c in cases)
            chars = by_kind[model.kind]
            out.append(Line(exp.id, model.id, len(cases), len(chosen),
                            sum(exp.spec.sampling_for(v).n for v in chosen), chars,
                            measured.ratio(model.id),
                            measured.speeds.get((model.id, checked.engine))))
    return out


def slot_warnings(checked: Preflight, db: Path | str, *, models: Sequence[str] | None = None,
                  variants: Sequence[str] | None = None) -> list[str]:
    """The warning `run` would print for each slot that already holds a run with other
    settings (those known before an engine loads: engine, sampling, template)."""
    found: list[tuple[Experiment, str, list[SlotConflict]]] = []
    for exp in checked.experiments:
        chosen = [exp.variant(v) for v in variants] if variants else list(exp.spec.variants)
        for model in checked.models:
            if not models and model.id not in exp.spec.models:
                continue
            for variant in chosen:
                s = exp.spec.sampling_for(variant)
                settings = {"engine": checked.engine, "temperature": s.temperature,
                            "top_p": s.top_p, "max_tokens": s.max_tokens, "seed": s.seed,
                            "n_samples": s.n, "constrained": variant.constrained,
                            "prompt_template_hash": _task_hash(exp, variant)}
                conflicts = slot_conflicts(db, exp.id, exp.spec.version, model.id,
                                           variant.name, settings)
                if conflicts:
                    found.append((exp, f"{model.id}/{variant.name}", conflicts))
    if len(found) == 1:  # one slot: the runner's own warning, word for word
        exp, slot, conflicts = found[0]
        return [describe_conflicts(conflicts, f"{exp.id} v{exp.spec.version} {slot}", None)]
    out = []
    for exp in dict.fromkeys(e for e, _, _ in found):
        mine = [(slot, cs) for e, slot, cs in found if e is exp]
        diffs = sorted({f"{k} {old!r} → {new!r}" for _, cs in mine for c in cs
                        for k, (old, new) in c.differs.items()})
        out.append(f"warning: {exp.id} v{exp.spec.version}: {len(mine)} slot(s) already hold "
                   f"a run with other settings ({'; '.join(diffs)}): "
                   f"{', '.join(slot for slot, _ in mine)}. Posts and the site read each "
                   "slot's most recently started run with results (the new one, once it has "
                   f"one). See them: python -m pipeline runs {exp.id}; remove one: "
                   "python -m pipeline drop RUN")
    return out


def report(lines: Sequence[Line], measured: Measured, engine: str) -> str:
    """The estimate as text: per experiment and model, then totals, each figure's basis."""
    if not lines:
        return "estimate: nothing to run"
    out = ["estimate:"]
    for ln in lines:
        out.append(f"  {ln.experiment} on {ln.model_id}: {ln.cases} cases × {ln.variants} "
                   f"variant(s) × {ln.samples // ln.variants if ln.variants else 0}"
                   f"{'+' if ln.variants and ln.samples % ln.variants else ''} sample(s) = "
                   f"{ln.generations} generations; ~{ln.prompt_tokens:,} prompt tokens "
                   f"({ln.prompt_chars:,} chars)")
    generations = sum(ln.generations for ln in lines)
    tokens = sum(ln.prompt_tokens for ln in lines)
    n_models = len({ln.model_id for ln in lines})
    out.append(f"  total: {generations} generations over {n_models} model(s), "
               f"~{tokens:,} prompt tokens")
    out.append("  chars/token: " + "; ".join(
        f"{m}: {r.basis()}" for m, r in {ln.model_id: ln.ratio for ln in lines}.items()))
    timed = [ln for ln in lines if ln.seconds is not None]
    for m in dict.fromkeys(ln.model_id for ln in lines):
        speed = next((ln.speed for ln in lines if ln.model_id == m and ln.speed), None)
        if speed:
            out.append(f"  speed: {m} on {engine}: {speed.basis()}")
            continue
        elsewhere = "; ".join(f"on {e}: {sp.basis()}" for (mm, e), sp in
                              sorted(measured.speeds.items()) if mm == m)
        out.append(f"  speed: no measured speed for model {m} on engine {engine}"
                   + (f" (measured {elsewhere})" if elsewhere else ""))
    if timed:
        seconds = sum(ln.seconds or 0.0 for ln in timed)
        part = "" if len(timed) == len(lines) else \
            f" (for {len(timed)} of {len(lines)} experiment×model pairs; the rest unmeasured)"
        out.append(f"  time: ~{duration(seconds)}{part}")
    else:
        out.append("  time: unknown (no measured speed for these models on this engine)")
    if measured.note:
        out.append(f"  database: {measured.note}")
    return "\n".join(out)


def check(paths: Sequence[Path | str], registry: Path | str, *,
          models: Sequence[str] | None = None, variants: Sequence[str] | None = None,
          engine: str = "auto", limit: int | None = None,
          db: Path | str = "results.duckdb") -> tuple[Preflight, str]:
    """Run every preflight check; with no problem, also the slot warnings and the estimate.
    Returns the checks and the text to print (empty when there are problems)."""
    checked = preflight(paths, registry, models=models, variants=variants, engine=engine,
                        db=db, db_wait_s=DB_LOCK_WAIT_S)
    if checked.problems:
        return checked, ""
    measured = measure(db)
    lines = estimate(checked, measured, models=models, variants=variants, limit=limit)
    head = [f"ok: {len(checked.experiments)} experiment(s), {len(checked.models)} model(s), "
            f"engine {checked.engine}: files, cases, names, engine, model files, adapters "
            "and database checked"]
    # a database a writer holds now: its slots are not read (that would wait a minute)
    warnings = [] if checked.warnings else slot_warnings(checked, db, models=models,
                                                         variants=variants)
    return checked, "\n".join([*head, *checked.warnings, *warnings,
                               report(lines, measured, checked.engine)])


__all__ = ["ASSUMED_CHARS_PER_TOKEN", "Line", "Measured", "Ratio", "Speed", "check",
           "estimate", "measure", "prompt_text", "report", "slot_warnings"]
