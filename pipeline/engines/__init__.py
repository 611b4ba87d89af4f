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


@engines.register("vllm")
def _vllm(model: ModelSpec) -> Engine:
    from pipeline.engines.vllm import VLLMEngine

    return VLLMEngine(model)


@engines.register("openai")
def _openai(model: ModelSpec) -> Engine:
    from pipeline.engines.openai_compat import OpenAICompatEngine

    return OpenAICompatEngine(model)


@engines.register("mock")
def _mock(model: ModelSpec) -> Engine:
    """Scripted answers, no model (tests, dry runs): pipeline/engines/mock.py."""
    from pipeline.engines.mock import load_mock

    return load_mock(model)


def default_engine() -> str:
    """The engine `--engine auto` picks: vLLM on a box with an NVIDIA GPU and vLLM
    installed, llama.cpp otherwise. Decided without importing either (imports are slow)."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("vllm") is not None and shutil.which("nvidia-smi"):
        return "vllm"
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
