"""serve_engine: the mock engine behind the local OpenAI-compatible server, spoken to with the
real `openai` client (what NeMo's langchain-openai uses underneath)."""

import json
import socket
import threading
import urllib.error
import urllib.request

import pytest

from pipeline.engines.mock import MockEngine, Reply
from pipeline.engines.serve import apply_stop, render_base, serve_engine

openai = pytest.importorskip("openai")


def echo_engine(answer=None, fail=None, raises=None, delay=0.0):
    """The mock engine: answers `answer(request, sample_idx)` (by default "echo <i>: <the
    prompt's tail>") ending at the length limit, 7 prompt and 3 completion tokens; *fail*:
    every sample is that engine error; *raises*: every call raises it; *delay*: seconds per
    call. It records (requests, params) per call and the most calls ever at once."""
    answer = answer or (lambda r, i: f"echo {i}: {r.prompt_text[-20:]}")
    return MockEngine([Reply(error=fail)] if fail else [],
                      answer=lambda r, i, call: answer(r, i), raises=raises, delay=delay,
                      batch_size=4, prompt_tokens=7, completion_tokens=3,
                      finish_reason="length")


def client(served):
    return openai.OpenAI(base_url=served.base_url, api_key="none", max_retries=0, timeout=10)


@pytest.fixture
def echo():
    return echo_engine()


@pytest.fixture
def served(echo):
    with serve_engine(echo, "model-under-test") as s:
        yield s


def test_chat_round_trip_maps_messages_and_params(served, echo):
    out = client(served).chat.completions.create(
        model="whatever-alias", temperature=0, top_p=0.9, max_tokens=8, seed=5,
        messages=[{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": [{"type": "text", "text": "Hi "},
                                               {"type": "text", "text": "there"}]}])
    assert served.base_url.startswith("http://127.0.0.1:") and served.base_url.endswith("/v1")
    assert out.model == "model-under-test" and out.object == "chat.completion"
    [choice] = out.choices
    assert choice.index == 0 and choice.message.role == "assistant"
    assert choice.message.content.startswith("echo 0:") and choice.finish_reason == "length"
    assert out.usage.prompt_tokens == 7 and out.usage.completion_tokens == 3
    [(reqs, params)] = echo.calls
    assert reqs[0].messages == [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "Hi there"}]
    assert reqs[0].prompt is None
    assert (params.temperature, params.top_p, params.max_tokens, params.seed, params.n) == (
        0.0, 0.9, 8, 5, 1)
    assert served.requests_served == 1


def test_completion_round_trip_and_defaults(served, echo):
    out = client(served).completions.create(model="m", prompt="Once upon a time")
    assert out.object == "text_completion" and out.choices[0].text.startswith("echo 0:")
    [(reqs, params)] = echo.calls
    assert reqs[0].prompt == "Once upon a time" and reqs[0].messages is None
    assert params.temperature == 1.0 and params.max_tokens == 256  # OpenAI's temperature
    many = client(served).completions.create(model="m", prompt=["a", "b"], n=2)
    assert [c.index for c in many.choices] == [0, 1, 2, 3]
    assert many.usage.completion_tokens == 4 * 3


def test_n_choices_in_sample_order(served, echo):
    out = client(served).chat.completions.create(
        model="m", n=3, seed=10, messages=[{"role": "user", "content": "x"}])
    assert [c.index for c in out.choices] == [0, 1, 2]
    assert [c.message.content[:6] for c in out.choices] == ["echo 0", "echo 1", "echo 2"]
    assert echo.calls[0][1].n == 3 and echo.calls[0][1].seed == 10
    assert out.usage.prompt_tokens == 7 and out.usage.completion_tokens == 9


def test_stop_strings_cut_the_text():
    echo = echo_engine(answer=lambda r, i: "No.\nUser: and then\nmore")
    with serve_engine(echo, "m") as s:
        c = client(s)
        out = c.chat.completions.create(model="m", stop=["\nUser:", "zzz"],
                                        messages=[{"role": "user", "content": "x"}])
        assert out.choices[0].message.content == "No." and out.choices[0].finish_reason == "stop"
        out = c.completions.create(model="m", prompt="p", stop="and")
        assert out.choices[0].text == "No.\nUser: "
        out = c.completions.create(model="m", prompt="p", stop=["absent"])
        assert out.choices[0].text.endswith("more") and out.choices[0].finish_reason == "length"
    assert apply_stop("abcabc", ["c", "b"]) == ("a", True)
    assert apply_stop("abc", ["", "x"]) == ("abc", False)


def test_base_model_renders_the_conversation_as_a_prompt():
    echo = echo_engine()
    with serve_engine(echo, "base-model", kind="base") as s:
        client(s).chat.completions.create(model="m", messages=[
            {"role": "system", "content": "Judge."}, {"role": "user", "content": "Is it ok?"}])
    [(reqs, _)] = echo.calls
    assert reqs[0].messages is None
    assert reqs[0].prompt == "System: Judge.\n\nUser: Is it ok?\n\nAssistant:"
    assert render_base([{"role": "user", "content": "a"}, {"role": "assistant",
                                                            "content": "b"}]) == (
        "User: a\n\nAssistant: b\n\nAssistant:")
    with pytest.raises(ValueError, match="kind"):
        serve_engine(echo, "m", kind="instruct")


@pytest.mark.parametrize("engine", [echo_engine(fail="CUDA OOM"),
                                    echo_engine(raises=RuntimeError("boom"))],
                         ids=["generation-error", "raises"])
def test_engine_error_is_a_500_and_the_client_raises(engine):
    with serve_engine(engine, "m") as s:
        with pytest.raises(openai.InternalServerError) as info:
            client(s).chat.completions.create(model="m",
                                              messages=[{"role": "user", "content": "x"}])
        assert info.value.status_code == 500
        assert info.value.body["type"] == "server_error"
        assert "CUDA OOM" in info.value.body["message"] or "boom" in info.value.body["message"]
        assert s.requests_served == 1
        # and the server still answers afterwards
        assert client(s).models.list().data[0].id == "m"


def test_bad_requests_are_400_or_404(served):
    c = client(served)
    with pytest.raises(openai.BadRequestError, match="messages"):
        c.chat.completions.create(model="m", messages=[])
    with pytest.raises(openai.BadRequestError, match="streaming"):
        c.chat.completions.create(model="m", stream=True,
                                  messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.BadRequestError, match="'n'"):
        c.completions.create(model="m", prompt="p", n=0)
    with pytest.raises(openai.NotFoundError):
        c.embeddings.create(model="m", input="x")
    req = urllib.request.Request(served.base_url + "/completions", data=b"{not json",
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 400 and "not JSON" in json.loads(info.value.read())["error"][
        "message"]
    assert served.requests_served == 0  # none reached the engine


def test_models_lists_the_served_model(served):
    with urllib.request.urlopen(served.base_url + "/models", timeout=5) as r:
        body = json.loads(r.read())
    assert body["object"] == "list" and [m["id"] for m in body["data"]] == ["model-under-test"]
    assert served.model == "model-under-test"


def test_close_stops_serving_and_frees_the_port(echo):
    s = serve_engine(echo, "m")
    port = s.port
    client(s).models.list()
    s.close()
    s.close()  # twice is fine
    assert not s._thread.is_alive()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port),
                                                                         timeout=2):
        pass
    with socket.socket() as sock:  # a new server may take the port (as http.server would)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_concurrent_requests_are_serialised():
    echo = echo_engine(delay=0.05)
    with serve_engine(echo, "m") as s:
        errors = []

        def ask(k):
            try:
                client(s).completions.create(model="m", prompt=f"p{k}", max_tokens=4)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=ask, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert errors == [] and len(echo.calls) == 6 and s.requests_served == 6
    assert echo.max_active == 1
