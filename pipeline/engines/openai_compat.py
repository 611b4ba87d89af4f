"""OpenAI-compatible engine: a model behind an HTTP endpoint (`vllm serve`, llama.cpp's
server, llama-cpp-python's server, or OpenAI itself).

Why it looks the way it does:

- The official `openai` client does the HTTP work. It already retries connection errors,
  timeouts, 408/409/429 and 5xx with exponential backoff and jitter (0.5 s doubling to 8 s,
  honouring `Retry-After`/`retry-after-ms` up to 120 s) and never retries other 4xx; we set
  its `max_retries` and `timeout` from the registry instead of writing our own retry loop.
- Every sample is its own request (n=1, seed = params.seed + i), so sample i is reproducible
  whatever the batch order, and servers that ignore `n` (llama.cpp) behave like the rest.
- Requests run concurrently on a private event loop in a background thread, bounded by an
  asyncio.Semaphore(max_concurrency); `generate()` stays synchronous like every engine and
  works even when the caller already runs an event loop.
- A request that still fails after the client's retries (or a 400 such as a context overflow,
  which is never retried) becomes a Generation with `error` set and finish_reason "error";
  one bad case never loses the batch.

Structured output (`OpenAISource.structured_output`) differs per server:

- `openai`: `response_format={"type": "json_schema", "json_schema": {"name", "schema",
  "strict": true}}`. OpenAI requires the schema's root to be an object, so a choice
  constraint is sent as `{"choice": {"enum": [...]}}` wrapped in an object and the engine
  returns the bare chosen string (falling back to the raw text if the server ignored it).
- `vllm`: `structured_outputs={"json": schema}` / `{"choice": [...]}` in the body (vLLM
  removed the older `guided_json`/`guided_choice` fields in v0.12).
- `llama_cpp`: chat requests use `response_format={"type": "json_object", "schema": ...}`;
  choices, and schemas on the raw-completion endpoint (which has no response_format), go as
  a GBNF `grammar`. Turning a JSON schema into GBNF needs llama-cpp-python on the client.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from pipeline.config.models import ModelSpec, OpenAISource
from pipeline.engines._tools import inline_tools, with_tool_calls
from pipeline.engines.base import (
    EngineInfo,
    Generation,
    GenerationRequest,
    SamplingParams,
    ToolCall,
)
from pipeline.errors import ConfigError, PrerequisiteError
from pipeline.hashing import text_fingerprint

BASE_URL_ENV = "LLMX_OPENAI_BASE_URL"
INSTALL_HINT = "pip install 'openai>=1.40'  (or the project's extra: pip install '.[openai]')"
# Sent when the registry names no key variable: local servers (vllm serve, llama.cpp) need
# none, and we never fall back to OPENAI_API_KEY, so a real key cannot leak to a local URL.
NO_KEY = "EMPTY"
_PROBE_TIMEOUT_S = 5.0

T = TypeVar("T")



def choice_schema(choices: Sequence[str]) -> dict[str, Any]:
    """A strict-mode-valid JSON schema whose only values are {"choice": <one of choices>}."""
    return {"type": "object", "properties": {"choice": {"type": "string", "enum": list(choices)}},
            "required": ["choice"], "additionalProperties": False}


def choice_grammar(choices: Sequence[str]) -> str:
    """A GBNF grammar whose only sentences are the given strings (llama.cpp servers)."""
    return "root ::= " + " | ".join(json.dumps(c) for c in choices)


def constraint_body(req: GenerationRequest, mode: str, chat: bool) -> dict[str, Any]:
    """The extra request-body fields that constrain this request on a `mode` server.

    Returned as a dict merged into the JSON body (the client's `extra_body`), so the bytes on
    the wire are exactly what each server documents, whatever the client's typed params say.
    """
    if req.json_schema is None and req.choices is None:
        return {}
    if mode == "openai":
        schema = req.json_schema
        if schema is None:
            schema = choice_schema(req.choices or ())
        return {"response_format": {"type": "json_schema", "json_schema": {
            "name": "output" if req.json_schema is not None else "choice",
            "schema": schema, "strict": True}}}
    if mode == "vllm":
        if req.json_schema is not None:
            return {"structured_outputs": {"json": req.json_schema}}
        return {"structured_outputs": {"choice": list(req.choices or ())}}
    if mode == "llama_cpp":
        if req.choices is not None:
            return {"grammar": choice_grammar(req.choices)}
        if chat:
            return {"response_format": {"type": "json_object", "schema": req.json_schema}}
        return {"grammar": _schema_gbnf(req.json_schema or {})}
    raise ConfigError(f"unknown structured_output mode {mode!r}")


def _schema_gbnf(schema: dict[str, Any]) -> str:
    """JSON schema -> GBNF with llama-cpp-python's own converter (the one its server uses
    for response_format), imported only for this case: raw completions with a schema."""
    try:
        from llama_cpp.llama_grammar import json_schema_to_gbnf
    except ImportError:
        raise PrerequisiteError(
            "a JSON schema on a base (raw-completion) model with structured_output "
            "'llama_cpp' is sent as a GBNF grammar, and converting it needs llama-cpp-python "
            "on the client (the cpu extra)") from None
    return json_schema_to_gbnf(json.dumps(schema))


def decode_choice(text: str, choices: Sequence[str]) -> str:
    """The bare choice from an `openai`-mode {"choice": ...} answer; raw text otherwise."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, dict) and value.get("choice") in choices:
        return value["choice"]
    return text


class OpenAICompatEngine:
    """One served model behind an OpenAI-compatible endpoint (see the module docstring)."""

    def __init__(self, model: ModelSpec, base_url: str | None = None) -> None:
        """`base_url` (used by tests that start their own server) beats the environment
        variable LLMX_OPENAI_BASE_URL, which beats the registry; info() records which won."""
        try:
            import openai
        except ImportError:
            raise PrerequisiteError(
                f"the openai engine needs the openai client: {INSTALL_HINT}") from None
        src: OpenAISource | None = model.weights.openai
        if src is None:
            raise ConfigError(f"model {model.id!r} has no 'weights.openai' entry in the registry")
        self._openai = openai
        self.model = model
        self.source = src
        env_url = os.environ.get(BASE_URL_ENV, "").strip()
        self.base_url = (base_url or env_url or src.base_url).rstrip("/")
        self.base_url_source = ("argument" if base_url else
                                f"env {BASE_URL_ENV}" if env_url else "registry")
        self.preferred_batch_size = 4 * src.max_concurrency
        api_key = NO_KEY
        if src.api_key_env:
            api_key = os.environ.get(src.api_key_env, "")
            if not api_key:
                raise PrerequisiteError(f"model {model.id!r}: set the environment variable "
                                        f"{src.api_key_env} to the endpoint's API key")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name=f"openai-engine-{model.id}", daemon=True)
        self._thread.start()
        self._closed = False
        self._info: EngineInfo | None = None

        async def make_client() -> Any:  # built on the loop that will use its connections
            return openai.AsyncOpenAI(base_url=self.base_url, api_key=api_key,
                                      max_retries=src.max_retries, timeout=src.timeout_s)

        self._client = self._run(make_client())

    # -- event loop plumbing -------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coro.close()
            raise RuntimeError("engine is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    # -- generation ----------------------------------------------------------------------

    def generate(
        self, requests: Sequence[GenerationRequest], params: SamplingParams
    ) -> list[list[Generation]]:
        """Return, for each request in order, its `params.n` samples in sample order."""
        return self._run(self._generate(list(requests), params))

    async def _generate(
        self, requests: list[GenerationRequest], params: SamplingParams
    ) -> list[list[Generation]]:
        sem = asyncio.Semaphore(self.source.max_concurrency)
        flat = await asyncio.gather(*(self._one(req, params, i, sem)
                                      for req in requests for i in range(params.n)))
        return [flat[k * params.n:(k + 1) * params.n] for k in range(len(requests))]

    async def _one(self, req: GenerationRequest, params: SamplingParams, i: int,
                   sem: asyncio.Semaphore) -> Generation:
        if req.tools and req.messages is None:  # completions take no tools: write them in
            return with_tool_calls(await self._one(inline_tools(req), params, i, sem), req)
        chat = req.messages is not None
        try:
            extra = constraint_body(req, self.source.structured_output, chat)
        except Exception as exc:  # e.g. no GBNF converter here: this request fails, not all
            return Generation.failed(req.request_id, i, f"{type(exc).__name__}: {exc}")
        kwargs: dict[str, Any] = dict(model=self.source.model, temperature=params.temperature,
                                      top_p=params.top_p, max_tokens=params.max_tokens,
                                      seed=params.seed + i, extra_body=extra or None)
        if req.tools:  # the server's own tool interface and tool parser
            kwargs["tools"] = req.tools
        async with sem:
            t0 = time.perf_counter()
            try:
                if chat:
                    out = await self._client.chat.completions.create(messages=req.messages,
                                                                     **kwargs)
                else:
                    out = await self._client.completions.create(prompt=req.prompt, **kwargs)
                if not out.choices:
                    raise ValueError("the server returned no choices")
                choice = out.choices[0]
                text = (choice.message.content if chat else choice.text) or ""
            except Exception as exc:  # one failing request must not lose the batch
                return Generation.failed(req.request_id, i, self._describe(exc),
                                         time.perf_counter() - t0)
            latency = time.perf_counter() - t0
        if req.choices is not None and self.source.structured_output == "openai":
            text = decode_choice(text, req.choices)
        usage = out.usage
        gen = Generation(
            request_id=req.request_id,
            sample_idx=i,
            text=text,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            latency_s=latency,
            finish_reason=choice.finish_reason,
            tool_calls=_server_tool_calls(choice) if chat and req.tools else None,
        )
        if req.tools and not gen.tool_calls:  # a server without a tool parser: read the text
            gen = with_tool_calls(gen, req)
        return gen

    def _describe(self, exc: Exception) -> str:
        """One line that says what failed and whether retries were spent on it."""
        oa = self._openai
        tries = f"after {self.source.max_retries} retries"
        if isinstance(exc, oa.APIStatusError):
            retried = exc.status_code in (408, 409, 429) or exc.status_code >= 500
            message = exc.message.removeprefix(f"Error code: {exc.status_code}").lstrip(" -")
            return (f"HTTP {exc.status_code} from {self.base_url}"
                    f"{' ' + tries if retried else ''}: {message or '(no message)'}")
        if isinstance(exc, oa.APITimeoutError):
            return (f"timeout: no answer within {self.source.timeout_s:g} s from "
                    f"{self.base_url} {tries}")
        if isinstance(exc, oa.APIConnectionError):
            cause = exc.__cause__
            return (f"connection error to {self.base_url} {tries}"
                    f"{': ' + type(cause).__name__ + ': ' + str(cause) if cause else ''}")
        return f"{type(exc).__name__}: {exc}"

    # -- provenance ----------------------------------------------------------------------

    def info(self) -> EngineInfo:
        """Provenance, asked of the server once: GET /v1/models, and the chat template where
        the server reveals it (llama.cpp's /props, vLLM's /tokenizer_info when enabled)."""
        if self._info is None:
            self._info = self._run(self._probe())
        return self._info

    async def _get(self, url: str) -> Any:
        client = self._client.with_options(max_retries=0, timeout=_PROBE_TIMEOUT_S)
        return await client.get(url, cast_to=dict)

    async def _probe(self) -> EngineInfo:
        extra: dict[str, Any] = {"base_url": self.base_url, "base_url_source":
                                 self.base_url_source, "served_model": self.source.model,
                                 "structured_output": self.source.structured_output,
                                 "max_concurrency": self.source.max_concurrency}
        max_model_len: int | None = None
        try:
            listed = await self._client.with_options(
                max_retries=0, timeout=_PROBE_TIMEOUT_S).models.list()
            models = []
            for m in listed.data:
                d = m.model_dump()
                models.append({k: d[k] for k in ("id", "owned_by", "root", "parent",
                                                  "max_model_len") if d.get(k) is not None})
                if d.get("id") == self.source.model and d.get("max_model_len"):
                    max_model_len = int(d["max_model_len"])
            extra["server_models"] = models
        except Exception as exc:
            extra["server_models_error"] = self._describe(exc)
        template: str | None = None
        root = self.base_url.removesuffix("/v1")
        # llama.cpp's llama-server: GET /props -> {"chat_template", "default_generation_
        # settings": {"n_ctx"}, "build_info", ...}; vLLM with --enable-tokenizer-info-endpoint:
        # GET /tokenizer_info -> tokenizer_config incl. chat_template. Others: 404, skipped.
        for path in ("/props", "/tokenizer_info"):
            try:
                body = await self._get(root + path)
            except Exception:
                continue
            if not isinstance(body, dict):
                continue
            if isinstance(body.get("chat_template"), str) and body["chat_template"]:
                template = body["chat_template"]
                extra["chat_template_source"] = path
            settings = body.get("default_generation_settings")
            if max_model_len is None and isinstance(settings, dict) and settings.get("n_ctx"):
                max_model_len = int(settings["n_ctx"])
            if body.get("build_info"):
                extra["server_build"] = body["build_info"]
            if template:
                break
        return EngineInfo(
            engine="openai",
            engine_version=self._openai.__version__,
            model_path=self.source.model,
            chat_template_hash=text_fingerprint(template) if self.model.kind == "chat" else None,
            adapter_name=self.model.adapter.name if self.model.adapter else None,
            max_model_len=max_model_len,
            hardware=f"remote endpoint {self.base_url}",
            accelerator_count=0,  # unknown behind an endpoint
            extra=extra,
        )

    def close(self) -> None:
        """Close the HTTP client and stop the private loop; safe to call twice."""
        if self._closed:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._client.close(), self._loop).result(10)
        except Exception:
            pass
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()


def _server_tool_calls(choice: Any) -> list[ToolCall]:
    """The calls the server's tool parser returned (`message.tool_calls`), arguments decoded
    from their JSON string where they are one."""
    calls: list[ToolCall] = []
    for call in getattr(choice.message, "tool_calls", None) or []:
        fn = getattr(call, "function", None)
        if fn is None or not getattr(fn, "name", None):
            continue
        args: Any = fn.arguments
        try:
            parsed = json.loads(args) if isinstance(args, str) else args
            args = parsed if isinstance(parsed, dict) else args
        except ValueError:
            pass
        calls.append({"name": fn.name, "arguments": args})
    return calls
