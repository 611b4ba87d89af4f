"""User-facing errors.

Anything a user can fix (a bad experiment file, an unknown model id, a newer database) raises
a :class:`PipelineError`. The CLI prints these as one clear message without a traceback;
everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
from pathlib import Path


class PipelineError(Exception):
    """An error the user can fix; its message says where (file, key, line) and what was expected."""


class ConfigError(PipelineError):
    """An experiment file, case file or model registry failed validation."""


class StoreError(PipelineError):
    """The results database cannot be used as asked (newer schema, locked, corrupt)."""


class PrerequisiteError(PipelineError):
    """An optional dependency is missing; the message names the exact install command."""


def display_path(path: str | os.PathLike[str]) -> str:
    """*path* as a user reads it in an error: relative to the current directory (the repo,
    when run from it) when it lies under it, else absolute, so a message can be pasted into an
    editor or `git` from where the command ran."""
    p = Path(path)
    try:
        absolute = p if p.is_absolute() else Path.cwd() / p
        absolute = Path(os.path.normpath(absolute))
        return str(absolute.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(Path(os.path.normpath(p.absolute())))


def located(path: str | os.PathLike[str] | None, line: int | None = None,
            key: str | None = None, message: str = "") -> str:
    """The one error format: `path:line: key: message` (line and key optional, as in
    `path: message`, `path:line: message`, `path: key: message`). One shape everywhere lets an
    editor jump to the spot and a test assert it; the path is repo-relative (see
    :func:`display_path`)."""
    head = display_path(path) if path is not None else ""
    if line is not None and head:
        head += f":{line}"
    parts = [p for p in (head, key) if p]
    return ": ".join([*parts, message]) if parts else message


class ScorerError(PipelineError):
    """A scorer raised on an output. The author's code (a plugin's scorer) meets model text
    nobody foresaw; the run stops with the case's file and line, the exception and where in
    the scorer it was raised, and what was kept, rather than a traceback."""


class ImportFileError(PipelineError):
    """A harness log (Inspect, lm-eval, promptfoo) cannot be imported as it is: not the format,
    an unsupported version, hostile (a zip bomb, a huge or invalid file) or inconsistent. The
    message names the file, and the sample or line where it can; nothing was written."""
