"""Task steps: what happens to a batch of cases between the experiment definition and the
scorer, declared by name in the experiment YAML (`steps: [prompt, use_tools, generate]`).

In the spirit of inspect_ai's solvers, but batch-shaped: every step receives the whole
batch, so `generate` hands the engine one batch per call (per turn, in a conversation) and
throughput stays that of the raw engine. A step may also check each case when the experiment
loads, so a case the task cannot run fails before any model does.

Built-in steps:

- ``prompt``: render the variant's templates into chat messages (chat models) or one plain
  prompt (base models).
- ``use_tools``: offer the tools the case names (`input.tools`, from the experiment's
  `tools:` file) through the engine's tool interface.
- ``generate``: one engine call for the batch; the samples become the case's output.
- ``conversation``: a multi-turn case (`input.messages`); the model answers every user
  message that has no scripted reply, each answer feeding the next turn. Replaces
  prompt + generate.
- ``execute``: run the code of each output against the case's hidden tests
  (`expected.tests`) in the sandbox.
- ``retrieve``: search the experiment's corpus for each case's query (`retrieval:` block)
  and hand the top k to the prompt as `passages`.
- ``guard``: the variant's guard judges query, passages and draft answer: allow or block.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config.experiment import Case, Experiment, Variant
from pipeline.engines.base import Engine, GenerationRequest, Message, SamplingParams
from pipeline.errors import ConfigError, display_path
from pipeline.registry import Registry
from pipeline.tasks.state import TaskState, Turn

if TYPE_CHECKING:
    from pipeline.config.models import ModelSpec
    from pipeline.sandbox import SandboxOptions


@dataclass(frozen=True)
class StepContext:
    """What every step may use: one run's experiment, variant, model, engine and sampling."""

    exp: Experiment
    variant: Variant
    model: ModelSpec
    engine: Engine
    params: SamplingParams
    sandbox: SandboxOptions | None = None
    scratch: dict[str, Any] = field(default_factory=dict)  # per-run state: a loaded guard


RunFn = Callable[[list[TaskState], StepContext], None]
CheckFn = Callable[[Experiment, Case, str], None]


@dataclass(frozen=True)
class Step:
    """A registered step. `check(exp, case, where)` raises ConfigError for a case the step
    cannot run; `where` is the case's "path:line", and the message goes on as
    `: key: case 'id': what is wrong` (the one error format, `pipeline.errors.located`)."""

    name: str
    run: RunFn
    check: CheckFn | None = None


steps: Registry[Step] = Registry("step")

DEFAULT_STEPS = ["prompt", "generate"]


def step(name: str, check: CheckFn | None = None) -> Callable[[RunFn], RunFn]:
    """Register a batch function as the step *name*."""

    def deco(fn: RunFn) -> RunFn:
        steps.register(name)(Step(name, fn, check))
        return fn

    return deco


def check_step_names(names: Sequence[str]) -> None:
    """Refuse unknown steps and tasks that generate nothing or twice over a conversation."""
    for n in names:
        if n not in steps:
            raise ValueError(steps.unknown_message(n))
    makes_output = {"generate", "conversation"}
    if not makes_output & set(names):
        raise ValueError("a task needs a step that generates: 'generate' or 'conversation'")
    if "conversation" in names and ({"prompt", "generate"} & set(names)):
        raise ValueError("'conversation' renders and generates every turn itself; use it "
                         "without 'prompt' and 'generate'")
    if "generate" in names and "prompt" not in names[:names.index("generate")]:
        raise ValueError("'generate' needs a 'prompt' step before it")
    if "execute" in names and names.index("execute") < max(
            names.index(n) for n in makes_output & set(names)):
        raise ValueError("'execute' runs the generated code: put it after the step that "
                         "generates")


def check_cases(exp: Experiment, case_file: Path, lines: dict[str, int]) -> None:
    """Run every step's case check, and render every variant for every case, at load time:
    a template that needs a key a case lacks fails here, before any model loads."""
    checks = [s.check for s in (steps.get(n) for n in exp.spec.steps) if s.check]
    # a prompt that shows retrieved passages is rendered with stand-ins at load time
    renders = "prompt" in exp.spec.steps
    extra = {"passages": []} if "retrieve" in exp.spec.steps else None
    for case in exp.cases:
        line = lines.get(case.id)
        where = display_path(case_file) + (f":{line}" if line else "")
        for check in checks:
            check(exp, case, where)
        if renders:
            for variant in exp.spec.variants:
                exp.render(variant, case, extra)


def run_task(states: list[TaskState], ctx: StepContext) -> None:
    """Run the experiment's steps, in order, over one batch."""
    for name in ctx.exp.spec.steps:
        steps.get(name).run(states, ctx)


# -- prompt ------------------------------------------------------------------------------------


def plain_prompt(system: str | None, user: str, suffix: str) -> str:
    """A base model's prompt: what a chat model gets as messages, as one text."""
    return (f"{system}\n\n" if system else "") + user + suffix


@step("prompt")
def _prompt(states: list[TaskState], ctx: StepContext) -> None:
    for st in states:
        system, user = ctx.exp.render(ctx.variant, st.case, st.context)
        if ctx.model.kind == "chat":
            st.messages = ([{"role": "system", "content": system}] if system else [])
            st.messages.append({"role": "user", "content": user})
        else:
            st.prompt = plain_prompt(system, user, ctx.variant.base_suffix)
        if system:
            st.transcript.append(Turn(role="system", content=system, generated=False))
        st.transcript.append(Turn(role="user", content=user, generated=False))


# -- use_tools ---------------------------------------------------------------------------------


def _check_tools(exp: Experiment, case: Case, where: str) -> None:
    names = case.input.get("tools")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{where}: input.tools: case {case.id!r}: "
                          f"expected a non-empty list of tool names")
    if not exp.tools:
        raise ConfigError(f"{where}: input.tools: case {case.id!r}: "
                          f"the case offers tools but {exp.path} has no 'tools:' file")
    missing = [n for n in names if n not in exp.tools]
    if missing:
        raise ConfigError(
            f"{where}: input.tools: case {case.id!r}: "
            f"names {', '.join(map(repr, missing))}, not in "
            f"{exp.spec.tools}; tools defined there: {', '.join(sorted(exp.tools))}")


@step("use_tools", check=_check_tools)
def _use_tools(states: list[TaskState], ctx: StepContext) -> None:
    for st in states:
        st.tools = ctx.exp.tools_for(st.case)
        # the definitions themselves: the engine renders them (template or prompt text), so
        # the stored prompt shows the messages, and this turn what was offered with them
        st.transcript.append(Turn(
            role="tools", generated=False,
            content="Tools offered: " + ", ".join(t["function"]["name"] for t in st.tools)
            + "\n\n" + json.dumps(st.tools, indent=1, ensure_ascii=False)))


# -- generate ----------------------------------------------------------------------------------


def _request(st: TaskState, ctx: StepContext, messages: list[Message] | None = None,
             prompt: str | None = None) -> GenerationRequest:
    schema = ctx.exp.schema_for(st.case) if ctx.variant.constrained else None
    choices = tuple(ctx.variant.choices) if ctx.variant.choices else None
    if messages is None and prompt is None:
        messages, prompt = st.messages, st.prompt
    return GenerationRequest(st.case.id, messages=messages, prompt=prompt, json_schema=schema,
                             choices=choices, tools=st.tools)


def _assistant_turn(text: str, gen: Any) -> Turn:
    turn = Turn(role="assistant", content=text, generated=True,
                finish_reason=gen.finish_reason)
    if gen.tool_calls:
        turn["tool_calls"] = list(gen.tool_calls)
    if gen.error:
        turn["error"] = gen.error
    return turn


@step("generate")
def _generate(states: list[TaskState], ctx: StepContext) -> None:
    live = [st for st in states if st.error is None]
    if not live:
        return
    reqs = [_request(st, ctx) for st in live]
    for st, req, samples in zip(live, reqs, ctx.engine.generate(reqs, ctx.params), strict=True):
        st.first_request = st.first_request or req
        st.samples = list(samples)
        st.transcript.append(_assistant_turn(samples[0].text, samples[0]))


# -- conversation ------------------------------------------------------------------------------


def _check_conversation(exp: Experiment, case: Case, where: str) -> None:
    msgs = case.input.get("messages")
    if not isinstance(msgs, list) or not msgs:
        raise ConfigError(f"{where}: input.messages: case {case.id!r}: "
                          f"expected a non-empty list of "
                          '{"role", "content"} objects')
    for i, m in enumerate(msgs):
        if (not isinstance(m, dict) or set(m) != {"role", "content"}
                or not isinstance(m["content"], str)):
            raise ConfigError(f"{where}: input.messages[{i}]: case {case.id!r}: "
                              f"expected an object with "
                              "exactly 'role' and 'content' (a string)")
        if m["role"] not in ("system", "user", "assistant"):
            raise ConfigError(f"{where}: input.messages[{i}].role: case {case.id!r}: "
                              f"{m['role']!r} is not "
                              "one of system, user, assistant")
    # The model's replies fill the gaps after user messages with no scripted reply, so the
    # conversation alternates once they are in: it opens and ends with a user message, and
    # no two assistant messages follow each other.
    first = 1 if msgs[0]["role"] == "system" else 0
    body = msgs[first:]
    if not body or body[0]["role"] != "user":
        raise ConfigError(f"{where}: input.messages[{first}].role: case {case.id!r}: "
                          f"roles must alternate "
                          "user, assistant, ... after an optional first system message; the "
                          f"conversation must open with a user message, found "
                          f"{body[0]['role'] if body else 'nothing'!r}")
    for i in range(first + 1, len(msgs)):
        if msgs[i]["role"] == "system":
            raise ConfigError(f"{where}: input.messages[{i}].role: case {case.id!r}: "
                              f"a system message may "
                              "only come first")
        if msgs[i]["role"] == "assistant" and msgs[i - 1]["role"] == "assistant":
            raise ConfigError(f"{where}: input.messages[{i}].role: case {case.id!r}: "
                              f"roles do not alternate: "
                              "two assistant messages in a row")
    if body[-1]["role"] != "user":
        raise ConfigError(f"{where}: input.messages: case {case.id!r}: "
                          f"the conversation must end with a user "
                          "message (the model answers it)")


def conversation_rounds(messages: Sequence[dict[str, str]]) -> list[int]:
    """Indices of the user messages the model answers: those with no scripted reply."""
    return [i for i, m in enumerate(messages) if m["role"] == "user"
            and (i + 1 == len(messages) or messages[i + 1]["role"] != "assistant")]


def _plain_conversation(history: Iterable[Message]) -> str:
    """A base model's view of a conversation: labelled turns, ending at the assistant's cue."""
    names = {"system": "System", "user": "User", "assistant": "Assistant"}
    return "".join(f"{names[m['role']]}: {m['content']}\n\n" for m in history) + "Assistant:"


@step("conversation", check=_check_conversation)
def _conversation(states: list[TaskState], ctx: StepContext) -> None:
    """Lockstep over the batch: round r sends every conversation that has an r-th answered
    turn, as one engine call, so a batch of 40 four-turn cases is four calls of 40."""
    params = ctx.params
    plans: dict[int, tuple[list[dict[str, str]], list[int]]] = {}
    history: dict[int, list[Message]] = {}
    cursor: dict[int, int] = {}
    for k, st in enumerate(states):
        msgs = [dict(m) for m in st.case.input["messages"]]
        system = ctx.exp.render(ctx.variant, st.case)[0] if ctx.variant.system else None
        if system and msgs[0]["role"] != "system":
            msgs.insert(0, {"role": "system", "content": system})
        plans[k] = (msgs, conversation_rounds(msgs))
        history[k] = []
        cursor[k] = 0
    n_rounds = max(len(rounds) for _, rounds in plans.values())
    for r in range(n_rounds):
        todo = [k for k, st in enumerate(states)
                if st.error is None and r < len(plans[k][1])]
        if not todo:
            break
        reqs: list[GenerationRequest] = []
        for k in todo:
            msgs, rounds = plans[k]
            for m in msgs[cursor[k]:rounds[r] + 1]:  # the given messages up to this turn
                history[k].append({"role": m["role"], "content": m["content"]})  # type: ignore[typeddict-item]
                states[k].transcript.append(Turn(role=m["role"], content=m["content"],  # type: ignore[typeddict-item]
                                                 generated=False))
            cursor[k] = rounds[r] + 1
            st = states[k]
            if ctx.model.kind == "chat":
                req = _request(st, ctx, messages=list(history[k]))
            else:
                req = _request(st, ctx, prompt=_plain_conversation(history[k]))
            st.first_request = st.first_request or req
            reqs.append(req)
        gens = ctx.engine.generate(reqs, params)
        for k, samples in zip(todo, gens, strict=True):
            st, gen = states[k], samples[0]
            for prev in st.samples:  # tokens of earlier turns count towards the case
                st.prompt_tokens += prev.prompt_tokens or 0
                st.completion_tokens += prev.completion_tokens or 0
                st.latency_s += prev.latency_s
            st.samples = [gen]
            st.transcript.append(_assistant_turn(gen.text, gen))
            if gen.error is not None:
                st.error = gen.error
                continue
            history[k].append({"role": "assistant", "content": gen.text})


# -- execute -----------------------------------------------------------------------------------


def _check_execute(exp: Experiment, case: Case, where: str) -> None:
    exp_ = case.expected
    if not isinstance(exp_, dict):
        raise ConfigError(f"{where}: expected: case {case.id!r}: a code case needs an object with "
                          "'entry_point' and 'tests'")
    if not isinstance(exp_.get("entry_point"), str) or not exp_["entry_point"]:
        raise ConfigError(f"{where}: expected.entry_point: case {case.id!r}: "
                          f"expected the name of the "
                          "function under test")
    tests = exp_.get("tests")
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
        raise ConfigError(f"{where}: expected.tests: case {case.id!r}: "
                          f"a code case needs at least one test "
                          "(a list of assert statements)")


@step("execute", check=_check_execute)
def _execute(states: list[TaskState], ctx: StepContext) -> None:
    from pipeline.sandbox import SandboxOptions
    from pipeline.tasks.code_exec import extract_code, run_tests

    options = ctx.sandbox or SandboxOptions(timeout_s=10, memory_mb=512)
    for st in states:
        entry, tests = st.case.expected["entry_point"], st.case.expected["tests"]
        st.executions = []
        for gen in st.samples:
            if gen.error is not None:
                st.executions.append(None)
                continue
            result = run_tests(extract_code(gen.text, entry), tests, entry, options)
            st.executions.append(result)
        if st.executions and st.executions[0] is not None:
            st.transcript.append(st.executions[0].as_turn())


# -- retrieve ----------------------------------------------------------------------------------


def _check_retrieve(exp: Experiment, case: Case, where: str) -> None:
    key = exp.spec.retrieval.query_field if exp.spec.retrieval else "query"
    if not isinstance(case.input.get(key), str) or not case.input[key].strip():
        raise ConfigError(f"{where}: input.{key}: case {case.id!r}: "
                          f"expected the query to retrieve for "
                          "(a non-empty string)")


@step("retrieve", check=_check_retrieve)
def _retrieve(states: list[TaskState], ctx: StepContext) -> None:
    """Top k passages per case, one batched search; the retriever is built once per run."""
    from pipeline.retrieval import retriever_by_name

    cfg = ctx.exp.spec.retrieval
    assert cfg is not None  # ExperimentFile refuses a retrieve step without it
    retriever = ctx.scratch.get("retriever")
    if retriever is None:
        retriever = ctx.scratch["retriever"] = retriever_by_name(cfg.retriever,
                                                                 ctx.exp.passages)
    by_id = {p.id: p for p in ctx.exp.passages}
    hits = retriever.search([st.case.input[cfg.query_field] for st in states], k=cfg.k)
    for st, found in zip(states, hits, strict=True):
        passages = [by_id[h.passage_id] for h in found]
        st.retrieved = [p.id for p in passages]
        st.context["passages"] = [{"id": p.id, "title": p.title, "text": p.text}
                                  for p in passages]
        st.transcript.append(Turn(
            role="retrieval", generated=False,
            content="\n\n".join(f"[{p.id}] {p.title}: {p.text}" for p in passages)
            or "(no passage found)"))


# -- guard -------------------------------------------------------------------------------------


@step("guard")
def _guard(states: list[TaskState], ctx: StepContext) -> None:
    """The variant's guard judges every sample's draft; a blocked draft stays stored (the
    reader sees what was stopped), the verdict decides what the user would have got."""
    from pipeline.guards import GuardContext, GuardInput, guards

    guard = ctx.scratch.get("guard")
    if guard is None:
        name = ctx.variant.guard
        assert name is not None  # ExperimentFile requires it with a guard step
        guard = ctx.scratch["guard"] = guards.get(name)(GuardContext(
            rules=ctx.exp.rules, engine=ctx.engine, model_kind=ctx.model.kind,
            params=ctx.params))
    key = ctx.exp.spec.retrieval.query_field if ctx.exp.spec.retrieval else "query"
    items, owners = [], []
    for st in states:
        passages = tuple(p["text"] for p in st.context.get("passages", []))
        for i, gen in enumerate(st.samples):
            if gen.error is None:
                items.append(GuardInput(st.case.id, st.case.input[key], passages, gen.text))
                owners.append((st, i))
        st.verdicts = [None] * len(st.samples)
    for (st, i), verdict in zip(owners, guard.check(items), strict=True):
        st.verdicts[i] = verdict
    for st in states:
        v = st.verdicts[0] if st.verdicts else None
        if v is not None:
            st.transcript.append(Turn(
                role="guard", generated=False,
                content=(f"{'BLOCK' if v.block else 'allow'} · tier {v.tier or '-'} · rules "
                         f"{', '.join(v.rules) or '-'} · {v.latency_s * 1000:.0f} ms"
                         + (f"\n{v.detail}" if v.detail else ""))))
