"""Passages: the one type for a retrievable piece of text, and the one reader of a corpus.

Retrieval ranks them, the guards quote them, and the compliance suite cross-checks its cases
against them, so there is one `Passage` and an experiment's corpus is read once, here.

A corpus is JSONL, one passage a line: `id` (unique) and `text` (non-empty), optionally `doc`
(the source document; default: the id), `title` and `poisoned` (true for a passage carrying
injected instructions). Other keys are the experiment's business and are ignored. Errors
name file:line and key, like every other author file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ConfigDict, Field, StrictBool, field_validator

from pipeline.config.base import StrictModel
from pipeline.config.jsonl import load_jsonl


@dataclass(frozen=True)
class Passage:
    """One retrievable unit: ``id`` is unique in a corpus, ``doc`` names the source document
    it was cut from (several passages may share it); ``title`` and ``text`` are both
    searched; ``poisoned`` marks a passage carrying injected instructions (a test of guards)."""

    id: str
    doc: str
    title: str
    text: str
    poisoned: bool = False


class _PassageLine(StrictModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    doc: str | None = None
    title: str = ""
    poisoned: StrictBool = False

    @field_validator("id", "text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("expected a non-empty string")
        return v


def load_passages_with_lines(path: Path | str) -> tuple[list[Passage], dict[str, int]]:
    """The passages of a JSONL corpus in file order, and each passage id's line."""
    rows = load_jsonl(path, _PassageLine, what="corpus file (JSONL)", noun="passage",
                      empty="an empty corpus file")
    passages = [Passage(p.id, p.doc if p.doc is not None else p.id, p.title, p.text,
                        p.poisoned) for _, p in rows]
    return passages, {p.id: line for line, p in rows}


def load_passages(path: Path | str) -> list[Passage]:
    """The passages of a JSONL corpus, in file order."""
    return load_passages_with_lines(path)[0]


__all__ = ["Passage", "load_passages", "load_passages_with_lines"]
