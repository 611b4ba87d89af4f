"""The scorer seam: `(case, output, context) -> Score`, registered by name.

A Score carries named metrics (all stored, one row each), the overall pass/fail, a failure
mode for the failing cases, and the parsed output when the scorer parsed one.
"""

from __future__ import annotations

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
    """A metric a scorer emits. `higher_is_better` lets charts and claims read it correctly.

    `family=True` declares a set of metrics whose names start with `name` and end in a part
    only the case knows (`field:` covers `field:total`, `field:due_date`, ...): scores are
    stored one row per metric, so a family is queried with `metric LIKE 'field:%'`.
    """

    name: str
    description: str
    higher_is_better: bool = True
    family: bool = False

    def covers(self, metric: str) -> bool:
        """True when *metric* is this metric, or a member of this family."""
        return metric.startswith(self.name) if self.family else metric == self.name


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


class Scorer(Protocol):
    metrics: tuple[Metric, ...]

    def __call__(self, case: Case, output: str, ctx: ScoringContext) -> Score: ...


def undeclared(scorer: Scorer, score: Score) -> list[str]:
    """Metric names in *score* that none of *scorer*'s declared metrics covers."""
    return [m for m in score.metrics if not any(d.covers(m) for d in scorer.metrics)]


scorers: Registry[Scorer] = Registry("scorer")


def scorer(name: str, metrics: list[Metric]) -> Callable[[Callable[..., Score]], Scorer]:
    """Register a scoring function under *name*, declaring the metrics it emits."""

    def deco(fn: Callable[..., Score]) -> Scorer:
        fn.metrics = tuple(metrics)  # type: ignore[attr-defined]
        scorers.register(name)(fn)  # type: ignore[arg-type]
        return fn  # type: ignore[return-value]

    return deco
