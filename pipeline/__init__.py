"""LLM experiments blog: run experiments into DuckDB, publish posts that query them.

Data flows one way: experiment definition → engine → scorer → store → site.
"""

from pipeline.config import Experiment, ModelRegistry, load_experiment, load_model_registry
from pipeline.errors import ConfigError, PipelineError, StoreError
from pipeline.runner import run_experiment

__all__ = [
    "ConfigError",
    "Experiment",
    "ModelRegistry",
    "PipelineError",
    "StoreError",
    "load_experiment",
    "load_model_registry",
    "run_experiment",
]
