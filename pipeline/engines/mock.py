"""The mock engine: scripted answers instead of a model, registered as `mock` like the real
engines, so the runner, the guards and the server can be exercised end to end in a second.

Why one engine and not a fake per test: every test that stood in for a model wrote its own
class (eight of them), each recording calls and building generations its own way; a fix to
the engine seam then had to reach all eight. Here the answers are data: a list of replies,
the first whose patterns match a request answers it (`text`, or `error` for a failed sample,
built by `Generation.failed`); a request no reply matches gets `answer(request, sample index,
call index)` when a test that needs logic passes one, else `default`. Every call is recorded
(`calls`: requests and sampling params, in order), so tests assert what the model was asked.

As a registered engine (`--engine mock`) it reads its script from the YAML file named by
`LLMX_MOCK_SCRIPT` (`default:` and `replies:`, each reply `text` or `error` with optional
`request_id` / `prompt` regexes), or answers every request with `default` text (`mock`).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pydantic import field_validator

from pipeline.config._yaml import load_yaml, validate
from pipeline.config.base import StrictModel
from pipeline.engines.base import EngineInfo, Generation, GenerationRequest, SamplingParams
from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.config.models import ModelSpec

SCRIPT_ENV = "LLMX_MOCK_SCRIPT"

# (request, sample index, call index) -> the sample's text, or a whole Generation
Answer = Callable[[GenerationRequest, int, int], "str | Generation"]


class Reply(StrictModel):
    """One scripted answer. It answers a request when every pattern it has matches
    (`re.search`): `request_id` on the request's id, `prompt` on its prompt text; a reply
    with neither answers every request. `error` set: the sample fails with that error."""

    text: str = ""
    error: str | None = None
    request_id: str | None = None
    prompt: str | None = None

    @field_validator("request_id", "prompt")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    def matches(self, req: GenerationRequest) -> bool:
        return ((self.request_id is None or re.search(self.request_id, req.request_id) is not None)
                and (self.prompt is None or re.search(self.prompt, req.prompt_text) is not None))


class Script(StrictModel):
    """A mock engine's script file (LLMX_MOCK_SCRIPT)."""

    default: str = "mock"
    replies: list[Reply] = []


class MockCall(NamedTuple):
    requests: list[GenerationRequest]
    params: SamplingParams


class MockEngine:
    """An Engine whose answers are scripted (see the module doc). Options beyond the script:
    `raises` (every call raises it: an engine that dies), `delay` (seconds per call, for
    tests of concurrency), `batch_size` (its preferred batch size), `model` (the ModelSpec it
    stands for, kept as `.model` like every engine; its id names it), and the token counts
    and latency every sample reports."""

    def __init__(self, replies: Sequence[Reply] = (), *, default: str = "mock",
                 answer: Answer | None = None, name: str | None = None,
                 model: ModelSpec | None = None, batch_size: int = 8,
                 raises: BaseException | None = None, delay: float = 0.0,
                 prompt_tokens: int = 10, completion_tokens: int = 3,
                 latency_s: float = 0.01, finish_reason: str = "stop") -> None:
        self.replies, self.default, self.answer = list(replies), default, answer
        self.model = model
        self.name = name or (model.id if model is not None else "mock")
        self.preferred_batch_size = batch_size
        self.raises, self.delay = raises, delay
        self.prompt_tokens, self.completion_tokens = prompt_tokens, completion_tokens
        self.latency_s, self.finish_reason = latency_s, finish_reason
        self.calls: list[MockCall] = []
        self.closed = 0
        self.active = self.max_active = 0
        self._lock = threading.Lock()

    @classmethod
    def from_script(cls, path: Path, model: ModelSpec | None = None) -> MockEngine:
        """The engine a script file describes; a bad file is a ConfigError naming the line."""
        data, lines = load_yaml(path, "mock engine script")
        script: Script = validate(Script, data, str(path), lines)
        return cls(script.replies, default=script.default, model=model)

    # -------------------------------------------------------------------- what was asked

    @property
    def requests(self) -> list[GenerationRequest]:
        """Every request of every call, in order."""
        return [r for call in self.calls for r in call.requests]

    @property
    def batches(self) -> list[list[str]]:
        """The request ids of each call."""
        return [[r.request_id for r in call.requests] for call in self.calls]

    # ------------------------------------------------------------------------- the seam

    def info(self) -> EngineInfo:
        return EngineInfo(engine="mock", engine_version="1", model_path=self.name,
                          hardware="test")

    def generate(self, requests: Sequence[GenerationRequest],
                 params: SamplingParams) -> list[list[Generation]]:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.calls.append(MockCall(list(requests), params))
            call = len(self.calls) - 1
        try:
            if self.delay:
                time.sleep(self.delay)
            if self.raises is not None:
                raise self.raises
            return [[self._sample(r, i, call) for i in range(params.n)] for r in requests]
        finally:
            with self._lock:
                self.active -= 1

    def close(self) -> None:
        self.closed += 1

    def _sample(self, req: GenerationRequest, i: int, call: int) -> Generation:
        reply = next((r for r in self.replies if r.matches(req)), None)
        if reply is not None and reply.error is not None:
            return Generation.failed(req.request_id, i, reply.error, self.latency_s)
        if reply is not None:
            return self._generation(req, i, reply.text)
        if self.answer is None:
            return self._generation(req, i, self.default)
        out = self.answer(req, i, call)
        return out if isinstance(out, Generation) else self._generation(req, i, out)

    def _generation(self, req: GenerationRequest, i: int, text: str) -> Generation:
        return Generation(req.request_id, i, text, self.prompt_tokens, self.completion_tokens,
                          self.latency_s, self.finish_reason)


def load_mock(model: ModelSpec | None = None) -> MockEngine:
    """The registered `mock` engine: scripted by the file LLMX_MOCK_SCRIPT names, if any."""
    path = os.environ.get(SCRIPT_ENV)
    if not path:
        return MockEngine(model=model)
    if not Path(path).is_file():
        raise ConfigError(f"{SCRIPT_ENV}={path}: no such file (a mock engine script: "
                          "default: TEXT, replies: [{text|error, request_id, prompt}])")
    return MockEngine.from_script(Path(path), model=model)


__all__ = ["SCRIPT_ENV", "MockCall", "MockEngine", "Reply", "Script", "load_mock"]
