"""Loading an experiment: its files parsed, then every name it uses resolved, at load time.

Why a step of its own: `pipeline.config` reads and checks what the files say and knows no
registry (the registries live in the layers above it and import config). The names an
experiment uses are resolved here, all at once, before any model loads: the task's `steps`,
the `scorer`, the `case_check`, each variant's `guard`, the `retrieval.retriever` and, when a
model registry is given, the `models`. An unknown name is refused with the YAML file and
line, "did you mean" and the valid names, like every other author error; then the load-time
case checks run (the experiment's case check, each step's check, every prompt rendered).

Every caller (the CLI, the runner's callers, provenance, the Ray launcher, the tests) loads
through `load_experiment` here; `pipeline.config.experiment.parse_experiment` alone is for
code that only reads the files.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from pipeline.config._yaml import KeyPath, did_you_mean
from pipeline.config.experiment import Experiment, parse_experiment
from pipeline.config.models import ModelRegistry
from pipeline.engines import Engine, load_engine
from pipeline.errors import ConfigError, display_path, located
from pipeline.guards import guards
from pipeline.hashing import short_hash
from pipeline.registry import Registry
from pipeline.retrieval import retrievers
from pipeline.scoring import scorers
from pipeline.scoring.case_checks import case_checks, run_case_check
from pipeline.tasks.steps import check_cases, check_step_names


def load_experiment(path: Path | str, models: ModelRegistry | None = None) -> Experiment:
    """Parse the experiment at *path*, resolve every name it uses (its `models` too when a
    *models* registry is given) and run the load-time case checks; ConfigError otherwise."""
    exp = parse_experiment(path)
    import_plugins(exp)
    resolve_names(exp, models)
    check_case_needs(exp)
    if exp.spec.case_check:
        run_case_check(exp.spec.case_check, exp.case_file, exp.cases, exp.case_lines)
    check_cases(exp, exp.case_file, exp.case_lines)
    return exp


def import_plugins(exp: Experiment) -> None:
    """Import the Python files *exp* lists under `plugins:` (relative to its YAML), so what
    they register (a scorer, step, guard, case check) is known before the names resolve:
    an author extends the pipeline from their own folder, without editing `pipeline/`.

    A file is imported once per process (its module is keyed by its resolved path), so two
    experiments naming the same file, or loading one experiment twice, do not register its
    names twice. A missing file or one that fails to import is a ConfigError at its line."""
    for i, name in enumerate(exp.spec.plugins):
        file = (exp.path.parent / name).resolve()

        def refuse(message: str, i: int = i) -> ConfigError:
            return ConfigError(located(exp.path, exp.line_of("plugins", i), "plugins",
                                       message))

        if not file.is_file():
            raise refuse(f"{name!r}: no such file ({file})" if not file.exists()
                         else f"{name!r}: not a file")
        if file.suffix != ".py":
            raise refuse(f"{name!r}: a plugin is a Python file (.py)")
        module_name = "llmx_plugin_" + short_hash(str(file))
        if module_name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(module_name, file)
        if spec is None or spec.loader is None:
            raise refuse(f"{name!r}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the author's code: any error is theirs to fix
            del sys.modules[module_name]
            raise refuse(f"{name!r} failed to import: {type(exc).__name__}: {exc}") from exc


def resolve_names(exp: Experiment, models: ModelRegistry | None = None) -> None:
    """Check every registered name *exp* uses; one ConfigError lists every unknown one as
    `file:line: key 'k': unknown <kind> 'x'. Did you mean 'y'? Available: ...`."""
    spec = exp.spec
    problems: list[str] = []

    def refuse(key: KeyPath, message: str) -> None:
        problems.append(located(exp.path, exp.line_of(*key), ".".join(str(k) for k in key),
                                message))

    def known(registry: Registry[Any], name: str, key: KeyPath) -> None:
        if name not in registry:
            refuse(key, registry.unknown_message(name))

    try:
        check_step_names(spec.steps)
    except ValueError as exc:
        refuse(("steps",), str(exc))
    known(scorers, spec.scorer, ("scorer",))
    if spec.case_check is not None:
        known(case_checks, spec.case_check, ("case_check",))
    for i, variant in enumerate(spec.variants):
        if variant.guard is not None:
            known(guards, variant.guard, ("variants", i, "guard"))
    if spec.retrieval is not None:
        known(retrievers, spec.retrieval.retriever, ("retrieval", "retriever"))
    if models is not None:
        ids = set(models.ids())
        for i, model_id in enumerate(spec.models):
            if model_id not in ids:
                refuse(("models", i), _unknown_model(model_id, models))
    if problems:
        raise ConfigError("\n".join(problems))


#: at most this many case problems are listed; the rest are counted
MAX_CASE_PROBLEMS = 20


def check_case_needs(exp: Experiment) -> None:
    """Check every case against what the experiment's scorer needs of it (its declared
    `Needs`: `expected` present, its type and keys, the input keys it reads); one
    ConfigError lists each problem as `cases.jsonl:LINE: expected: case 'x': ...`, so a
    case the scorer would crash on is refused before any model loads."""
    needs = scorers.get(exp.spec.scorer).needs
    if needs is None:
        return
    problems = [located(exp.case_file, exp.case_lines.get(case.id), key,
                        f"case {case.id!r}: {problem} (scorer {exp.spec.scorer!r})")
                for case in exp.cases for key, problem in needs.problems(case)]
    if problems:
        more = len(problems) - MAX_CASE_PROBLEMS
        shown = problems[:MAX_CASE_PROBLEMS] + ([f"... and {more} more"] if more > 0 else [])
        raise ConfigError("\n".join(shown))


def _unknown_model(model_id: str, models: ModelRegistry) -> str:
    return (f"unknown model id {model_id!r} (registry {display_path(models.source)}). "
            + did_you_mean(model_id, models.ids(), "Known ids"))


def load_judge(model_id: str, models: ModelRegistry, engine: str = "auto") -> Engine:
    """The engine for a guard's separate judge (e.g. the real Llama Guard 3): the caller
    loads it and hands it to the guard (`judge_engine=`); a guard never loads a model."""
    return load_engine(engine, models.get(model_id))


__all__ = ["check_case_needs", "import_plugins", "load_experiment", "load_judge", "resolve_names"]
