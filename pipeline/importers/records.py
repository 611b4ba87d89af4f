"""What every importer produces: one harness log as plain typed records, tool-neutral.

Why a record layer: each harness (Inspect, lm-evaluation-harness, promptfoo) has its own log
format and reader, but results.duckdb has one shape. A reader's only job is to turn a file
into `ImportedLog`s; `pipeline.store.imports` alone writes them, with one rule for identity,
idempotency and replacement. A reader never touches the database.

What a reader guarantees (and `ImportedLog.check` verifies, so a bad reader fails loudly):
- every sample's `case_id` names a case of the log; (case_id, sample_idx) is unique;
- every string came from the file and is hostile: the site escapes it, nothing here does;
- `headline` holds the log's own aggregate metrics exactly as the tool wrote them, so a test
  can recompute each from the imported rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class ImportedCase(_Record):
    """One case (an Inspect sample, an lm-eval doc, a promptfoo test) as the log states it."""

    case_id: str
    input: Any  # JSON: the prompt or the variables the tool rendered it from
    expected: Any = None  # JSON: the target, if the log has one
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


class ImportedSample(_Record):
    """One generation of one case: an epoch (Inspect), a repeat (lm-eval `repeats`), ..."""

    case_id: str
    sample_idx: int = 0
    prompt: str  # what the model was sent, as text (messages joined) for search and display
    raw_output: str
    parsed_output: Any = None  # JSON: the tool's extracted answer (a filter's output, ...)
    transcript: list[dict[str, Any]] | None = None  # every message, when the log has them
    passed: bool  # the tool's own verdict under its primary score
    scores: dict[str, float] = Field(default_factory=dict)  # every numeric score the log holds
    failure_mode: str | None = None  # None when passed; 'error' when the tool reports one
    error: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    finish_reason: str | None = None
    created_at: datetime | None = None


class ImportedLog(_Record):
    """One run of one task on one model, as one harness logged it."""

    tool: str  # importer name: 'inspect' | 'lm-eval' | 'promptfoo'
    tool_version: str  # the version of the tool that wrote the file
    format_version: str  # the log format's own version ('2', '3', ...)
    source_file: str  # as given on the command line
    source_sha256: str  # of the file's bytes
    source_key: str  # what identifies this run within the file (task name, eval id, ...)
    task: str  # the tool's task / eval name
    task_params: dict[str, Any] = Field(default_factory=dict)  # task args, few-shot, filters...
    model: str  # the model name as the log writes it
    created_at: datetime  # the log's own creation time (not the import's)
    status: str = "complete"  # 'complete' | 'partial' (an errored or cancelled log)
    status_note: str | None = None  # why partial, in the tool's words
    primary_metric: str  # the score `passed` follows
    sampling: dict[str, Any] = Field(default_factory=dict)  # temperature, top_p, max_tokens, seed
    headline: dict[str, float] = Field(default_factory=dict)  # the log's own aggregate metrics
    cases: list[ImportedCase]
    samples: list[ImportedSample]

    @model_validator(mode="after")
    def _consistent(self) -> ImportedLog:
        ids = [c.case_id for c in self.cases]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise ValueError(f"duplicate case id {dup!r}")
        known = set(ids)
        seen: set[tuple[str, int]] = set()
        for s in self.samples:
            if s.case_id not in known:
                raise ValueError(f"sample of unknown case {s.case_id!r}")
            key = (s.case_id, s.sample_idx)
            if key in seen:
                raise ValueError(f"duplicate sample {s.case_id!r} #{s.sample_idx}")
            seen.add(key)
        return self
