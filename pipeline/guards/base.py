"""The guard seam: what sits between a RAG assistant's draft answer and the user.

A guard sees the user's query, the passages retrieved for it and the model's draft answer,
and decides allow or block, naming the compliance rules it thinks are broken and the tier
that decided. Guards are registered by name; an experiment variant names one (`guard:`).
Batch-shaped like the engines: a guard with an LLM tier hands the engine one batch.

Every guard is measured on the same cases and the same drafts, so their verdicts pair
case by case (McNemar in the posts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.registry import Registry

if TYPE_CHECKING:
    from pipeline.config.compliance import Rule
    from pipeline.engines.base import Engine, SamplingParams


@dataclass(frozen=True)
class GuardInput:
    """One case as a guard sees it. `passages` are the retrieved texts (hostile: a poisoned
    passage carries injected instructions); `draft` is None for input-only guards."""

    case_id: str
    query: str
    passages: tuple[str, ...] = ()
    draft: str | None = None


@dataclass(frozen=True)
class GuardVerdict:
    """allow/block, the rule ids the guard names, the tier that decided (None: no tier
    fired), and the guard's own time for this case (LLM tiers included)."""

    block: bool
    rules: tuple[str, ...] = ()
    tier: str | None = None
    latency_s: float = 0.0
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GuardContext:
    """What a guard may use: the rules, and the run's engine for LLM tiers (the model under
    test judges by default; a guard that needs another model says so in its extra)."""

    rules: Sequence[Rule]
    engine: Engine | None = None
    model_kind: str = "chat"
    params: SamplingParams | None = None


class Guard(Protocol):
    """A loaded guard. `check` returns one verdict per input, in order, and never raises
    for one bad input (it blocks or allows with `detail` saying why)."""

    def check(self, items: Sequence[GuardInput]) -> list[GuardVerdict]: ...


GuardFactory = Callable[[GuardContext], Guard]
guards: Registry[GuardFactory] = Registry("guard")
