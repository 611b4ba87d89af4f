"""Validated, typed configuration: the model registry and experiment definitions.

Everything an author writes (YAML, JSONL) is read and validated here, once, at the edge;
code after this point trusts the typed objects. This package imports nothing of the
pipeline above `errors` and the leaf modules (`hashing`): the registered names an
experiment uses are resolved one layer up, by `pipeline.loading.load_experiment`.

The public names are loaded lazily (PEP 562): `from pipeline.config.base import
StrictModel` (the site's option and front-matter models) must not pay for importing every
experiment model, about 0.2 s on each prose-only site rebuild.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.config.cases import Case, load_cases
    from pipeline.config.experiment import Experiment, Variant, parse_experiment
    from pipeline.config.models import ModelRegistry, ModelSpec, load_model_registry
    from pipeline.config.passages import Passage, load_passages

#: public name -> the submodule that defines it
_WHERE = {
    "Case": "cases", "load_cases": "cases",
    "Experiment": "experiment", "Variant": "experiment", "parse_experiment": "experiment",
    "ModelRegistry": "models", "ModelSpec": "models", "load_model_registry": "models",
    "Passage": "passages", "load_passages": "passages",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value  # once: later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
