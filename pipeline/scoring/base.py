"""The scorer seam: `(case, output, context) -> Score`, registered by name.

A Score carries named metrics (all stored, one row each), the overall pass/fail, a failure
mode for the failing cases, and the parsed output when the scorer parsed one.

A scorer also declares its *outcomes*: the yes/no verdicts it reaches on every output, each
with the one name pages give it. The first is the primary outcome, the one posts count as
right and the cases pages show first; the others are shown beside it, named. The stored
`passed` column holds one of them (`passed=`, the primary by default), so a page that reads
`passed` reads a declared outcome too. Labels live here and nowhere else: the site reads
them from the registry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.config.experiment import Case
from pipeline.registry import Registry

if TYPE_CHECKING:
    from pipeline.guards.base import GuardVerdict
    from pipeline.tasks.state import ExecutionResult, ToolCall, Turn


@dataclass(frozen=True)
class Metric:
    """A metric a scorer emits. `higher_is_better` says which way is good: True (a rate of
    right answers), False (`fp`, a false-block rate, milliseconds) or None for a descriptive
    number that is neither (a length, how often a guard blocked). The database reference
    page (`pipeline/site/builder/reference.py`) prints it beside each metric, for post authors.

    `family=True` declares a set of metrics whose names start with `name` and end in a part
    only the case knows (`field:` covers `field:total`, `field:due_date`, ...): scores are
    stored one row per metric, so a family is queried with `metric LIKE 'field:%'`.
    """

    name: str
    description: str
    higher_is_better: bool | None = True
    family: bool = False

    def covers(self, metric: str) -> bool:
        """True when *metric* is this metric, or a member of this family."""
        return metric.startswith(self.name) if self.family else metric == self.name


PASSED = "passed"  # an Outcome's field: the results' `passed` column itself


@dataclass(frozen=True)
class Outcome:
    """A yes/no verdict a scorer reaches on every output, as posts and pages name it.

    `field` is where it is stored: a declared 0/1 metric (one `scores` row per output; an
    output with no row, an engine error, counts as no), or `"passed"`, the results' column,
    for a verdict stored nowhere else. `label` is its human name ("final answer correct").
    """

    field: str
    label: str


@dataclass(frozen=True)
class Score:
    passed: bool
    metrics: dict[str, float]
    failure_mode: str | None = None
    parsed: Any = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoringContext:
    """What a scorer may need beyond the case and the final output text.

    - `schema`: the JSON Schema the case asked for (experiments with `schemas:`).
    - `tools`: the tool definitions offered to the model (OpenAI format,
      `{"type": "function", "function": {"name", "description", "parameters"}}`).
    - `tool_calls`: the calls parsed out of the final output (engine tool parser).
    - `transcript`: every message of the case in order, given and generated (multi-turn
      cases: one generated assistant turn per user turn); empty for one-prompt tasks.
    - `execution`: the final output's code run against the case's tests (execute step).
    - `retrieved`: the passage ids the retrieve step put in the prompt, best first.
    - `guard`: the guard's verdict on the output (guard step).
    """

    schema: dict[str, Any] | None = None
    tools: tuple[dict[str, Any], ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    transcript: tuple[Turn, ...] = ()
    execution: ExecutionResult | None = None
    retrieved: tuple[str, ...] = ()
    guard: GuardVerdict | None = None


def json_type(value: Any) -> str:
    """The JSON name of a value's type, as errors name it ("a string", "an object")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


@dataclass(frozen=True)
class Needs:
    """What a scorer needs of every case, checked on each case at load time (before a model
    loads): a case the scorer could only crash on or silently fail is refused there, with
    its file and line, instead of mid-run with a traceback.

    - `expected`: what `expected` must be, in words ("the gold label (a string)");
      `expected` must be present (an explicit null counts only when "null" is in `types`).
    - `types`: the JSON types `expected` may have ("string", "number", "boolean", "object",
      "array", "null"); empty: any.
    - `keys`: the keys an object `expected` must have; `optional`: the other keys it may
      have (None: any others).
    - `items`: the JSON type every item of an array `expected` must have.
    - `inputs`: the `input` keys the scorer reads.
    - `check`: a finer check of the case (the scorer's own parser of `expected`): returns a
      problem, or raises ValueError with one; None when the case is fine.
    """

    expected: str
    types: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    optional: tuple[str, ...] | None = None
    items: str | None = None
    inputs: tuple[str, ...] = ()
    check: Callable[[Case], str | None] | None = None

    def problems(self, case: Case) -> list[tuple[str, str]]:
        """(key, problem) for each thing *case* lacks; empty when it has all of it."""
        out: list[tuple[str, str]] = []
        for key in self.inputs:
            if key not in case.input:
                out.append((f"input.{key}", f"missing; the scorer reads input.{key}"))
        if "expected" not in case.model_fields_set:
            return [*out, ("expected", f"missing; the scorer needs {self.expected}")]
        value = case.expected
        kind = json_type(value)
        if self.types and kind not in self.types:
            shown = json.dumps(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            return [*out, ("expected", f"{_a(kind)} ({shown}); the scorer needs "
                                       f"{self.expected}")]
        if kind == "object":
            missing = [k for k in self.keys if k not in value]
            if missing:
                out.append(("expected", f"no key {', '.join(map(repr, missing))}; the scorer "
                                        f"needs {self.expected}"))
            if self.optional is not None:
                extra = sorted(set(value) - set(self.keys) - set(self.optional))
                if extra:
                    allowed = ", ".join([*self.keys, *self.optional])
                    out.append(("expected", f"unknown key {', '.join(map(repr, extra))}; "
                                            f"allowed: {allowed}"))
        if kind == "array" and self.items is not None:
            for i, item in enumerate(value):
                if json_type(item) != self.items:
                    out.append((f"expected.{i}", f"{_a(json_type(item))}; the scorer needs "
                                                 f"{self.expected}"))
                    break
        if not out and self.check is not None:
            try:
                problem = self.check(case)
            except (ValueError, TypeError, KeyError) as exc:
                problem = str(exc)
            if problem:
                out.append(("expected", problem))
        return out


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


class Scorer(Protocol):
    metrics: tuple[Metric, ...]
    outcomes: tuple[Outcome, ...]  # primary first
    passed_outcome: Outcome  # the outcome the stored `passed` column holds
    needs: Needs | None  # what it needs of every case (None: nothing checked at load)

    def __call__(self, case: Case, output: str, ctx: ScoringContext) -> Score: ...


def undeclared(scorer: Scorer, score: Score) -> list[str]:
    """Metric names in *score* that none of *scorer*'s declared metrics covers."""
    return [m for m in score.metrics if not any(d.covers(m) for d in scorer.metrics)]


scorers: Registry[Scorer] = Registry("scorer")


def passed_disagrees(scorer: Scorer, score: Score) -> bool:
    """True when *score*'s `passed` is not the verdict of the outcome the scorer says
    `passed` holds (a metric outcome missing from the score disagrees too)."""
    field = scorer.passed_outcome.field
    if field == PASSED:
        return False
    value = score.metrics.get(field)
    return value is None or bool(value) != bool(score.passed)


_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def declare_outcomes(name: str, metrics: list[Metric], outcomes: list[Outcome] | None,
                     passed: str | None) -> tuple[tuple[Outcome, ...], Outcome]:
    """The scorer's outcomes (primary first) and the one `passed` holds, checked. Without
    `outcomes`: its `correct` metric, labelled "correct", when it declares one, else the
    `passed` column, labelled "passed"."""
    if outcomes is None:
        has_correct = any(m.name == "correct" and not m.family for m in metrics)
        outcomes = [Outcome("correct", "correct") if has_correct else Outcome(PASSED, "passed")]
    if not outcomes:
        raise ValueError(f"scorer {name!r}: at least one outcome is needed")
    plain = {m.name for m in metrics if not m.family}
    fields = [o.field for o in outcomes]
    for o in outcomes:
        if not _FIELD.fullmatch(o.field):
            raise ValueError(f"scorer {name!r}: outcome field {o.field!r} is not a plain name")
        if o.field != PASSED and o.field not in plain:
            raise ValueError(f"scorer {name!r}: outcome {o.field!r} is not a declared metric "
                             f"(nor {PASSED!r}, the results' column)")
        if not o.label.strip():
            raise ValueError(f"scorer {name!r}: outcome {o.field!r} needs a label")
    if len(set(fields)) != len(fields) or len({o.label for o in outcomes}) != len(outcomes):
        raise ValueError(f"scorer {name!r}: outcomes must have distinct fields and labels")
    passed = passed or outcomes[0].field
    held = [o for o in outcomes if o.field == passed]
    if not held:
        raise ValueError(f"scorer {name!r}: passed={passed!r} is not one of its outcomes "
                         f"({', '.join(fields)})")
    return tuple(outcomes), held[0]


def scorer(name: str, metrics: list[Metric], outcomes: list[Outcome] | None = None,
           passed: str | None = None,
           needs: Needs | None = None) -> Callable[[Callable[..., Score]], Scorer]:
    """Register a scoring function under *name*, declaring the metrics it emits and its
    outcomes (primary first; see the module docstring). *passed* is the field of the
    outcome its `Score.passed` is (default: the primary's). *needs* is what it needs of
    every case (`expected` and its type), checked at load; None checks nothing."""
    declared, held = declare_outcomes(name, metrics, outcomes, passed)

    def deco(fn: Callable[..., Score]) -> Scorer:
        fn.needs = needs  # type: ignore[attr-defined]
        fn.metrics = tuple(metrics)  # type: ignore[attr-defined]
        fn.outcomes = declared  # type: ignore[attr-defined]
        fn.passed_outcome = held  # type: ignore[attr-defined]
        scorers.register(name)(fn)  # type: ignore[arg-type]
        return fn  # type: ignore[return-value]

    return deco
