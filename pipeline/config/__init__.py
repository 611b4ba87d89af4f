"""Validated, typed configuration: the model registry, experiment definitions and the
options of a run.

Everything an author writes (YAML, JSONL) is validated here, once, at the edge. Code after
this point trusts the typed objects.
"""

from pipeline.config.experiment import Case, Experiment, Variant, load_cases, load_experiment
from pipeline.config.models import ModelRegistry, ModelSpec, load_model_registry
from pipeline.config.run_options import RunOptions

__all__ = [
    "Case",
    "Experiment",
    "ModelRegistry",
    "ModelSpec",
    "RunOptions",
    "Variant",
    "load_cases",
    "load_experiment",
    "load_model_registry",
]
