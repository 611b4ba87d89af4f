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
    """Exactly one of `messages` (chat) or `prompt` (raw completion) is set."""

    request_id: str
    messages: list[Message] | None = None
    prompt: str | None = None
    json_schema: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("GenerationRequest needs exactly one of messages= or prompt=")

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


@dataclass(frozen=True)
class EngineInfo:
    """Provenance of the engine and weights; stored on every run."""

    engine: str
    engine_version: str
    model_sha256: str | None = None
    model_revision: str | None = None
    model_path: str | None = None
    hardware: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Engine(Protocol):
    """A loaded model that generates batches. One engine instance serves one model."""

    def info(self) -> EngineInfo: ...

    def generate(
        self, requests: Sequence[GenerationRequest], params: SamplingParams
    ) -> list[list[Generation]]:
        """Return, for each request in order, its `params.n` samples in sample order."""
        ...

    def close(self) -> None: ...
