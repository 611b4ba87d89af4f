"""Reading a corpus of passages for an experiment's `retrieval:` block.

One JSON object a line: `id` (unique), `text`, and optionally `doc` (the source document;
default: the id) and `title`; other keys (e.g. `poisoned`) are the experiment's business and
are ignored here. Errors name file:line and key, like every other author file.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config._yaml import parse_json, read_text
from pipeline.errors import ConfigError
from pipeline.retrieval import Passage


def load_passages(path: Path | str) -> list[Passage]:
    """The passages of a JSONL corpus, in file order."""
    path = Path(path)
    out: list[Passage] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(read_text(path, "corpus (JSONL)").split("\n"), start=1):
        if not line.strip():
            continue
        raw = parse_json(line, str(path), lineno)
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}:{lineno}: expected a JSON object (a passage)")
        for key in ("id", "text"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise ConfigError(f"{path}:{lineno}: key {key}: expected a non-empty string")
        for key in ("doc", "title"):
            if key in raw and not isinstance(raw[key], str):
                raise ConfigError(f"{path}:{lineno}: key {key}: expected a string")
        if raw["id"] in seen:
            raise ConfigError(f"{path}:{lineno}: duplicate passage id {raw['id']!r} "
                              f"(first on line {seen[raw['id']]})")
        seen[raw["id"]] = lineno
        out.append(Passage(id=raw["id"], doc=raw.get("doc", raw["id"]),
                           title=raw.get("title", ""), text=raw["text"]))
    if not out:
        raise ConfigError(f"{path}: no passages (an empty corpus)")
    return out
