"""Guards for RAG compliance, registered by name (see base.py for the seam)."""

from pipeline.guards.base import Guard, GuardContext, GuardInput, GuardVerdict, guards

__all__ = ["Guard", "GuardContext", "GuardInput", "GuardVerdict", "guards"]

# The built-in guards register themselves on import (none loads a model or NeMo on import).
from pipeline.guards import baseline as _baseline  # noqa: E402,F401  (baseline)
from pipeline.guards import enforcement as _enforcement  # noqa: E402,F401  (enforcement_v1/v2)
from pipeline.guards import llama_guard as _llama_guard  # noqa: E402,F401  (llama_guard*)
from pipeline.guards import nemo as _nemo  # noqa: E402,F401  (nemo_guardrails)
