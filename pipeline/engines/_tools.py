"""The engines' shared tool plumbing: offering tools a chat template cannot render, and
reading the calls back out of generated text.

Why here and not in each engine: llama.cpp and vLLM (offline) both return calls as text
(MACHINE.md: Qwen answered with a JSON object as *content*), and models whose template has
no `tools` (SmolLM2, every base model) need the tools written into the prompt. One rule for
both engines keeps a model's results comparable across them.
"""

from __future__ import annotations

import dataclasses

from pipeline.engines.base import Generation, GenerationRequest, Message


def template_renders_tools(chat_template: str | None) -> bool:
    """True when a chat template uses the `tools` variable (Qwen2.5, Llama 3.x, ...)."""
    return bool(chat_template) and "tools" in (chat_template or "")


def inline_tools(req: GenerationRequest) -> GenerationRequest:
    """The request with its tools written into the prompt text (system message for chat,
    a preamble for raw prompts) and `tools` cleared, for templates that cannot render them."""
    if not req.tools:
        return req
    from pipeline.engines.tool_calls import tools_as_text

    text = tools_as_text(req.tools)
    if req.messages is not None:
        msgs: list[Message] = [dict(m) for m in req.messages]  # type: ignore[misc]
        if msgs and msgs[0]["role"] == "system":
            msgs[0] = {"role": "system", "content": msgs[0]["content"] + "\n\n" + text}
        else:
            msgs.insert(0, {"role": "system", "content": text})
        return dataclasses.replace(req, messages=msgs, tools=None)
    return dataclasses.replace(req, prompt=f"{text}\n\n{req.prompt}", tools=None)


def with_tool_calls(gen: Generation, req: GenerationRequest) -> Generation:
    """Parse the calls out of a generation of a request that offered tools."""
    if not req.tools or gen.error is not None:
        return gen
    from pipeline.engines.tool_calls import parse_tool_calls

    known = [t["function"]["name"] for t in req.tools]
    return dataclasses.replace(gen, tool_calls=parse_tool_calls(gen.text, known=known))
