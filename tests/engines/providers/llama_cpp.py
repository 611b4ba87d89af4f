"""llama.cpp provider: the packaged GGUF models (SmolLM2 chat, Gemma 3 base)."""

from helpers import ROOT, require_models
from pipeline.config import load_model_registry
from pipeline.engines import Engine, load_engine


def _registry():
    return load_model_registry(ROOT / "experiments" / "models.yaml")


def chat_engine() -> Engine:
    require_models()
    return load_engine("llama_cpp", _registry().get("smollm2-135m"))


def base_engine() -> Engine:
    require_models()
    return load_engine("llama_cpp", _registry().get("gemma3-270m"))
