"""Engines, registered by name. Factories import their heavy dependency lazily."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.config.models import ModelSpec
from pipeline.engines.base import (
    Engine,
    EngineInfo,
    Generation,
    GenerationRequest,
    Message,
    SamplingParams,
)
from pipeline.registry import Registry

EngineFactory = Callable[[ModelSpec], Engine]
engines: Registry[EngineFactory] = Registry("engine")


@engines.register("llama_cpp")
def _llama_cpp(model: ModelSpec) -> Engine:
    from pipeline.engines.llama_cpp import LlamaCppEngine

    return LlamaCppEngine(model)


def default_engine() -> str:
    """The engine `--engine auto` picks. Only llama.cpp is implemented so far (CPU)."""
    return "llama_cpp"


def load_engine(name: str, model: ModelSpec) -> Engine:
    if name == "auto":
        name = default_engine()
    return engines.get(name)(model)


__all__ = [
    "Engine",
    "EngineInfo",
    "Generation",
    "GenerationRequest",
    "Message",
    "SamplingParams",
    "default_engine",
    "engines",
    "load_engine",
]
