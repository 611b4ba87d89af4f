"""Seam tests for the OpenAI-compatible engine against a scripted HTTP server on 127.0.0.1.

The server is stdlib http.server in a thread: it records every request (path, headers, JSON
body), counts requests in flight, and answers from a per-test script, so retries, timeouts,
error statuses, the concurrency bound and the exact request bodies are checked over real
HTTP through the real openai client. Every wait is bounded (sub-second delays, short
timeouts); the real-model contract lives in test_contract.py (-k openai).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipeline.config.models import ModelSpec, OpenAISource, Weights
from pipeline.engines import GenerationRequest, SamplingParams, load_engine
from pipeline.errors import PrerequisiteError

pytest.importorskip("openai")

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}},
          "required": ["name"], "additionalProperties": False}
CHAT = [{"role": "user", "content": "hi"}]

# reply(path, body, call_no) -> (status, headers, json_body, delay_s)
Reply = tuple[int, dict[str, str], Any, float]


def ok_body(path: str, text: str) -> dict[str, Any]:
    usage = {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13}
    if path.endswith("/chat/completions"):
        return {"id": "c", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
                "usage": usage}
    return {"id": "c", "object": "text_completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "length", "text": text,
                         "logprobs": None}], "usage": usage}


def echo_seed(path: str, body: dict[str, Any], call: int) -> Reply:
    return 200, {}, ok_body(path, f"seed={body.get('seed')}"), 0.0


class FakeServer:
    """A scripted OpenAI-style endpoint; `reply` decides each answer."""

    def __init__(self, reply: Callable[[str, dict[str, Any], int], Reply] = echo_seed,
                 extra_get: dict[str, Any] | None = None) -> None:
        self.reply = reply
        self.extra_get = extra_get or {}
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path in fake.extra_get:
                    self._send(200, {}, fake.extra_get[path])
                else:
                    self._send(404, {}, {"error": {"message": f"no route {path}"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake.lock:
                    fake.requests.append((self.path, dict(self.headers), body))
                    call = len(fake.requests)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    status, headers, out, delay = fake.reply(self.path, body, call)
                    time.sleep(delay)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1
                self._send(status, headers, out)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict[str, Any]]:
        return [b for _, _, b in self.requests]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def _no_url_override(monkeypatch):
    """A user's LLMX_OPENAI_BASE_URL must not redirect these tests to their server."""
    monkeypatch.delenv("LLMX_OPENAI_BASE_URL", raising=False)


@pytest.fixture
def server_factory():
    made: list[FakeServer] = []

    def make(*args: Any, **kwargs: Any) -> FakeServer:
        made.append(FakeServer(*args, **kwargs))
        return made[-1]

    yield make
    for s in made:
        s.close()


@pytest.fixture
def engine_factory():
    made = []

    def make(url: str, kind: str = "chat", **source: Any):
        src = OpenAISource(base_url=url, model=source.pop("model", "served-m"), **source)
        spec = ModelSpec(id="m", name="m", family="Test", params=1, kind=kind,
                         weights=Weights(openai=src))
        made.append(load_engine("openai", spec))
        return made[-1]

    yield make
    for e in made:
        e.close()


def fast_retry(status: int, then_ok_after: int) -> Callable[[str, dict[str, Any], int], Reply]:
    """`status` for the first calls, then 200; retry-after-ms keeps the backoff tiny."""
    def reply(path: str, body: dict[str, Any], call: int) -> Reply:
        if call <= then_ok_after:
            return status, {"retry-after-ms": "5"}, {"error": {"message": "busy"}}, 0.0
        return 200, {}, ok_body(path, "fine"), 0.0
    return reply


def test_retries_429_and_503_then_succeeds(server_factory, engine_factory):
    statuses = {1: 429, 2: 503}

    def reply(path, body, call):
        if call in statuses:
            return statuses[call], {"retry-after-ms": "5"}, {"error": {"message": "x"}}, 0.0
        return 200, {}, ok_body(path, "fine"), 0.0

    srv = server_factory(reply)
    eng = engine_factory(srv.url, max_retries=3)
    [[g]] = eng.generate([GenerationRequest("r", messages=CHAT)], SamplingParams())
    assert g.error is None and g.text == "fine" and g.finish_reason == "stop"
    assert (g.prompt_tokens, g.completion_tokens) == (11, 2) and g.latency_s > 0
    assert len(srv.requests) == 3


def test_retries_exhausted_becomes_error_result(server_factory, engine_factory):
    srv = server_factory(fast_retry(503, then_ok_after=99))
    eng = engine_factory(srv.url, max_retries=2)
    [[g]] = eng.generate([GenerationRequest("r", messages=CHAT)], SamplingParams())
    assert g.finish_reason == "error" and g.text == ""
    assert "HTTP 503" in g.error and "after 2 retries" in g.error and "busy" in g.error
    assert len(srv.requests) == 3  # the first try + max_retries


def test_400_is_an_immediate_error_and_the_batch_survives(server_factory, engine_factory):
    def reply(path, body, call):
        if body["messages"][0]["content"] == "too long":
            return 400, {}, {"error": {"message": "context length exceeded"}}, 0.0
        return 200, {}, ok_body(path, "fine"), 0.0

    srv = server_factory(reply)
    eng = engine_factory(srv.url, max_retries=5)
    [[bad], [good]] = eng.generate(
        [GenerationRequest("x", messages=[{"role": "user", "content": "too long"}]),
         GenerationRequest("y", messages=CHAT)], SamplingParams())
    assert bad.finish_reason == "error" and bad.text == ""
    assert bad.error.startswith("HTTP 400") and "context length exceeded" in bad.error
    assert "retries" not in bad.error
    assert good.error is None and good.text == "fine"
    assert len(srv.requests) == 2  # no retry of the 400


def test_timeout_becomes_error_after_bounded_retries(server_factory, engine_factory):
    srv = server_factory(lambda path, body, call: (200, {}, ok_body(path, "late"), 1.5))
    eng = engine_factory(srv.url, timeout_s=0.3, max_retries=1)
    [[g]] = eng.generate([GenerationRequest("r", messages=CHAT)], SamplingParams())
    # bounded: one try and one retry, each cut at its timeout (the count, not a stopwatch)
    assert g.finish_reason == "error" and "timeout" in g.error and "after 1 retries" in g.error
    assert len(srv.requests) == 2


def test_connection_refused_becomes_error_result(engine_factory):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    eng = engine_factory(f"http://127.0.0.1:{port}/v1", max_retries=0)
    [[g]] = eng.generate([GenerationRequest("r", messages=CHAT)], SamplingParams())
    assert g.finish_reason == "error" and "connection error" in g.error


def test_concurrency_bound_is_honoured(server_factory, engine_factory):
    srv = server_factory(lambda path, body, call: (200, {}, ok_body(path, "ok"), 0.1))
    eng = engine_factory(srv.url, max_concurrency=3)
    assert eng.preferred_batch_size == 12
    out = eng.generate([GenerationRequest(f"r{i}", messages=CHAT) for i in range(6)],
                       SamplingParams(n=2))
    assert all(g.text == "ok" for s in out for g in s)
    assert len(srv.requests) == 12
    assert srv.max_in_flight == 3


def test_samples_use_seed_plus_i_and_keep_request_order(server_factory, engine_factory):
    # later seeds answer sooner: the engine must still return request and sample order
    def reply(path, body, call):
        return 200, {}, ok_body(path, f"seed={body['seed']}"), max(0.0, 0.2 - body["seed"] / 100)

    srv = server_factory(reply)
    eng = engine_factory(srv.url, kind="base")
    out = eng.generate([GenerationRequest("a", prompt="p1"), GenerationRequest("b", prompt="p2")],
                       SamplingParams(temperature=0.7, top_p=0.9, max_tokens=5, seed=7, n=3))
    assert [[g.request_id for g in s] for s in out] == [["a"] * 3, ["b"] * 3]
    assert [[g.sample_idx for g in s] for s in out] == [[0, 1, 2], [0, 1, 2]]
    assert [[g.text for g in s] for s in out] == [["seed=7", "seed=8", "seed=9"]] * 2
    assert out[0][0].finish_reason == "length"
    for path, _, body in srv.requests:
        assert path == "/v1/completions"  # base model: raw prompt, no chat template
        assert body["model"] == "served-m" and body["prompt"] in ("p1", "p2")
        assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.7, 0.9, 5)
        assert body.get("n", 1) == 1


def _body(server_factory, engine_factory, mode: str, kind: str, req: GenerationRequest):
    srv = server_factory()
    eng = engine_factory(srv.url, kind=kind, structured_output=mode)
    [[g]] = eng.generate([req], SamplingParams())
    assert g.error is None, g.error
    [(path, _, body)] = srv.requests
    assert path == ("/v1/chat/completions" if kind == "chat" else "/v1/completions")
    return body


def test_body_openai_mode(server_factory, engine_factory):
    body = _body(server_factory, engine_factory, "openai", "chat",
                 GenerationRequest("r", messages=CHAT, json_schema=SCHEMA))
    assert body["messages"] == CHAT
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "output", "schema": SCHEMA, "strict": True}}
    body = _body(server_factory, engine_factory, "openai", "chat",
                 GenerationRequest("r", messages=CHAT, choices=("yes", "no")))
    rf = body["response_format"]["json_schema"]
    assert rf["strict"] is True and rf["schema"]["type"] == "object"
    assert rf["schema"]["properties"]["choice"] == {"type": "string", "enum": ["yes", "no"]}
    body = _body(server_factory, engine_factory, "openai", "base",
                 GenerationRequest("r", prompt="p", json_schema=SCHEMA))
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA


def test_openai_mode_choice_is_returned_bare(server_factory, engine_factory):
    answers = iter(['{"choice": "no"}', "yes"])  # wrapped, then a server that ignored it
    srv = server_factory(lambda path, body, call: (200, {}, ok_body(path, next(answers)), 0.0))
    eng = engine_factory(srv.url, structured_output="openai", max_concurrency=1)
    out = eng.generate([GenerationRequest("r", messages=CHAT, choices=("yes", "no"))],
                       SamplingParams(n=2))
    assert [g.text for g in out[0]] == ["no", "yes"]


def test_body_vllm_mode(server_factory, engine_factory):
    body = _body(server_factory, engine_factory, "vllm", "chat",
                 GenerationRequest("r", messages=CHAT, json_schema=SCHEMA))
    assert body["structured_outputs"] == {"json": SCHEMA} and "response_format" not in body
    body = _body(server_factory, engine_factory, "vllm", "base",
                 GenerationRequest("r", prompt="p", choices=("a", "b")))
    assert body["structured_outputs"] == {"choice": ["a", "b"]}
    assert not any(k.startswith("guided_") for k in body)


def test_body_llama_cpp_mode(server_factory, engine_factory):
    body = _body(server_factory, engine_factory, "llama_cpp", "chat",
                 GenerationRequest("r", messages=CHAT, json_schema=SCHEMA))
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    body = _body(server_factory, engine_factory, "llama_cpp", "chat",
                 GenerationRequest("r", messages=CHAT, choices=("yes", "no")))
    assert body["grammar"] == 'root ::= "yes" | "no"'


def test_body_llama_cpp_mode_base_schema_is_a_grammar(server_factory, engine_factory):
    pytest.importorskip("llama_cpp")
    body = _body(server_factory, engine_factory, "llama_cpp", "base",
                 GenerationRequest("r", prompt="p", json_schema=SCHEMA))
    assert "root ::=" in body["grammar"] and "response_format" not in body


def test_unconstrained_body_has_no_constraint_fields(server_factory, engine_factory):
    for mode in ("openai", "vllm", "llama_cpp"):
        body = _body(server_factory, engine_factory, mode, "chat",
                     GenerationRequest("r", messages=CHAT))
        assert not {"response_format", "structured_outputs", "grammar"} & set(body)


def test_info_reads_models_and_template_when_the_server_reveals_it(
        server_factory, engine_factory, monkeypatch):
    template = "{% for m in messages %}{{ m.content }}{% endfor %}"
    models = {"object": "list", "data": [{"id": "served-m", "object": "model", "created": 0,
                                          "owned_by": "vllm", "root": "/models/smol",
                                          "max_model_len": 4096}]}
    srv = server_factory(extra_get={"/v1/models": models, "/props": {
        "chat_template": template, "build_info": "b1", "default_generation_settings":
        {"n_ctx": 2048}}})
    info = engine_factory(srv.url).info()
    assert info.engine == "openai" and info.engine_version
    assert info.model_path == "served-m" and srv.url in info.hardware
    assert info.chat_template_hash == hashlib.sha256(template.encode()).hexdigest()[:16]
    assert info.max_model_len == 4096
    assert info.extra["server_models"] == [{"id": "served-m", "owned_by": "vllm",
                                            "root": "/models/smol", "max_model_len": 4096}]
    assert info.extra["base_url"] == srv.url and info.extra["base_url_source"] == "registry"
    assert info.extra["chat_template_source"] == "/props" and info.extra["server_build"] == "b1"

    bare = server_factory(extra_get={"/v1/models": models})  # no /props, no /tokenizer_info
    info = engine_factory(bare.url).info()
    assert info.chat_template_hash is None and info.extra["server_models"]

    # vLLM started with --enable-tokenizer-info-endpoint
    vllm = server_factory(extra_get={"/v1/models": models, "/tokenizer_info": {
        "tokenizer_class": "X", "chat_template": template}})
    info = engine_factory(vllm.url).info()
    assert info.extra["chat_template_source"] == "/tokenizer_info" and info.chat_template_hash


def test_base_url_env_override_is_used_and_recorded(server_factory, engine_factory,
                                                    monkeypatch):
    srv = server_factory()
    monkeypatch.setenv("LLMX_OPENAI_BASE_URL", srv.url)
    eng = engine_factory("http://127.0.0.1:1/v1")  # the registry's URL: nobody there
    [[g]] = eng.generate([GenerationRequest("r", messages=CHAT)], SamplingParams())
    assert g.error is None and len(srv.requests) == 1
    info = eng.info()
    assert info.extra["base_url"] == srv.url
    assert info.extra["base_url_source"] == "env LLMX_OPENAI_BASE_URL"


def test_api_key_comes_from_the_named_variable_only(server_factory, engine_factory,
                                                    monkeypatch):
    srv = server_factory()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-never-sent")
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(PrerequisiteError, match="MY_KEY"):
        engine_factory(srv.url, api_key_env="MY_KEY")
    monkeypatch.setenv("MY_KEY", "sk-local")
    engine_factory(srv.url, api_key_env="MY_KEY").generate(
        [GenerationRequest("r", messages=CHAT)], SamplingParams())
    engine_factory(srv.url).generate([GenerationRequest("r", messages=CHAT)], SamplingParams())
    auths = [{k.lower(): v for k, v in h.items()}["authorization"] for _, h, _ in srv.requests]
    assert auths == ["Bearer sk-local", "Bearer EMPTY"]


def test_missing_openai_package_is_a_prerequisite_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "openai", None)
    spec = ModelSpec(id="m", name="m", family="Test", params=1, kind="chat",
                     weights=Weights(openai=OpenAISource(base_url="http://127.0.0.1:1/v1",
                                                         model="m")))
    with pytest.raises(PrerequisiteError, match="pip install"):
        load_engine("openai", spec)


def test_close_is_idempotent_and_stops_the_loop_thread(server_factory, engine_factory):
    eng = engine_factory(server_factory().url)
    eng.close()
    eng.close()
    assert not eng._thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        eng.generate([GenerationRequest("r", messages=CHAT)], SamplingParams())
