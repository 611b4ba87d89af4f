"""The engine seam: one small protocol that a batched engine fits.

The shapes follow `vllm.LLM.generate/chat` so that vLLM (a later engine) fits without change:
a batch of requests, each either chat messages or raw text, each with its own optional
JSON-schema constraint; sampling params shared by the batch; `n` samples per request with
per-sample seeds. Engines never raise for one bad request: they return a Generation with
`error` set, so one hostile case cannot lose a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class ToolCall(TypedDict):
    """One function call the model made: `arguments` is the parsed JSON object, or the raw
    string when the model wrote arguments that are not a JSON object."""

    name: str
    arguments: dict[str, Any] | str


@dataclass(frozen=True)
class SamplingParams:
    """Shared by a batch. Sample i of a request uses seed `seed + i` (reproducible per sample)."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 256
    seed: int = 0
    n: int = 1


@dataclass(frozen=True)
class GenerationRequest:
    """Exactly one of `messages` (chat) or `prompt` (raw completion) is set.

    At most one constraint: `json_schema` (output must validate) or `choices` (output is
    exactly one of these strings, e.g. classification labels).
    `tools` (OpenAI format) are offered through the engine's own tool interface: the chat
    template's `tools` where it has one, else written into the prompt
    (`tool_calls.inline_tools`); either way the calls come back parsed in
    `Generation.tool_calls`.
    """

    request_id: str
    messages: list[Message] | None = None
    prompt: str | None = None
    json_schema: dict[str, Any] | None = None
    choices: tuple[str, ...] | None = None
    tools: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("GenerationRequest needs exactly one of messages= or prompt=")
        if self.json_schema is not None and self.choices is not None:
            raise ValueError("GenerationRequest takes json_schema= or choices=, not both")

    @property
    def prompt_text(self) -> str:
        """The request as stored: raw prompt, or messages as `role: content` lines."""
        if self.prompt is not None:
            return self.prompt
        return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in self.messages or [])


@dataclass(frozen=True)
class Generation:
    request_id: str
    sample_idx: int
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_s: float
    finish_reason: str | None
    error: str | None = None
    tool_calls: list[ToolCall] | None = None  # set when the request offered tools

    @classmethod
    def failed(cls, request_id: str, sample_idx: int, error: str,
               latency_s: float = 0.0) -> Generation:
        """A sample that failed: no text, no token counts, finish_reason "error" and *error*
        saying why. Every engine builds its failures here, so the runner, the store and the
        pages see one shape whatever engine failed (see the module doc: never raise)."""
        return cls(request_id, sample_idx, "", None, None, latency_s, "error", error=error)


@dataclass(frozen=True)
class EngineInfo:
    """Provenance of the engine and weights, stored on every run: enough to reproduce it.

    `model_path` names what was loaded (a .gguf file name, an HF repo id or local dir, or
    the served model name behind an endpoint). `model_sha256` is the weights file's hash and
    `model_revision` the HF commit sha of the local snapshot, whichever applies.
    `chat_template_hash` and `tokenizer_hash` are sha256 prefixes of the template text and
    tokenizer files actually used. `hardware` is one line ("1x NVIDIA H100 80GB HBM3",
    "2x CPU (...)"); `accelerator_count` counts GPUs (0 on CPU).
    """

    engine: str
    engine_version: str
    model_sha256: str | None = None
    model_revision: str | None = None
    model_path: str | None = None
    tokenizer_hash: str | None = None
    chat_template_hash: str | None = None
    adapter_name: str | None = None
    adapter_sha256: str | None = None
    dtype: str | None = None
    quantization: str | None = None
    max_model_len: int | None = None
    tensor_parallel_size: int = 1
    pipeline_parallel_size: int = 1
    hardware: str = ""
    accelerator_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Engine(Protocol):
    """A loaded model that generates batches. One engine instance serves one model.

    `preferred_batch_size` is how many requests the runner should hand over per call: small
    for sequential engines (each batch is committed as it completes), large for engines that
    schedule many sequences at once (vLLM), so batching never costs throughput.
    """

    preferred_batch_size: int

    def info(self) -> EngineInfo: ...

    def generate(
        self, requests: Sequence[GenerationRequest], params: SamplingParams
    ) -> list[list[Generation]]:
        """Return, for each request in order, its `params.n` samples in sample order."""
        ...

    def close(self) -> None: ...
