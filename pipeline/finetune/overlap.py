"""How close is each test case to the training set? Three measures, one row per case each.

Why: :func:`pipeline.finetune.dataset.case_key` only proves that no test case is *literally*
a training example (same signature and prompt). A test case can still be the same task as a
training example with other names, another constant and the same words, and then a
fine-tuned model that passes it may only be reproducing what it memorised. A post that
compares an adapter with its base has to say how much of its test set is like that, per
split, from the database, so these measures are computed here and stored in the `overlap`
table (pipeline/store/overlap.py):

- ``prompt_template``: the case's prompt, reduced to its template (:func:`prompt_template`:
  lower-cased, code in backticks, snake_case names, quoted strings and numbers replaced by
  placeholders, whitespace collapsed), equals some training prompt's template. A parameter
  named in prose without backticks stays a word, so this errs towards "no match".
- ``solution_renamed``: the case's reference solution equals some training solution once
  both have their bound names (functions, parameters, locals) renamed to canonical names in
  order of first appearance (:func:`canonical_solution`). Constants, annotations, builtins
  and attributes are kept: ``x > 38`` and ``x > 59`` differ.
- ``solution_passes``: some training solution, its function renamed to the case's, passes
  every hidden test of the case, run in the sandbox (:func:`passing_examples`). One sandbox
  run per case tries every candidate with the case's number of parameters, each under its
  own time limit: a training answer the model could have memorised solves the case.

Each row's ``detail`` holds the case's ``split`` and ``family`` (from its ``split:`` and
``family:`` tags, when it has them) so a post can report the overlap per split.

A test case's reference solution is not part of the case file (the model must never see
it): it comes from a JSONL file of ``{"id", "solution"}`` lines, by default
``test_solutions.jsonl`` next to the cases file.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field

from pipeline.config.base import StrictModel
from pipeline.config.experiment import Case
from pipeline.config.jsonl import load_jsonl
from pipeline.config.training import load_training_config
from pipeline.errors import ConfigError, PipelineError
from pipeline.finetune.dataset import TrainExample, load_training_set, training_set_sha256
from pipeline.loading import load_experiment
from pipeline.sandbox import SandboxOptions, run_python
from pipeline.sandbox.report import tagged_json
from pipeline.store.overlap import OverlapRow, write_overlap

__all__ = [
    "MEASURES",
    "OverlapReport",
    "canonical_solution",
    "load_solutions",
    "measure_overlap",
    "passing_examples",
    "prompt_template",
    "rename_function",
    "store_overlap",
]

MEASURES = ("prompt_template", "solution_renamed", "solution_passes")
SOLUTIONS_FILE = "test_solutions.jsonl"
CANDIDATE_LIMIT_S = 2.0  # per training solution, module and all tests together
SPLIT_NAMES = {"seen": "seen families", "unseen": "held-out families"}

# ----------------------------------------------------------------------- prompt templates

_BACKTICKS = re.compile(r"`[^`\n]*`")
_QUOTED = re.compile(r"(?<![A-Za-z0-9])(?:'[^'\n]*'|\"[^\"\n]*\")(?![A-Za-z0-9])")
_SNAKE = re.compile(r"\b[A-Za-z_][A-Za-z0-9]*(?:_[A-Za-z0-9]*)+\b")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def prompt_template(prompt: str) -> str:
    """The template of a task description: code in backticks becomes ``<id>``, a quoted
    string ``<str>``, a snake_case name ``<id>``, a number (sign and decimals included)
    ``<num>``; then lower-cased, with every run of whitespace one space.

    Why this level: two prompts with the same template ask the same thing in the same words
    about other names and constants, which is what a model trained on one has learnt to
    answer for the other.
    """
    text = _BACKTICKS.sub("<id>", prompt)
    text = _QUOTED.sub("<str>", text)
    text = _SNAKE.sub("<id>", text)
    text = _NUMBER.sub("<num>", text)
    return " ".join(text.lower().split())


# ------------------------------------------------------------------- renamed solutions


def canonical_solution(source: str) -> str:
    """``ast.dump`` of *source* with every name it binds (functions, classes, parameters,
    assigned and loop variables, comprehension targets, ``except ... as``) renamed to
    ``_0``, ``_1``, ... in order of first appearance in the source. Free names (builtins,
    imported modules' attributes, globals it does not bind), attributes, keyword names of
    calls, constants and annotations are kept. Raises SyntaxError for code that does not
    compile.

    Why alpha-renaming: two solutions that differ only in what their function and variables
    are called are the same program; a model that learnt one has learnt the other.
    """
    tree = ast.parse(source)
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
    occurrences: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        name = _bound_name(node)
        if name is not None and name in bound:
            occurrences.append((node.lineno, node.col_offset, name))  # type: ignore[attr-defined]
    canonical: dict[str, str] = {}
    for _, _, name in sorted(occurrences):
        canonical.setdefault(name, f"_{len(canonical)}")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            node.name = canonical.get(node.name, node.name)
        elif isinstance(node, ast.arg):
            node.arg = canonical.get(node.arg, node.arg)
        elif isinstance(node, ast.Name):
            node.id = canonical.get(node.id, node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            node.name = canonical.get(node.name, node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            node.names = [canonical.get(n, n) for n in node.names]
    return ast.dump(tree, annotate_fields=True, include_attributes=False)


def _bound_name(node: ast.AST) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.arg):
        return node.arg
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.ExceptHandler):
        return node.name
    return None


def rename_function(source: str, old: str, new: str) -> str:
    """*source* with the function *old* (its definition and every reference to it, a
    recursive call included) called *new*, unparsed by ``ast``."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == old:
            node.name = new
        elif isinstance(node, ast.Name) and node.id == old:
            node.id = new
    return ast.unparse(tree) + "\n"


# ------------------------------------------------------------- passing training solutions

# Runs inside the sandbox as main.py with spec.json next to it. Reads the nonce from stdin,
# keeps a private duplicate of stdout, then for each candidate: execs its source in a fresh
# namespace and every test in a copy of it, under an interval timer (a BaseException of its
# own, so a candidate's `except Exception` cannot swallow it), with the candidate's prints
# going nowhere. One nonce-tagged JSON line reports which candidates passed every test.
HARNESS = r'''
import io, json, os, signal, sys


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _main():
    nonce = sys.stdin.readline().strip()
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    dumps = json.dumps
    with open("spec.json", encoding="utf-8") as fh:
        spec = json.load(fh)
    tests = [compile(t, "<test %d>" % (i + 1), "exec") for i, t in enumerate(spec["tests"])]
    limit = float(spec["limit_s"])
    signal.signal(signal.SIGALRM, _alarm)
    passed, timed_out = [], []
    for cand in spec["candidates"]:
        sys.stdout = sys.stderr = io.StringIO()
        ok = False
        try:
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                ns = {"__name__": "solution"}
                exec(compile(cand["source"], "solution.py", "exec"), ns)
                for test in tests:
                    exec(test, dict(ns))
                ok = True
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            timed_out.append(cand["id"])
        except BaseException:
            pass
        if ok:
            passed.append(cand["id"])
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    report = {"passed": passed, "timed_out": timed_out, "tried": len(spec["candidates"])}
    out.write("\n" + nonce + " " + dumps(report) + "\n")
    out.flush()
    os._exit(0)


_main()
'''


@dataclass(frozen=True)
class PassResult:
    """What one sandbox run over a case's candidates found."""

    passed: tuple[str, ...]
    timed_out: tuple[str, ...]
    tried: int
    wall_s: float


def passing_examples(case_id: str, entry_point: str, tests: Sequence[str],
                     candidates: Sequence[tuple[str, str]],
                     limit_s: float = CANDIDATE_LIMIT_S) -> PassResult:
    """Which of *candidates* (``(example id, source)``, the source's function already named
    *entry_point*) pass every one of *tests*, in one sandbox run.

    Why one run for all candidates: a sandbox start costs tens of milliseconds, and a case
    has up to hundreds of candidates. Raises PipelineError naming the case when the run ends
    without its report (a candidate ended the process, or the whole run passed its time
    limit), and :class:`pipeline.sandbox.SandboxUnavailable` when there is no sandbox.
    """
    if not candidates:
        return PassResult((), (), 0, 0.0)
    nonce = secrets.token_hex(16)
    spec = {"tests": list(tests), "limit_s": limit_s,
            "candidates": [{"id": i, "source": s} for i, s in candidates]}
    budget = min(3600.0, 10.0 + limit_s * len(candidates))
    options = SandboxOptions(timeout_s=budget, cpu_s=budget, memory_mb=1024,
                             output_cap_bytes=1_000_000)
    result = run_python(HARNESS, options, files={"spec.json": json.dumps(spec)},
                        stdin=nonce + "\n")
    report = _report(result.stdout, nonce)
    ids = {i for i, _ in candidates}
    if (report is None or not set(report["passed"]) <= ids
            or not set(report["timed_out"]) <= ids or report["tried"] != len(candidates)):
        tail = (result.stderr or result.stdout)[-300:].strip()
        raise PipelineError(f"overlap: case {case_id!r}: the sandbox run over "
                            f"{len(candidates)} training solutions ended without a valid "
                            f"report (status {result.status}: {result.detail}) {tail}")
    return PassResult(tuple(report["passed"]), tuple(report["timed_out"]), len(candidates),
                      result.wall_s)


def _report(stdout: str, nonce: str) -> dict[str, Any] | None:
    report = tagged_json(stdout, nonce)
    ok = (isinstance(report, dict) and isinstance(report.get("passed"), list)
          and isinstance(report.get("timed_out"), list)
          and isinstance(report.get("tried"), int))
    return report if ok else None


# -------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class OverlapReport:
    """One measurement: an experiment version's cases against one training file."""

    experiment_id: str
    experiment_version: int
    training_set: str
    training_sha256: str
    rows: tuple[OverlapRow, ...]
    wall_s: float

    def summary(self) -> list[str]:
        """One line per split: how many of its cases matched, per measure."""
        cases: dict[str, set[str]] = defaultdict(set)
        matched: Counter[tuple[str, str]] = Counter()
        for row in self.rows:
            split = str(row.detail.get("split") or "all")
            cases[split].add(row.case_id)
            matched[split, row.measure] += int(row.matched)
        lines = []
        for split in sorted(cases, key=lambda s: (s != "seen", s)):
            n = len(cases[split])
            parts = [f"{matched[split, m]}/{n} {m}" for m in MEASURES]
            lines.append(f"{SPLIT_NAMES.get(split, split)}: {', '.join(parts)}")
        return lines


def load_solutions(path: Path, cases: Sequence[Case]) -> dict[str, str]:
    """The reference solution of every case in *cases*, by case id, from a JSONL file of
    ``{"id", "solution"}`` lines. Raises ConfigError naming the file (and line, and key)
    for a missing file, a bad line, a solution that does not compile or define the case's
    function, or a case without a solution."""
    rows = load_jsonl(path, _Solution, what="reference solutions file (JSONL)",
                      noun="solution", empty="an empty solutions file", check=_solution_problem)
    found = {row.id: row.solution for _, row in rows}
    missing = [c.id for c in cases if c.id not in found]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ConfigError(f"{path}: no reference solution (key 'solution') for test case(s) "
                          f"{shown}{more}")
    return found


class _Solution(StrictModel):
    """One line of a reference solutions file; other keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    solution: str = ""  # missing or blank: refused by _solution_problem, naming the case


def _solution_problem(row: _Solution) -> str | None:
    if not row.solution.strip():
        return (f"case {row.id!r}: key 'solution' must be a non-empty string (the case's "
                "reference solution)")
    try:
        ast.parse(row.solution)
    except SyntaxError as exc:
        return f"case {row.id!r}: key 'solution' does not compile ({exc.msg}, line {exc.lineno})"
    return None


def _tag(tags: Sequence[str], prefix: str) -> str | None:
    values = [t.split(":", 1)[1] for t in tags if t.startswith(prefix + ":")]
    return values[0] if values else None


def _split(case: Case) -> dict[str, Any]:
    """The case's ``split`` and ``family`` tags, those it has: what a post groups by."""
    found = {"split": _tag(case.tags, "split"), "family": _tag(case.tags, "family")}
    return {k: v for k, v in found.items() if v is not None}


def _signature(case_id: str, where: str, signature: object) -> ast.FunctionDef:
    if isinstance(signature, str):
        try:
            node = ast.parse(signature.strip() + "\n    ...\n").body
        except SyntaxError:
            node = []
        if len(node) == 1 and isinstance(node[0], ast.FunctionDef):
            return node[0]
    raise ConfigError(f"{where}: case {case_id!r}: input.signature {signature!r} is not one "
                      "'def name(...):' line")


def _arity(fn: ast.FunctionDef) -> int:
    return len(fn.args.posonlyargs) + len(fn.args.args)


def _code_case(case: Case, where: str) -> tuple[str, list[str], ast.FunctionDef]:
    """(entry point, tests, signature) of a code case, or ConfigError naming file and key."""
    expected = case.expected if isinstance(case.expected, dict) else {}
    entry, tests = expected.get("entry_point"), expected.get("tests")
    if not isinstance(entry, str) or not entry:
        raise ConfigError(f"{where}: case {case.id!r}: key expected.entry_point is missing")
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
        raise ConfigError(f"{where}: case {case.id!r}: key expected.tests must be a non-empty "
                          "list of assert statements")
    if not isinstance(case.input.get("prompt"), str):
        raise ConfigError(f"{where}: case {case.id!r}: key input.prompt is missing")
    return entry, tests, _signature(case.id, where, case.input.get("signature"))


def measure_overlap(config: Path, solutions: Path | None = None, *,
                    workers: int | None = None,
                    limit_s: float = CANDIDATE_LIMIT_S) -> OverlapReport:
    """Measure every test case of the experiment a training config (train.yaml) was trained
    for against its training set, on all of :data:`MEASURES`.

    *solutions*: the cases' reference solutions (default: ``test_solutions.jsonl`` next to
    the cases file). *workers*: sandbox runs at once (default: the CPU count). Everything is
    read and checked before the first sandbox starts; nothing is written here (see
    :func:`store_overlap`).
    """
    started = time.perf_counter()
    cfg = load_training_config(Path(config))
    exp = load_experiment(cfg.prompt.experiment)
    cases_file = exp.path.parent / exp.spec.cases
    solutions = Path(solutions) if solutions is not None else cases_file.parent / SOLUTIONS_FILE
    examples = load_training_set(cfg.training_set)
    sha = training_set_sha256(cfg.training_set)
    code_cases = [(c, *_code_case(c, str(cases_file))) for c in exp.cases]
    references = load_solutions(solutions, exp.cases)

    templates: dict[str, list[str]] = defaultdict(list)
    programs: dict[str, list[str]] = defaultdict(list)
    by_arity: dict[int, list[TrainExample]] = defaultdict(list)
    for ex in examples:
        templates[prompt_template(ex.input.prompt)].append(ex.id)
        programs[canonical_solution(ex.solution)].append(ex.id)
        fn = _signature(ex.id, str(cfg.training_set), ex.input.signature)
        by_arity[_arity(fn)].append(ex)

    rows: list[OverlapRow] = []
    jobs: list[tuple[str, str, list[str], list[tuple[str, str]]]] = []
    for case, entry, tests, fn in code_cases:
        base = _split(case)
        template = prompt_template(case.input["prompt"])
        same_prompt = templates.get(template, [])
        rows.append(OverlapRow(case.id, "prompt_template", bool(same_prompt),
                               tuple(same_prompt), {**base, "template": template}))
        program = canonical_solution(references[case.id])  # load_solutions: it compiles
        same_program = programs.get(program, [])
        rows.append(OverlapRow(case.id, "solution_renamed", bool(same_program),
                               tuple(same_program), dict(base)))
        candidates = [(ex.id, rename_function(ex.solution, ex.expected.entry_point, entry))
                      for ex in by_arity.get(_arity(fn), [])]
        jobs.append((case.id, entry, tests, candidates))

    results: dict[str, PassResult] = {}
    pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)
    try:
        futures = {job[0]: pool.submit(passing_examples, *job, limit_s=limit_s)
                   for job in jobs}
        for case_id, future in futures.items():
            results[case_id] = future.result()
    finally:  # on an error, the cases not yet started are not started
        pool.shutdown(wait=True, cancel_futures=True)
    for case, *_ in code_cases:
        res = results[case.id]
        detail = _split(case)
        detail.update({"candidates": res.tried, "sandbox_s": round(res.wall_s, 3)})
        if res.timed_out:
            detail["timed_out"] = list(res.timed_out)
        rows.append(OverlapRow(case.id, "solution_passes", bool(res.passed), res.passed,
                               detail))
    order = {m: i for i, m in enumerate(MEASURES)}
    position = {c.id: i for i, c in enumerate(exp.cases)}
    rows.sort(key=lambda r: (order[r.measure], position[r.case_id]))
    return OverlapReport(exp.spec.id, exp.spec.version, str(cfg.training_set), sha,
                         tuple(rows), time.perf_counter() - started)


def store_overlap(db: Path | str, report: OverlapReport) -> int:
    """Write *report* to the results database, replacing the same measurement's rows (one
    transaction: see :func:`pipeline.store.overlap.write_overlap`)."""
    return write_overlap(db, experiment_id=report.experiment_id,
                         experiment_version=report.experiment_version,
                         training_set=report.training_set,
                         training_sha256=report.training_sha256, rows=report.rows)
