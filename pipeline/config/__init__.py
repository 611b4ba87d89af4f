"""Validated, typed configuration: the model registry and experiment definitions.

Everything an author writes (YAML, JSONL) is read and validated here, once, at the edge;
code after this point trusts the typed objects. This package imports nothing of the
pipeline above `errors` and the leaf modules (`hashing`): the registered names an
experiment uses are resolved one layer up, by `pipeline.loading.load_experiment`.
"""

from pipeline.config.cases import Case, load_cases
from pipeline.config.experiment import Experiment, Variant, parse_experiment
from pipeline.config.models import ModelRegistry, ModelSpec, load_model_registry
from pipeline.config.passages import Passage, load_passages

__all__ = [
    "Case",
    "Experiment",
    "ModelRegistry",
    "ModelSpec",
    "Passage",
    "Variant",
    "load_cases",
    "load_model_registry",
    "load_passages",
    "parse_experiment",
]
