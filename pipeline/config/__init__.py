"""Validated, typed configuration: the model registry and experiment definitions.

Everything an author writes (YAML, JSONL) is validated here, once, at the edge. Code after
this point trusts the typed objects.
"""

from pipeline.config.experiment import Case, Experiment, Variant, load_cases, load_experiment
from pipeline.config.models import ModelRegistry, ModelSpec, load_model_registry

__all__ = [
    "Case",
    "Experiment",
    "ModelRegistry",
    "ModelSpec",
    "Variant",
    "load_cases",
    "load_experiment",
    "load_model_registry",
]
