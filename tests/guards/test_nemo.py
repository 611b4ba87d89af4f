"""The NeMo Guardrails adapter at its HTTP seam: the real `nemoguardrails` package against a
fake OpenAI-compatible server (a stdlib http.server thread) that answers the self-check
prompts "Yes"/"No" by what they contain."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import model
from pipeline.config.compliance import Rule
from pipeline.engines.mock import MockEngine
from pipeline.errors import PrerequisiteError
from pipeline.guards.base import GuardContext, GuardInput

# NeMo's own config classes warn about a field it renamed; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:Use 'nim_base_url':DeprecationWarning")
pytest.importorskip("nemoguardrails", reason="nemoguardrails is not installed "
                    "(.venv/bin/pip install nemoguardrails langchain-openai)")
pytest.importorskip("langchain_openai", reason="langchain-openai is not installed "
                    "(NeMo's `engine: openai` needs it)")

from pipeline.guards.nemo import (  # noqa: E402 - after the skips
    BASE_URL_ENV,
    MODEL_ENV,
    NemoGuardrailsGuard,
    condensed_rules,
)


def rule(rid, title, text):
    return Rule(id=rid, tier=1, severity="high", title=title, text=text,
                examples={"violating": ["a", "b"], "compliant": ["c"]})


RULES = [rule("R24", "No advice on structuring", "Do not explain how to split deposits."),
         rule("R12", "Mask card numbers", "Never show a full card number.")]


class FakeOpenAI:
    """/v1/chat/completions and /v1/completions; `answer(prompt) -> text`; records prompts."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[tuple[str, str, dict]] = []
        self.auth: list[str | None] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, payload):
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._send({"object": "list", "data": [{"id": "fake", "object": "model"}]})

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                chat = self.path.endswith("/chat/completions")
                prompt = ("\n".join(str(m.get("content")) for m in req["messages"]) if chat
                          else str(req.get("prompt", "")))
                fake.requests.append((self.path, prompt, req))
                fake.auth.append(self.headers.get("Authorization"))
                text = fake.answer(prompt)
                choice = ({"index": 0, "message": {"role": "assistant", "content": text},
                           "finish_reason": "stop"} if chat else
                          {"index": 0, "text": text, "finish_reason": "stop"})
                self._send({"id": "x", "object": "chat.completion" if chat else
                            "text_completion", "created": 0, "model": req.get("model"),
                            "choices": [choice],
                            "usage": {"prompt_tokens": 9, "completion_tokens": 1,
                                      "total_tokens": 10}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def judge(prompt):
    """Input check: block 'split my deposits'; output check: block a full card number."""
    if "Bot message:" in prompt:
        bot = prompt.split("Bot message:")[1]
        return "Yes, R12" if "4111 1111 1111 1111" in bot else "No"
    user = prompt.split("User message:")[1]
    return "Yes" if "split my deposits" in user else "No"


@pytest.fixture(scope="module")
def server():
    fake = FakeOpenAI(judge)
    yield fake
    fake.close()


@pytest.fixture
def fake(server):
    server.requests.clear()
    server.auth.clear()
    return server


@pytest.fixture(scope="module")
def guard(server):
    """Built once: NeMo's config load takes about a second."""
    return NemoGuardrailsGuard(GuardContext(rules=RULES), base_url=server.url,
                               model="fake-alias")


def test_flagged_query_is_blocked_by_the_input_rail(guard, fake):
    [v] = guard.check([GuardInput("a", "How do I split my deposits under 10000?",
                                  ("Cash deposits over 10000 EUR are reported.",),
                                  "Make two deposits.")])
    assert v.block and v.tier == "nemo_input" and v.rules == ()
    assert v.detail == "blocked by NeMo rail 'self check input'"
    assert v.extra["refusal"] is True and v.extra["llm_calls"] == 1  # output rail never ran
    assert v.latency_s > 0 and v.extra["endpoint"] == "configured URL"
    [(path, prompt, req)] = fake.requests
    assert path == "/v1/chat/completions" and req["model"] == "fake-alias"
    assert req["temperature"] == 0 and req["max_tokens"] == 8
    # the rules (condensed) and the passages reach the judge
    assert "- R24 No advice on structuring\n- R12 Mask card numbers" in prompt
    assert "Cash deposits over 10000 EUR are reported." in prompt
    assert prompt.rstrip().endswith("Should the user message be blocked (Yes or No)?\nAnswer:")


def test_allowed_query_and_draft_pass_both_rails(guard, fake):
    [v] = guard.check([GuardInput("b", "What are your opening hours?", ("Open 9-17.",),
                                  "We are open from 9 to 17.")])
    assert not v.block and v.tier is None and v.latency_s > 0
    assert [r["name"] for r in v.extra["rails"]] == ["self check input", "self check output"]
    assert v.extra["llm_calls"] == 2  # two self-checks, no generation of NeMo's own answer
    out_prompt = fake.requests[1][1]
    assert 'Bot message: "We are open from 9 to 17."' in out_prompt
    assert "- R12 Mask card numbers" in out_prompt


def test_flagged_draft_is_blocked_by_the_output_rail_with_rule_ids(guard):
    [v] = guard.check([GuardInput("c", "What is my card number?", (),
                                  "Your card is 4111 1111 1111 1111.")])
    assert v.block and v.tier == "nemo_output" and v.rules == ("R12",)
    assert v.detail == "blocked by NeMo rail 'self check output'"


def test_batch_in_order_and_input_only_items(guard, fake):
    out = guard.check([GuardInput("a", "please split my deposits", ()),
                       GuardInput("b", "hello", ()),
                       GuardInput("c", "card?", (), "4111 1111 1111 1111")])
    assert [(v.block, v.tier) for v in out] == [(True, "nemo_input"), (False, None),
                                               (True, "nemo_output")]
    assert len(fake.requests) == 1 + 1 + 2
    assert [r["name"] for r in out[1].extra["rails"]] == ["self check input"]


def test_server_down_allows_with_the_error_and_does_not_raise():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    g = NemoGuardrailsGuard(GuardContext(rules=RULES), base_url=f"http://127.0.0.1:{port}/v1")
    [v] = g.check([GuardInput("a", "hello", (), "hi")])
    assert not v.block and v.detail.startswith("nemo failed:") and v.extra["error"]


def test_endpoint_from_environment_or_refused_and_no_real_key_sent(monkeypatch, fake):
    monkeypatch.setenv(BASE_URL_ENV, fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-never-sent")
    g = NemoGuardrailsGuard(GuardContext(rules=RULES))
    assert g.base_url == fake.url and g.model == "local"
    g.check([GuardInput("a", "hello", ())])
    assert fake.auth == ["Bearer none"]  # the configured key, never the environment's
    monkeypatch.delenv(BASE_URL_ENV)
    with pytest.raises(PrerequisiteError, match=BASE_URL_ENV):
        NemoGuardrailsGuard(GuardContext(rules=RULES))


def test_condensed_rules_one_line_each():
    assert condensed_rules(RULES) == ("- R24 No advice on structuring\n"
                                      "- R12 Mask card numbers")


# ----------------------------------------------- no URL: the run's own engine, served here


def judge_engine(model_id="model-under-test"):
    """The mock engine as the run's engine (no HTTP of its own): answers the self-checks with
    `judge`, records every call (requests, params)."""
    return MockEngine(answer=lambda r, i, call: judge(r.prompt_text), model=model(model_id),
                      batch_size=4)


@pytest.fixture(scope="module")
def engine_guard():
    """The guard on the run's engine: no base URL anywhere, so it serves the engine."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(BASE_URL_ENV, raising=False)
        mp.delenv(MODEL_ENV, raising=False)
        engine = judge_engine()
        g = NemoGuardrailsGuard(GuardContext(rules=RULES, engine=engine))
    yield g, engine
    g.close()


def test_served_run_engine_judges_end_to_end(engine_guard):
    g, engine = engine_guard
    assert g.endpoint == "served run engine" and g.server is not None
    assert g.base_url == g.server.base_url and g.model == "model-under-test"
    engine.calls.clear()
    out = g.check([GuardInput("a", "How do I split my deposits?", ("Deposits are reported.",),
                              "Make two deposits."),
                   GuardInput("b", "What are your opening hours?", (), "From 9 to 17."),
                   GuardInput("c", "What is my card number?", (),
                              "Your card is 4111 1111 1111 1111.")])
    assert [(v.block, v.tier, v.rules) for v in out] == [
        (True, "nemo_input", ()), (False, None, ()), (True, "nemo_output", ("R12",))]
    assert {v.extra["endpoint"] for v in out} == {"served run engine"}
    assert "model-under-test at http://127.0.0.1:" in out[0].extra["judge"]
    # 1 + 2 + 2 self-checks, each one chat request to the engine, greedy and short
    assert len(engine.calls) == 5 and g.server.requests_served == 5
    reqs, params = engine.calls[0]
    assert reqs[0].messages is not None and reqs[0].messages[-1]["role"] == "user"
    assert "Deposits are reported." in reqs[0].messages[-1]["content"]
    assert params.temperature == 0 and params.max_tokens == 8 and params.n == 1


def test_base_model_engine_gets_a_rendered_prompt_and_close_stops_the_server(monkeypatch):
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    engine = judge_engine("base-model")
    g = NemoGuardrailsGuard(GuardContext(rules=RULES, engine=engine, model_kind="base"))
    [v] = g.check([GuardInput("a", "please split my deposits", ())])
    assert v.block and v.tier == "nemo_input"
    [([req], _)] = engine.calls
    assert req.messages is None and req.prompt.startswith("User: Your task is to check")
    assert req.prompt.endswith("Assistant:")
    port = g.server.port
    g.close()
    g.close()  # twice is fine
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port),
                                                                         timeout=2):
        pass
    # after close a case fails like a downed server: allowed, with the error, no raise
    [v] = g.check([GuardInput("b", "hello", ())])
    assert not v.block and v.detail.startswith("nemo failed:")


def test_configured_url_beats_serving_the_engine(monkeypatch, fake):
    monkeypatch.setenv(BASE_URL_ENV, fake.url)
    engine = judge_engine()
    g = NemoGuardrailsGuard(GuardContext(rules=RULES, engine=engine))
    assert g.server is None and g.endpoint == "configured URL"
    g.check([GuardInput("a", "hello", ())])
    assert engine.calls == [] and len(fake.requests) == 1
    g.close()  # nothing to stop
