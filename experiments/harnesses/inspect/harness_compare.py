"""The post's classification set as an Inspect task (issue 23: the same cases through each harness).

Command that produced the committed log (from the repo root, inspect-ai 0.3.285):

    QWEN_BASE_URL=http://127.0.0.1:8102/v1 QWEN_API_KEY=local \
    .venv/bin/inspect eval experiments/harnesses/inspect/harness_compare.py \
        --model openai-api/qwen/qwen2.5-coder-1.5b \
        --log-dir experiments/harnesses/logs/inspect --log-format eval --display plain

Each sample sends exactly the case's `system` as the system message and its `user` as the user
message; the model call is temperature 0, max_tokens 24, seed 0 (set in the task's config so
every run of the file uses them, whatever the command line forgets).

Scorers, Inspect's own for "the reply should be the label":
- `match()` (primary, listed first so it is the one Inspect's `accuracy` headline follows):
  Inspect's documented scorer for a short final answer. It strips whitespace and punctuation,
  ignores case, and passes when the reply *ends with* the target, so "Label: billing." passes
  but "billing, because ..." fails. That tolerance of a preamble but not of an explanation is
  Inspect's choice, not ours; the post compares it with the others.
- `includes()` (secondary): passes when the target appears anywhere in the reply, the lenient
  reading (it also passes a reply that lists two labels). Kept as a second score so the post
  can show how much the verdict moves with the scorer alone, and so the importer meets a log
  with more than one scorer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample, json_dataset
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig
from inspect_ai.scorer import includes, match
from inspect_ai.solver import generate

SAMPLES = Path(__file__).resolve().parent.parent / "classification" / "samples.jsonl"


def record_to_sample(record: dict[str, Any]) -> Sample:
    """One line of samples.jsonl as an Inspect sample: the id is the case id, unchanged."""
    return Sample(
        id=record["id"],
        input=[
            ChatMessageSystem(content=record["system"]),
            ChatMessageUser(content=record["user"]),
        ],
        target=record["target"],
        metadata={"labels": record["labels"], "tags": record["tags"]},
    )


@task
def harness_compare() -> Task:
    """The 64 routing cases, generated once each and scored by match() then includes()."""
    return Task(
        dataset=json_dataset(str(SAMPLES), record_to_sample, name="harness_compare"),
        solver=generate(),
        scorer=[match(), includes()],
        config=GenerateConfig(temperature=0, max_tokens=24, seed=0),
    )
