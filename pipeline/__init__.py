"""LLM experiments blog: run experiments into DuckDB, publish posts that query them.

Data flows one way: experiment definition → engine → scorer → store → site.
The public names below load on first use, so `mkdocs build` (which only needs the site
side) does not pay for importing the runner, engines and scorers.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ConfigError": "pipeline.errors",
    "PipelineError": "pipeline.errors",
    "StoreError": "pipeline.errors",
    "Experiment": "pipeline.config",
    "ModelRegistry": "pipeline.config",
    "load_experiment": "pipeline.loading",
    "load_model_registry": "pipeline.config",
    "RunOptions": "pipeline.run_options",
    "run_experiment": "pipeline.runner",
    "render_markdown": "pipeline.site",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
