"""The one strict JSONL loader: case files, corpora and training sets.

One JSON object a line, so a broken line is reported by its own number while the others stay
readable; blank lines are skipped; lines are split on \\n only (str.splitlines() also breaks
at U+2028 & co, which are valid inside JSON strings). Each line is parsed strictly (no
duplicate keys, bounded depth: see `_yaml.parse_json`), validated into a pydantic model, and
its id checked for uniqueness; every error names file:line and the key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pipeline.config._yaml import format_validation_error, parse_json, read_text
from pipeline.errors import ConfigError, located

M = TypeVar("M", bound=BaseModel)


def load_jsonl(path: Path | str, model: type[M], *, what: str, noun: str, empty: str,
               check: Callable[[M], str | None] | None = None) -> list[tuple[int, M]]:
    """Every line of *path* validated as *model*, with its 1-based line number.

    *what* names the file in read errors ("case file (JSONL)"); *noun* names one line's
    object in duplicate and empty-file errors ("case": `duplicate case id 'x' (first on line
    3)`, `no cases (an empty case file)` with *empty* in the brackets). *check* returns a
    problem with one object, reported as `file:line: problem` before the duplicate check.
    """
    path = Path(path)
    out: list[tuple[int, M]] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(read_text(path, what).split("\n"), start=1):
        if not line.strip():
            continue
        raw = parse_json(line, str(path), lineno)
        try:
            obj = model.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, path, line=lineno,
                                                      model=model)) from None
        problem = check(obj) if check is not None else None
        if problem:
            raise ConfigError(located(path, lineno, None, problem))
        key = obj.id  # type: ignore[attr-defined]
        if key in seen:
            raise ConfigError(located(path, lineno, None, f"duplicate {noun} id {key!r} "
                                      f"(first on line {seen[key]})"))
        seen[key] = lineno
        out.append((lineno, obj))
    if not out:
        raise ConfigError(located(path, None, None, f"no {noun}s ({empty})"))
    return out


__all__ = ["load_jsonl"]
