"""Serve a loaded Engine as a tiny OpenAI-compatible HTTP endpoint, inside this process.

Why: some tools only speak OpenAI's HTTP API (NeMo Guardrails' `engine: openai`, other
judges and agents). They must judge with the run's own model, the one under test, and the
run has already loaded it (llama.cpp, vLLM): starting a second server would load a second
copy of the weights (twice the memory, and maybe not the same build or settings). So this
module puts an HTTP front on the Engine object the run already holds.

What it serves (stdlib `http.server`, a ThreadingHTTPServer on 127.0.0.1, a free port, in
a background thread):

- `POST /v1/chat/completions`: `messages` become `GenerationRequest(messages=...)`; for a
  base (non-chat) model (`kind="base"`) they are rendered as
  "System: ...\\n\\nUser: ...\\n\\nAssistant:" and sent as `prompt=`.
- `POST /v1/completions`: `prompt` (a string or a list of strings) as `prompt=`.
- `GET /v1/models`: the one model, named `model_id` (any `model` in a request is accepted).

`temperature`, `top_p`, `max_tokens` (or `max_completion_tokens`), `seed` and `n` map onto
SamplingParams (n > 1 gives n choices; sample i uses seed + i, as in every engine). Our
SamplingParams has no stop strings, so `stop` is applied here: the text is cut before the
first stop string and its finish_reason becomes "stop". Fields not listed (logprobs, tools,
response_format...) are ignored; `stream: true` is refused with a 400.

Requests are served one at a time: a lock is held around `engine.generate`, since our
engines are not thread-safe. The lock serialises this server's requests only: the run must
not call the engine from another thread while a tool is talking to the server (a guard's
check is synchronous, so the run's thread waits for it). An engine error (an exception, or a
Generation with `error` set) is an HTTP 500 with an OpenAI-shaped JSON error body. The
served engine is not closed by `close()`: it belongs to the run.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from pipeline.engines.base import Engine, Generation, GenerationRequest, Message, SamplingParams

# OpenAI's own default temperature; max_tokens as every engine's default
DEFAULTS = SamplingParams(temperature=1.0, top_p=1.0, max_tokens=256, seed=0, n=1)
_ROLES = {"system": "System", "developer": "System", "user": "User", "assistant": "Assistant"}


class RequestError(Exception):
    """A request the server refuses: HTTP `status` with `message` in the error body."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


def content_text(content: Any) -> str:
    """A message's content as one string: a string as is, text parts joined, None as ""."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content
                       if isinstance(p, dict) and p.get("type", "text") == "text")
    return str(content)


def render_base(messages: Sequence[dict[str, Any]]) -> str:
    """Chat messages as one base-model prompt: `Role: content` blocks, then "Assistant:"."""
    blocks = [f"{_ROLES.get(str(m.get('role')), str(m.get('role', 'user')).title())}: "
              f"{content_text(m.get('content'))}" for m in messages]
    return "\n\n".join([*blocks, "Assistant:"])


def apply_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """`text` cut before the earliest stop string; True when one was found."""
    cuts = [i for i in (text.find(s) for s in stop if s) if i >= 0]
    return (text[:min(cuts)], True) if cuts else (text, False)


def sampling_params(body: dict[str, Any], defaults: SamplingParams = DEFAULTS) -> SamplingParams:
    """The request's sampling fields as SamplingParams (missing ones from `defaults`)."""

    def num(key: str, cast: type, fallback: Any) -> Any:
        value = body.get(key)
        if value is None:
            return fallback
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RequestError(400, f"'{key}' must be a number")
        return cast(value)

    max_key = "max_tokens" if body.get("max_tokens") is not None else "max_completion_tokens"
    params = SamplingParams(
        temperature=num("temperature", float, defaults.temperature),
        top_p=num("top_p", float, defaults.top_p),
        max_tokens=num(max_key, int, defaults.max_tokens),
        seed=num("seed", int, defaults.seed),
        n=num("n", int, defaults.n))
    if params.n < 1:
        raise RequestError(400, "'n' must be at least 1")
    if params.max_tokens < 1:
        raise RequestError(400, "'max_tokens' must be at least 1")
    return params


def stop_strings(body: dict[str, Any]) -> list[str]:
    """`stop` as a list: absent, one string, or a list of strings."""
    stop = body.get("stop")
    if stop is None:
        return []
    if isinstance(stop, str):
        return [stop]
    if isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        return list(stop)
    raise RequestError(400, "'stop' must be a string or a list of strings")


class ServedEngine:
    """An Engine behind a local OpenAI-compatible endpoint (see the module docstring).

    `base_url` is "http://127.0.0.1:PORT/v1", `model` the served model name,
    `requests_served` the number of completion requests that reached the engine (errors
    included). `close()` stops the server and joins its thread (the engine stays open); it
    is also a context manager.
    """

    def __init__(self, engine: Engine, model_id: str, *, kind: str = "chat",
                 defaults: SamplingParams = DEFAULTS) -> None:
        if kind not in ("chat", "base"):
            raise ValueError(f"kind must be 'chat' or 'base', not {kind!r}")
        self.engine = engine
        self.model = model_id
        self.kind = kind
        self.defaults = defaults
        self.requests_served = 0
        self._lock = threading.Lock()
        self._closed = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name=f"serve-engine-{model_id}", daemon=True)
        self._thread.start()

    # -- the two completion endpoints ---------------------------------------------------

    def chat_completion(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/chat/completions: one conversation, `n` choices."""
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or \
                not all(isinstance(m, dict) for m in messages):
            raise RequestError(400, "'messages' must be a non-empty list of messages")
        params = sampling_params(body, self.defaults)
        rid = f"chatcmpl-{uuid.uuid4().hex}"
        if self.kind == "base":
            req = GenerationRequest(request_id=rid, prompt=render_base(messages))
        else:
            chat = [cast(Message, {"role": "system" if m.get("role") == "developer"
                                   else m.get("role", "user"),
                                   "content": content_text(m.get("content"))})
                    for m in messages]
            req = GenerationRequest(request_id=rid, messages=chat)
        [samples] = self._generate([req], params)
        stop = stop_strings(body)
        choices = []
        for i, gen in enumerate(samples):
            text, finish = _finish(gen, stop)
            choices.append({"index": i, "message": {"role": "assistant", "content": text},
                            "logprobs": None, "finish_reason": finish})
        return {"id": rid, "object": "chat.completion", "created": int(time.time()),
                "model": self.model, "choices": choices, "usage": _usage([samples])}

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/completions: one prompt or a list of them, `n` choices each."""
        prompt = body.get("prompt")
        prompts = [prompt] if isinstance(prompt, str) else prompt
        if not isinstance(prompts, list) or not prompts or \
                not all(isinstance(p, str) for p in prompts):
            raise RequestError(400, "'prompt' must be a string or a non-empty list of strings")
        params = sampling_params(body, self.defaults)
        rid = f"cmpl-{uuid.uuid4().hex}"
        reqs = [GenerationRequest(request_id=f"{rid}-{k}", prompt=p)
                for k, p in enumerate(prompts)]
        results = self._generate(reqs, params)
        stop = stop_strings(body)
        choices = []
        for samples in results:
            for gen in samples:
                text, finish = _finish(gen, stop)
                choices.append({"index": len(choices), "text": text, "logprobs": None,
                                "finish_reason": finish})
        return {"id": rid, "object": "text_completion", "created": int(time.time()),
                "model": self.model, "choices": choices, "usage": _usage(results)}

    def models(self) -> dict[str, Any]:
        """GET /v1/models: the one served model."""
        return {"object": "list", "data": [{"id": self.model, "object": "model",
                                            "created": 0, "owned_by": "llmx"}]}

    def _generate(self, reqs: list[GenerationRequest],
                  params: SamplingParams) -> list[list[Generation]]:
        """engine.generate under the lock; any error (raised or in a Generation) -> 500."""
        with self._lock:
            self.requests_served += 1
            try:
                results = self.engine.generate(reqs, params)
            except Exception as exc:
                raise RequestError(500, f"engine failed: {type(exc).__name__}: {exc}",
                                   "server_error") from exc
        if len(results) != len(reqs) or any(len(s) != params.n for s in results):
            raise RequestError(500, "engine returned the wrong number of generations",
                               "server_error")
        failed = [g.error for s in results for g in s if g.error]
        if failed:
            raise RequestError(500, f"engine error: {failed[0]}", "server_error")
        return results

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Stop serving, free the port and join the server thread; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def __enter__(self) -> ServedEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ServedEngine({self.model!r} at {self.base_url})"


def serve_engine(engine: Engine, model_id: str, *, kind: str = "chat",
                 defaults: SamplingParams = DEFAULTS) -> ServedEngine:
    """Serve `engine` as model `model_id` on a free local port (see the module docstring).

    `kind` is the model's kind: "chat" sends chat messages as messages, "base" renders them
    into one prompt. `defaults` fills sampling fields a request leaves out (OpenAI's
    temperature 1.0 unless given).
    """
    return ServedEngine(engine, model_id, kind=kind, defaults=defaults)


def _finish(gen: Generation, stop: Sequence[str]) -> tuple[str, str]:
    text, stopped = apply_stop(gen.text, stop)
    return text, "stop" if stopped else (gen.finish_reason or "stop")


def _usage(results: list[list[Generation]]) -> dict[str, int]:
    prompt = sum(s[0].prompt_tokens or 0 for s in results if s)
    completion = sum(g.completion_tokens or 0 for s in results for g in s)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}


def _handler(served: ServedEngine) -> type[BaseHTTPRequestHandler]:
    """The request handler class, bound to one ServedEngine."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "llmx-serve/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass  # quiet: a run's log is not an access log

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, err: RequestError) -> None:
            self._send(err.status, {"error": {"message": str(err), "type": err.kind,
                                              "param": None, "code": err.status}})

        def _route(self) -> str:
            return self.path.split("?", 1)[0].rstrip("/")

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self._route() in ("/v1/models", "/models"):
                self._send(200, served.models())
            else:
                self._error(RequestError(404, f"no route GET {self.path}", "not_found"))

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            route = self._route().removeprefix("/v1")
            try:
                if route not in ("/chat/completions", "/completions"):
                    raise RequestError(404, f"no route POST {self.path}", "not_found")
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError as exc:
                    raise RequestError(400, f"the body is not JSON: {exc}") from None
                if not isinstance(body, dict):
                    raise RequestError(400, "the body must be a JSON object")
                if body.get("stream"):
                    raise RequestError(400, "streaming is not supported by this server")
                out = (served.chat_completion(body) if route == "/chat/completions"
                       else served.completion(body))
            except RequestError as err:
                self._error(err)
                return
            except Exception as exc:  # a bug here must still answer, not hang the client
                self._error(RequestError(500, f"{type(exc).__name__}: {exc}", "server_error"))
                return
            self._send(200, out)

    return Handler
