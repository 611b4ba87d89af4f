"""User-facing errors.

Anything a user can fix (a bad experiment file, an unknown model id, a newer database) raises
a :class:`PipelineError`. The CLI prints these as one clear message without a traceback;
everything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class PipelineError(Exception):
    """An error the user can fix; its message says where (file, key, line) and what was expected."""


class ConfigError(PipelineError):
    """An experiment file, case file or model registry failed validation."""


class StoreError(PipelineError):
    """The results database cannot be used as asked (newer schema, locked, corrupt)."""


class PrerequisiteError(PipelineError):
    """An optional dependency is missing; the message names the exact install command."""
