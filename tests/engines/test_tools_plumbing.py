"""Tools through each engine's own interface, at the seam (no model): vLLM (a fake `vllm`,
extending tests/engines/test_vllm_seam.py's), llama.cpp (a fake `Llama`), and an
OpenAI-compatible server (tests/engines/test_openai_compat.py's scripted HTTP server).

What is pinned down: tools go to the template (`tools=`) when it renders them, else into the
prompt; vLLM renders a chat request with tools through the chat template itself and sends
the token ids, so requests offering different tools still go in one batched call; the calls
come back in `Generation.tool_calls`, from the server's parser or from the text.
"""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest
import test_vllm_seam as seam

from pipeline.engines import GenerationRequest, SamplingParams
from pipeline.engines import vllm as veng
from pipeline.engines._tools import inline_tools, template_renders_tools
from pipeline.engines.llama_cpp import LlamaCppEngine
from pipeline.engines.tool_calls import tools_as_text


def _tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": name, "description": f"the {name} tool",
        "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}}


ALPHA, BETA = [_tool("alpha")], [_tool("beta")]
CALL = '<tool_call>{"name": "alpha", "arguments": {"x": 1}}</tool_call>'
TOOLS_TEMPLATE = "{% if tools %}{{ tools | tojson }}{% endif %}{{ messages }}"


def chat(text: str, system: str | None = None) -> list[dict[str, str]]:
    return ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": text}]


def test_template_renders_tools_and_inline_tools():
    assert template_renders_tools(TOOLS_TEMPLATE)
    assert not template_renders_tools("{{ messages }}") and not template_renders_tools(None)
    req = GenerationRequest("r", messages=chat("hi", system="Be brief."), tools=ALPHA)
    inl = inline_tools(req)
    assert inl.tools is None and inl.messages[1] == {"role": "user", "content": "hi"}
    assert inl.messages[0] == {"role": "system",
                               "content": "Be brief.\n\n" + tools_as_text(ALPHA)}
    assert req.messages[0]["content"] == "Be brief."  # the caller's request is unchanged
    assert inline_tools(GenerationRequest("r", messages=chat("hi"), tools=ALPHA)).messages[0] \
        == {"role": "system", "content": tools_as_text(ALPHA)}
    raw = inline_tools(GenerationRequest("r", prompt="Q:", tools=ALPHA))
    assert raw.prompt == tools_as_text(ALPHA) + "\n\nQ:" and raw.tools is None


# -- vLLM ---------------------------------------------------------------------------------------

class ToolTokenizer(seam.FakeTokenizer):
    chat_template = TOOLS_TEMPLATE

    def __init__(self, template: str) -> None:
        self.chat_template = template
        self.tools_seen: list[Any] = []

    def apply_chat_template(self, messages, tokenize: bool = False,
                            add_generation_prompt: bool = False, tools: Any = None):
        self.tools_seen.append(tools)
        if tokenize:  # "token ids": the code points of the last message, tools named first
            names = ",".join(t["function"]["name"] for t in tools or [])
            return [ord(c) for c in f"{names}|{messages[-1]['content']}"]
        return super().apply_chat_template(messages, tokenize, add_generation_prompt)


@dataclass
class ToolLLM(seam.FakeLLM):
    """FakeLLM whose `chat` takes `tools=` (as vllm.LLM.chat does), recorded per call."""

    template: str = TOOLS_TEMPLATE
    tools: list[Any] = field(default_factory=list)
    tokenizer: ToolTokenizer | None = None

    def get_tokenizer(self) -> ToolTokenizer:
        self.tokenizer = ToolTokenizer(self.template)
        return self.tokenizer

    def chat(self, messages, sampling_params=None, lora_request=None, use_tqdm=True,
             tools=None):
        self.tools.append(tools)
        return self._answer("chat", messages, sampling_params, lora_request)

    def generate(self, prompts, sampling_params=None, lora_request=None, use_tqdm=True):
        # token-id prompts (chat with tools) decode back to "names|text"; the reply echoes text
        texts = [p if isinstance(p, str) else "".join(map(chr, p["prompt_token_ids"]))
                 for p in prompts]
        self.token_prompts = getattr(self, "token_prompts", []) + [
            t for p, t in zip(prompts, texts, strict=True) if not isinstance(p, str)]
        return self._answer("generate", [t.split("|", 1)[-1] for t in texts],
                            sampling_params, lora_request)


@pytest.fixture
def tool_vllm(monkeypatch):
    """A fake `vllm` whose LLM is a ToolLLM; `made[0].template` is set by `template`."""
    made: list[ToolLLM] = []
    template = {"value": TOOLS_TEMPLATE}

    def LLM(**kwargs):  # noqa: N802 - stands in for the class vllm.LLM
        made.append(ToolLLM(kwargs, template=template["value"]))
        return made[-1]

    root = types.ModuleType("vllm")
    root.__version__ = "0.0-fake"
    root.LLM = LLM
    root.SamplingParams = seam.FakeSamplingParams
    sp_mod = types.ModuleType("vllm.sampling_params")
    sp_mod.StructuredOutputsParams = seam.FakeStructured
    lora_pkg = types.ModuleType("vllm.lora")
    lora_mod = types.ModuleType("vllm.lora.request")
    lora_mod.LoRARequest = seam.FakeLoRARequest
    for name, mod in {"vllm": root, "vllm.sampling_params": sp_mod, "vllm.lora": lora_pkg,
                      "vllm.lora.request": lora_mod}.items():
        monkeypatch.setitem(sys.modules, name, mod)
    return made, template


def test_vllm_batches_requests_with_different_tools_in_one_call(tool_vllm):
    made, _ = tool_vllm
    eng = veng.VLLMEngine(seam.spec(max_model_len=4096))
    reqs = [GenerationRequest("a1", messages=chat("first"), tools=ALPHA),
            GenerationRequest("b", messages=chat("second"), tools=BETA),
            GenerationRequest("none", messages=chat("third")),
            GenerationRequest("a2", messages=chat("fourth"), tools=ALPHA)]
    out = eng.generate(reqs, SamplingParams())
    llm = made[0]
    # one generate call for every request with tools, whatever its tools; chat for the rest
    assert [(kind, len(prompts)) for kind, prompts, _, _ in llm.calls] == [
        ("chat", 1), ("generate", 3)]
    assert llm.tools == [None]  # LLM.chat never gets tools=
    # each request's own tools were rendered by the chat template into its token ids
    assert sorted(llm.token_prompts) == ["alpha|first", "alpha|fourth", "beta|second"]
    # the prompt length is counted with the tools rendered
    assert sorted(map(json.dumps, [t for t in llm.tokenizer.tools_seen])) == sorted(
        map(json.dumps, [ALPHA, BETA, None, ALPHA, ALPHA, BETA, ALPHA]))
    assert [[g.text for g in s] for s in out] == [["first|seed=0"], ["second|seed=0"],
                                                   ["third|seed=0"], ["fourth|seed=0"]]
    # tools offered, no call written: an empty list; nothing offered: None
    assert [s[0].tool_calls for s in out] == [[], [], None, []]


def test_vllm_parses_tool_calls_out_of_the_text(tool_vllm):
    eng = veng.VLLMEngine(seam.spec(max_model_len=4096))
    [[g], [plain]] = eng.generate([GenerationRequest("a", messages=chat(CALL), tools=ALPHA),
                                   GenerationRequest("b", messages=chat(CALL))],
                                  SamplingParams())
    assert g.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]
    assert plain.tool_calls is None  # no tools offered: nothing parsed


def test_vllm_inlines_tools_when_the_template_cannot_render_them(tool_vllm):
    made, template = tool_vllm
    template["value"] = "{{ messages }}"
    eng = veng.VLLMEngine(seam.spec(max_model_len=4096))
    [[g]] = eng.generate([GenerationRequest("a", messages=chat(CALL, system="Sys."),
                                            tools=ALPHA)], SamplingParams())
    llm = made[0]
    assert llm.tools == [None]  # no tools= kwarg
    [(_, [messages], _, _)] = llm.calls
    assert messages[0] == {"role": "system", "content": "Sys.\n\n" + tools_as_text(ALPHA)}
    assert messages[1:] == chat(CALL)
    assert llm.tokenizer.tools_seen == [None]
    assert g.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]


def test_vllm_raw_prompts_get_the_tools_written_in(tool_vllm):
    made, _ = tool_vllm
    eng = veng.VLLMEngine(seam.spec(kind="base", max_model_len=4096))
    [[g]] = eng.generate([GenerationRequest("a", prompt=CALL, tools=ALPHA)], SamplingParams())
    [(kind, [prompt], _, _)] = made[0].calls
    assert kind == "generate" and prompt == tools_as_text(ALPHA) + "\n\n" + CALL
    assert g.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]


def test_vllm_retries_a_rejected_tools_batch_one_by_one(tool_vllm):
    made, _ = tool_vllm
    eng = veng.VLLMEngine(seam.spec(max_model_len=4096))
    made[0].reject = "poison"
    [[bad], [ok]] = eng.generate([GenerationRequest("p", messages=chat("poison"), tools=ALPHA),
                                  GenerationRequest("q", messages=chat(CALL), tools=BETA)],
                                 SamplingParams())
    assert bad.error and ok.error is None
    # BETA was offered; the reply calls alpha: parsed all the same, the scorer judges it
    assert ok.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]
    assert [len(prompts) for _, prompts, _, _ in made[0].calls] == [2, 1, 1]


# -- llama.cpp ----------------------------------------------------------------------------------

class FakeLlama:
    def __init__(self, template: str | None) -> None:
        self.metadata = {"tokenizer.chat_template": template} if template else {}
        self.chat_calls: list[dict[str, Any]] = []
        self.completion_calls: list[dict[str, Any]] = []

    def create_chat_completion(self, messages, grammar=None, **kwargs):
        self.chat_calls.append({"messages": messages, **kwargs})
        return {"choices": [{"message": {"content": messages[-1]["content"]},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 4, "completion_tokens": 2}}

    def create_completion(self, prompt, grammar=None, **kwargs):
        self.completion_calls.append({"prompt": prompt, **kwargs})
        return {"choices": [{"text": CALL, "finish_reason": "stop"}], "usage": {}}


def llama_engine(template: str | None) -> LlamaCppEngine:
    eng = LlamaCppEngine.__new__(LlamaCppEngine)  # no GGUF: only the generation path
    eng._llm = FakeLlama(template)
    eng._llama_cpp = None
    eng._grammar_ok = {}
    return eng


def test_llama_cpp_passes_tools_to_a_template_that_renders_them():
    eng = llama_engine(TOOLS_TEMPLATE)
    [[g], [plain]] = eng.generate([GenerationRequest("a", messages=chat(CALL), tools=ALPHA),
                                   GenerationRequest("b", messages=chat("hi"))],
                                  SamplingParams())
    first, second = eng._llm.chat_calls
    assert first["tools"] == ALPHA and first["messages"] == chat(CALL)
    assert "tools" not in second
    assert g.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]
    assert plain.tool_calls is None


@pytest.mark.parametrize("template", ["{{ messages }}", None])
def test_llama_cpp_inlines_tools_for_a_template_without_them(template):
    eng = llama_engine(template)
    [[g]] = eng.generate([GenerationRequest("a", messages=chat(CALL), tools=ALPHA)],
                         SamplingParams())
    [sent] = eng._llm.chat_calls
    assert "tools" not in sent
    assert sent["messages"] == [{"role": "system", "content": tools_as_text(ALPHA)},
                                *chat(CALL)]
    assert g.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]
    [[raw]] = eng.generate([GenerationRequest("r", prompt="Q:", tools=ALPHA)], SamplingParams())
    assert eng._llm.completion_calls[0]["prompt"] == tools_as_text(ALPHA) + "\n\nQ:"
    assert raw.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]


# -- OpenAI-compatible server -------------------------------------------------------------------

def _openai():
    pytest.importorskip("openai")
    import test_openai_compat as oc

    return oc


@pytest.fixture
def server(monkeypatch):
    """A scripted server (replies from `answer(body)`) and an engine pointed at it."""
    oc = _openai()
    monkeypatch.delenv("LLMX_OPENAI_BASE_URL", raising=False)
    made: list[Any] = []

    def make(answer):
        def reply(path: str, body: dict[str, Any], call: int):
            return 200, {}, answer(path, body), 0.0

        srv = oc.FakeServer(reply)
        from pipeline.config.models import ModelSpec, OpenAISource, Weights
        from pipeline.engines import load_engine

        spec = ModelSpec(id="m", name="m", family="Test", params=1, kind="chat",
                         weights=Weights(openai=OpenAISource(base_url=srv.url, model="served",
                                                             max_retries=0)))
        eng = load_engine("openai", spec)
        made.extend([srv, eng])
        return srv, eng

    yield make
    for thing in made:
        thing.close()


def with_tool_calls(calls: list[dict[str, Any]], content: str | None = None):
    def answer(path: str, body: dict[str, Any]) -> dict[str, Any]:
        out = _openai().ok_body(path, content or "")
        if path.endswith("/chat/completions"):
            out["choices"][0]["message"]["content"] = content
            if calls:
                out["choices"][0]["message"]["tool_calls"] = calls
                out["choices"][0]["finish_reason"] = "tool_calls"
        return out
    return answer


def _wire(name: str, arguments: str) -> dict[str, Any]:
    return {"id": f"call_{name}", "type": "function",
            "function": {"name": name, "arguments": arguments}}


def test_openai_sends_tools_and_reads_the_servers_tool_calls(server):
    srv, eng = server(with_tool_calls([_wire("alpha", '{"x": 1}'), _wire("beta", "x=2")]))
    [[g], [plain]] = eng.generate([GenerationRequest("a", messages=chat("call"), tools=ALPHA),
                                   GenerationRequest("b", messages=chat("hi"))],
                                  SamplingParams())
    bodies = {b["messages"][-1]["content"]: b for b in srv.bodies()}
    assert bodies["call"]["tools"] == ALPHA and "tools" not in bodies["hi"]
    assert bodies["call"]["messages"] == chat("call")  # not inlined: the server renders them
    # JSON-string arguments decoded; arguments that are not a JSON object kept as given
    assert g.tool_calls == [{"name": "alpha", "arguments": {"x": 1}},
                            {"name": "beta", "arguments": "x=2"}]
    assert g.text == "" and g.error is None and g.finish_reason == "tool_calls"
    assert plain.tool_calls is None


def test_openai_reads_calls_from_the_text_when_the_server_has_no_tool_parser(server):
    _, eng = server(with_tool_calls([], content=CALL))
    [[g]] = eng.generate([GenerationRequest("a", messages=chat("call"), tools=ALPHA)],
                         SamplingParams())
    assert g.text == CALL and g.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]


def test_openai_completions_get_the_tools_written_into_the_prompt(server):
    srv, eng = server(lambda path, body: _openai().ok_body(path, CALL))
    [[g]] = eng.generate([GenerationRequest("a", prompt="Q:", tools=ALPHA)], SamplingParams())
    [(path, _, body)] = srv.requests
    assert path.endswith("/completions") and "tools" not in body
    assert body["prompt"] == tools_as_text(ALPHA) + "\n\nQ:"
    assert g.tool_calls == [{"name": "alpha", "arguments": {"x": 1}}]
