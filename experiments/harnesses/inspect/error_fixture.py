"""The harness_compare task with a scorer that raises on one case: makes a real Inspect log
whose status is "error" (a test fixture for the importer's partial-log path, not for the post).

Command that produced tests/fixtures/harness_logs/inspect/0.3.285-error.eval (repo root;
Inspect wrote it under /tmp/insp/err and it was copied under that name):

    SMOL_BASE_URL=http://127.0.0.1:8101/v1 SMOL_API_KEY=local \
    .venv/bin/inspect eval experiments/harnesses/inspect/error_fixture.py \
        --model openai-api/smol/smollm2-135m --limit 4 --max-samples 1 \
        --log-dir /tmp/insp/err --log-format eval --display plain

`--max-samples 1` runs the cases one at a time, so the cases before the failing one are
finished and logged when the error stops the run (Inspect's default fail_on_error).
"""

from __future__ import annotations

import sys
from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Score, Scorer, Target, accuracy, match, scorer, stderr
from inspect_ai.solver import TaskState, generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness_compare import harness_compare  # noqa: E402

FAILING_CASE = "billing-03"


@scorer(metrics=[accuracy(), stderr()])
def match_or_raise() -> Scorer:
    """Inspect's match(), except that it raises on FAILING_CASE (a scorer bug, on purpose)."""
    inner = match()

    async def score(state: TaskState, target: Target) -> Score:
        if state.sample_id == FAILING_CASE:
            raise RuntimeError(f"planted scorer failure on {FAILING_CASE}")
        result = await inner(state, target)
        assert result is not None
        return result

    return score


@task
def error_fixture() -> Task:
    """harness_compare's cases and config, scored by match_or_raise."""
    base = harness_compare()
    return Task(
        dataset=base.dataset,
        solver=generate(),
        scorer=match_or_raise(),
        config=GenerateConfig(temperature=0, max_tokens=24, seed=0),
    )
