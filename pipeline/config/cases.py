"""Case files: one test case a JSON line, with the id and line of each (for later errors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field

from pipeline.config.base import StrictModel
from pipeline.config.jsonl import load_jsonl
from pipeline.hashing import short_hash


class Case(StrictModel):
    id: str = Field(min_length=1)
    input: dict[str, Any]
    expected: Any = None
    tags: list[str] = []

    def content_hash(self, schema: dict[str, Any] | None = None) -> str:
        """Identity of what the model is asked and judged against, schema included."""
        blob = json.dumps([self.model_dump(), schema], sort_keys=True)
        return short_hash(blob)


def load_cases(path: Path) -> list[Case]:
    """Load a JSONL case file; errors name file:line and the bad key.

    One JSON object per line, so a broken line is reported by its own number while the
    others stay readable; blank lines are skipped.
    """
    return load_cases_with_lines(path)[0]


def load_cases_with_lines(path: Path) -> tuple[list[Case], dict[str, int]]:
    """:func:`load_cases`, plus each case's line number (for errors found later)."""
    rows = load_jsonl(path, Case, what="case file (JSONL)", noun="case",
                      empty="an empty case file")
    return [c for _, c in rows], {c.id: line for line, c in rows}


__all__ = ["Case", "load_cases", "load_cases_with_lines"]
