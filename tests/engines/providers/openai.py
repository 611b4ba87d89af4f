"""OpenAI provider: a real llama-cpp-python server on 127.0.0.1, driven over HTTP.

`chat_engine()` / `base_engine()` start `python -m llama_cpp.server` with the packaged GGUF
(SmolLM2 chat, Gemma 3 base) on a free loopback port, wait (bounded) until it answers
GET /v1/models, and return an OpenAICompatEngine pointing at it (structured_output
"llama_cpp"). Closing the engine stops the server; a finalizer and atexit do it too if a
test forgets, and the server exits by itself when the test process dies (even by SIGKILL),
so no server outlives the test session.

One addition to the stock server: llama-cpp-python's server has no endpoint that reveals
the chat template, while llama.cpp's own llama-server answers GET /props with
`chat_template` (its raw GGUF template text). The launcher below adds that one read-only
route, with the same field names, so the engine's template discovery runs for real over
HTTP. Everything else is llama-cpp-python's server unchanged.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import weakref
from pathlib import Path

import pytest

from helpers import ROOT, require_models
from pipeline.config import load_model_registry
from pipeline.config.models import ModelSpec, OpenAISource, Weights
from pipeline.engines.llama_cpp import resolve_gguf
from pipeline.engines.openai_compat import OpenAICompatEngine

CHAT_MODEL = "smollm2-135m"
BASE_MODEL = "gemma3-270m"
READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0
SERVER_DEPS = ("openai", "uvicorn", "fastapi", "sse_starlette", "starlette_context",
               "pydantic_settings")

# Runs llama_cpp.server's own __main__ with one extra route, GET /props, shaped like
# llama.cpp llama-server's (chat_template, model_path, default_generation_settings.n_ctx).
_LAUNCHER = """
import os, runpy, sys, threading, time
import llama_cpp.server.app as app_mod

# a test run killed with SIGKILL cannot stop us: exit when our parent is gone
_parent = os.getppid()

def _watch_parent():
    while os.getppid() == _parent:
        time.sleep(1)
    os._exit(0)

threading.Thread(target=_watch_parent, daemon=True).start()

_create_app = app_mod.create_app

def create_app(*args, **kwargs):
    app = _create_app(*args, **kwargs)

    @app.get("/props")
    def props():
        llama = app_mod._llama_proxy(None)
        return {"chat_template": llama.metadata.get("tokenizer.chat_template"),
                "model_path": llama.model_path,
                "default_generation_settings": {"n_ctx": llama.n_ctx()}}

    return app

app_mod.create_app = create_app
sys.argv[0] = "llama_cpp.server"
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""


def _prerequisites() -> None:
    require_models()
    missing = []
    for name in SERVER_DEPS:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        if os.environ.get("LLMX_REQUIRE_MODELS") == "1":
            raise ImportError(f"the openai engine test needs {', '.join(missing)} "
                              "(the openai client and llama-cpp-python's server extra)")
        pytest.skip(f"openai engine test: {', '.join(missing)} not installed")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """One llama-cpp-python server process on 127.0.0.1, started and stopped by us."""

    def __init__(self, gguf: Path, alias: str) -> None:
        self.alias = alias
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log = tempfile.NamedTemporaryFile(prefix=f"llmx-{alias}-", suffix=".log",
                                               delete=False)
        env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "CONFIG_FILE")}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, "--model", str(gguf), "--model_alias", alias,
             "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "2048"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        atexit.register(self.stop)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        # loopback only: never through a proxy from the environment
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                with opener.open(self.base_url + "/models", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"llama_cpp.server not ready within {READY_TIMEOUT_S:g} s:\n"
                           f"{self.log_tail()}")

    def log_tail(self, n: int = 4000) -> str:
        return Path(self.log.name).read_text(errors="replace")[-n:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT_S)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
        atexit.unregister(self.stop)


class ServedEngine(OpenAICompatEngine):
    """The engine plus the server it talks to: closing one stops the other."""

    def __init__(self, model: ModelSpec, server: LocalServer) -> None:
        self.server = server
        weakref.finalize(self, server.stop)
        super().__init__(model, base_url=server.base_url)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.server.stop()


def _engine(model_id: str) -> ServedEngine:
    _prerequisites()
    spec = load_model_registry(ROOT / "experiments" / "models.yaml").get(model_id)
    gguf = resolve_gguf(spec)
    src = OpenAISource(base_url="http://127.0.0.1:1/v1", model=model_id,
                       structured_output="llama_cpp", max_concurrency=4, timeout_s=120,
                       max_retries=2)
    spec = spec.model_copy(update={"weights": Weights(llama_cpp=spec.weights.llama_cpp,
                                                      openai=src)})
    server = LocalServer(gguf, alias=model_id)
    try:
        return ServedEngine(spec, server)
    except BaseException:
        server.stop()
        raise


def chat_engine() -> ServedEngine:
    return _engine(CHAT_MODEL)


def base_engine() -> ServedEngine:
    return _engine(BASE_MODEL)
