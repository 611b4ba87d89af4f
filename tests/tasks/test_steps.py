"""Task steps through the runner, at the engine seam (the mock engine, recording every
call): conversations in lockstep, tools offered and their calls scored, code executed in the
real sandbox, the default task unchanged (run ids, stored columns), and several experiments
sharing one loaded model.

The transcripts checked are the ones the runner stored in its DuckDB file, read back.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from helpers import ROOT, TINY, model, query
from pipeline.config.experiment import Experiment
from pipeline.config.models import ModelRegistry, ModelSpec
from pipeline.engines import EngineInfo, Generation, GenerationRequest
from pipeline.engines.mock import MockEngine
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment
from pipeline.runner import RunOptions, build_request, run_experiment, run_experiments
from pipeline.sandbox import SandboxUnavailable
from pipeline.scoring.base import Metric, Score, ScoringContext, scorer
from pipeline.store import RunSpec
from pipeline.tasks.steps import DEFAULT_STEPS, conversation_rounds

# -- a recording scorer and a scripted engine ---------------------------------------------------

SEEN: list[tuple[str, str, ScoringContext]] = []


@scorer("test_steps_record", [Metric("seen", "the scorer was called")])
def _record(case, output: str, ctx: ScoringContext) -> Score:
    SEEN.append((case.id, output, ctx))
    return Score(passed=True, metrics={"seen": 1.0})


@pytest.fixture(autouse=True)
def _fresh_seen():
    SEEN.clear()
    yield
    SEEN.clear()


Answer = Callable[[GenerationRequest, int, int], Generation]


def echo(req: GenerationRequest, call: int, i: int) -> Generation:
    """'<case>#<call>': which case, and which engine call answered it."""
    return Generation(req.request_id, i, f"{req.request_id}#{call}", 10, 3, 0.01, "stop")


def mock(answer: Answer = echo, name: str = "fake") -> MockEngine:
    """The mock engine, answering through `answer(request, call, sample)`; it records each
    call's requests (`calls`, `batches`, `requests`) and how often it was closed."""
    return MockEngine(answer=lambda r, i, call: answer(r, call, i), name=name)


def exp_yaml(experiment_id: str, steps: str, variant: str, *, max_tokens: int = 16,
             tools: bool = False) -> str:
    """A test experiment for one chat model, scored by the recording scorer: *steps* (the YAML
    list's items) and one variant (*variant*: its name and any keys below it, indented)."""
    return (f"id: {experiment_id}\nversion: 1\ntitle: {experiment_id}\ncases: cases.jsonl\n"
            + ("tools: tools.json\n" if tools else "")
            + f"scorer: test_steps_record\nsteps: [{steps}]\nmodels: [m-chat]\n"
            f"sampling: {{temperature: 0.0, max_tokens: {max_tokens}, seed: 0, n: 1}}\n"
            f"variants:\n  - name: {variant}\n")


def write_exp(d: Path, yaml: str, cases: list[dict[str, Any]],
              files: dict[str, str] | None = None) -> Experiment:
    d.mkdir(parents=True, exist_ok=True)
    (d / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    for name, text in (files or {}).items():
        (d / name).write_text(text)
    (d / "experiment.yaml").write_text(yaml)
    return load_experiment(d / "experiment.yaml")


def run(exp: Experiment, db: Path, eng: MockEngine, models: list[ModelSpec], **kw: Any):
    return run_experiment(exp, ModelRegistry(models), db, RunOptions(
        models=[m.id for m in models], engine_loader=lambda name, spec: eng, progress=False,
        log=lambda s: None, **kw))


def transcripts(db: Path) -> dict[str, list[dict[str, Any]]]:
    return {c: json.loads(t) for c, t in query(db, "SELECT case_id, transcript FROM results")}


def msgs(*pairs: str) -> list[dict[str, str]]:
    """msgs('user', 'hi', 'assistant', 'hello') -> the message list."""
    return [{"role": r, "content": c} for r, c in zip(pairs[::2], pairs[1::2], strict=True)]


# -- conversation -------------------------------------------------------------------------------

CONV_YAML = exp_yaml("conv_test", "conversation", "as_given")

CONV_CASES = [
    # three answered turns, opening with a system message
    {"id": "c1", "input": {"messages": msgs("system", "S", "user", "a1", "user", "a2",
                                            "user", "a3")}},
    # the first user message has a scripted reply: one generated turn only
    {"id": "c2", "input": {"messages": msgs("user", "b1", "assistant", "B scripted",
                                            "user", "b2")}},
    {"id": "c3", "input": {"messages": msgs("user", "x1", "user", "x2")}},
    # fails in round 2 (the engine's second call)
    {"id": "c4", "input": {"messages": msgs("user", "d1", "user", "d2", "user", "d3")}},
]


def conv_answer(req: GenerationRequest, call: int, i: int) -> Generation:
    if req.request_id == "c4" and call == 1:
        return Generation.failed(req.request_id, i, "boom", 0.5)
    return echo(req, call, i)


def test_conversation_rounds_skip_user_messages_with_scripted_replies():
    assert conversation_rounds(CONV_CASES[0]["input"]["messages"]) == [1, 2, 3]
    assert conversation_rounds(CONV_CASES[1]["input"]["messages"]) == [2]


def test_conversation_runs_in_lockstep_and_stores_the_whole_transcript(tmp_path):
    exp = write_exp(tmp_path / "exp", CONV_YAML, CONV_CASES)
    eng = mock(conv_answer)
    db = tmp_path / "r.duckdb"
    [s] = run(exp, db, eng, [model("m-chat")])
    assert (s.written, s.errors, s.complete) == (4, 1, True)

    # one engine call per round, each with every case still having that round
    assert eng.batches == [["c1", "c2", "c3", "c4"], ["c1", "c3", "c4"], ["c1"]]
    first, second, third = (call.requests for call in eng.calls)
    # the scripted assistant message is sent as given, not generated
    assert first[1].messages == msgs("user", "b1", "assistant", "B scripted", "user", "b2")
    assert first[0].messages == msgs("system", "S", "user", "a1")
    # each answer feeds the next turn
    assert second[0].messages == msgs("system", "S", "user", "a1", "assistant", "c1#0",
                                      "user", "a2")
    assert third[0].messages == msgs("system", "S", "user", "a1", "assistant", "c1#0",
                                     "user", "a2", "assistant", "c1#1", "user", "a3")
    assert all(r.prompt is None for r in eng.requests)

    t = transcripts(db)
    assert [(m["role"], m["content"], m["generated"]) for m in t["c1"]] == [
        ("system", "S", False), ("user", "a1", False), ("assistant", "c1#0", True),
        ("user", "a2", False), ("assistant", "c1#1", True), ("user", "a3", False),
        ("assistant", "c1#2", True)]
    assert all(m["finish_reason"] == "stop" for m in t["c1"] if m["generated"])
    assert [(m["role"], m["content"], m["generated"]) for m in t["c2"]] == [
        ("user", "b1", False), ("assistant", "B scripted", False), ("user", "b2", False),
        ("assistant", "c2#0", True)]
    # the failed case: its transcript ends at the error, round 3 was never sent
    assert [(m["role"], m["content"]) for m in t["c4"]] == [
        ("user", "d1"), ("assistant", "c4#0"), ("user", "d2"), ("assistant", "")]
    assert t["c4"][-1]["error"] == "boom" and t["c4"][-1]["generated"] is True

    rows = {r[0]: r[1:] for r in query(
        db, "SELECT case_id, raw_output, error, failure_mode, passed, prompt_tokens, "
            "completion_tokens, round(latency_ms), prompt FROM results")}
    # tokens and latency are summed over the case's turns
    assert rows["c1"][:7] == ("c1#2", None, None, True, 30, 9, 30)
    assert rows["c2"][:7] == ("c2#0", None, None, True, 10, 3, 10)
    assert rows["c3"][:7] == ("c3#1", None, None, True, 20, 6, 20)
    assert rows["c4"][:7] == ("", "boom", "error", False, 10, 3, 510)
    # the prompt column is the case's opening request
    assert rows["c1"][7] == "[system]\nS\n\n[user]\na1"

    # the scorer sees the final reply and the whole transcript; never an engine error
    seen = {case_id: (out, ctx) for case_id, out, ctx in SEEN}
    assert sorted(seen) == ["c1", "c2", "c3"]
    out, ctx = seen["c1"]
    assert out == "c1#2" and [m["content"] for m in ctx.transcript] == [
        m["content"] for m in t["c1"]]


def test_conversation_for_a_base_model_is_one_plain_prompt_per_turn(tmp_path):
    exp = write_exp(tmp_path / "exp", CONV_YAML.replace("m-chat", "m-base"), CONV_CASES[:2])
    eng = mock()
    db = tmp_path / "r.duckdb"
    run(exp, db, eng, [model("m-base", kind="base")])
    assert eng.batches == [["c1", "c2"], ["c1"], ["c1"]]
    assert all(r.messages is None and r.prompt.endswith("Assistant:") for r in eng.requests)
    assert eng.calls[0].requests[0].prompt == "System: S\n\nUser: a1\n\nAssistant:"
    assert eng.calls[0].requests[1].prompt == ("User: b1\n\nAssistant: B scripted\n\nUser: b2\n\n"
                                      "Assistant:")
    assert eng.calls[1].requests[0].prompt == ("System: S\n\nUser: a1\n\nAssistant: c1#0\n\n"
                                      "User: a2\n\nAssistant:")
    assert [m["content"] for m in transcripts(db)["c1"]] == [
        "S", "a1", "c1#0", "a2", "c1#1", "a3", "c1#2"]


def test_a_variant_system_prompt_opens_a_conversation_without_one(tmp_path):
    yaml = CONV_YAML + "    system: Be brief.\n"
    exp = write_exp(tmp_path / "exp", yaml, CONV_CASES[:3])
    eng = mock()
    run(exp, tmp_path / "r.duckdb", eng, [model("m-chat")])
    by_id = {r.request_id: r for r in eng.calls[0].requests}
    assert by_id["c2"].messages[0] == {"role": "system", "content": "Be brief."}
    assert by_id["c1"].messages[0] == {"role": "system", "content": "S"}  # the case's own


def test_a_conversation_that_does_not_alternate_is_refused_at_load(tmp_path):
    bad = [{"id": "z", "input": {"messages": msgs("user", "u", "assistant", "a",
                                                  "assistant", "b", "user", "v")}}]
    with pytest.raises(ConfigError, match=r"cases.jsonl:1: input.messages\[2\].role: "
                                          r"case 'z': roles do not alternate"):
        write_exp(tmp_path / "a", CONV_YAML, bad)
    bad = [{"id": "z", "input": {"messages": msgs("assistant", "a", "user", "v")}}]
    with pytest.raises(ConfigError, match=r"input.messages\[0\].role: .*must open with a "
                                          "user message"):
        write_exp(tmp_path / "b", CONV_YAML, bad)


# -- use_tools ----------------------------------------------------------------------------------

def _tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": name, "description": f"the {name} tool",
        "parameters": {"type": "object", "properties": {"x": {"type": "integer"}},
                       "required": ["x"]}}}


TOOLS = [_tool("alpha"), _tool("beta"), _tool("gamma")]
TOOLS_YAML = exp_yaml("tools_test", "prompt, use_tools, generate",
                      'tools\n    system: Use a tool.\n    user: "{{ request }}"', tools=True)
TOOL_CASES = [{"id": "t1", "input": {"request": "do beta", "tools": ["gamma", "beta"]}},
              {"id": "t2", "input": {"request": "nothing", "tools": ["alpha"]}}]


def tool_answer(req: GenerationRequest, call: int, i: int) -> Generation:
    calls = [{"name": "beta", "arguments": {"x": 1}}] if req.request_id == "t1" else []
    return Generation(req.request_id, i, "<tool_call>...</tool_call>", 10, 3, 0.01, "stop",
                      tool_calls=calls)


def test_tools_are_offered_in_the_case_order_and_their_calls_reach_the_scorer(tmp_path):
    exp = write_exp(tmp_path / "exp", TOOLS_YAML, TOOL_CASES,
                    {"tools.json": json.dumps(TOOLS)})
    eng = mock(tool_answer)
    db = tmp_path / "r.duckdb"
    [s] = run(exp, db, eng, [model("m-chat")])
    assert s.written == 2
    [(call, _)] = eng.calls
    assert [r.tools for r in call] == [[TOOLS[2], TOOLS[1]], [TOOLS[0]]]
    assert call[0].messages == msgs("system", "Use a tool.", "user", "do beta")

    seen = {case_id: ctx for case_id, _, ctx in SEEN}
    assert seen["t1"].tool_calls == ({"name": "beta", "arguments": {"x": 1}},)
    assert seen["t1"].tools == (TOOLS[2], TOOLS[1])
    assert seen["t2"].tool_calls == ()

    t = transcripts(db)
    assert [(m["role"], m["generated"]) for m in t["t1"]] == [
        ("system", False), ("user", False), ("tools", False), ("assistant", True)]
    offered = t["t1"][2]["content"]
    assert offered.startswith("Tools offered: gamma, beta\n\n")
    assert json.loads(offered.split("\n\n", 1)[1]) == [TOOLS[2], TOOLS[1]]
    assert t["t1"][3]["tool_calls"] == [{"name": "beta", "arguments": {"x": 1}}]
    assert "tool_calls" not in t["t2"][3]


def test_tools_change_the_case_hash_and_the_run_id(tmp_path):
    exp = write_exp(tmp_path / "exp", TOOLS_YAML, TOOL_CASES,
                    {"tools.json": json.dumps(TOOLS)})
    case = exp.cases[0]
    assert exp.case_hash(case) != case.content_hash(None)
    eng = mock(tool_answer)
    [s] = run(exp, tmp_path / "r.duckdb", eng, [model("m-chat")])
    variant = exp.variant("tools")
    assert s.run_id != _default_run_id(exp, variant, "m-chat")


# -- execute ------------------------------------------------------------------------------------

CODE_YAML = exp_yaml("code_test", "prompt, generate, execute",
                     'plain\n    user: "Write {{ signature }}"', max_tokens=64)
CODE_CASES = [
    {"id": "good", "input": {"signature": "def add(a, b):"},
     "expected": {"entry_point": "add", "tests": ["assert add(1, 2) == 3",
                                                  "assert add(-1, 1) == 0"]}},
    {"id": "bad", "input": {"signature": "def add(a, b):"},
     "expected": {"entry_point": "add", "tests": ["assert add(1, 2) == 3",
                                                  "assert add(2, 2) == 4"]}},
]
SOLUTIONS = {"good": "```python\ndef add(a, b):\n    return a + b\n```",
             "bad": "```python\ndef add(a, b):\n    return a * b if a == 2 else a - b\n```"}


def code_answer(req: GenerationRequest, call: int, i: int) -> Generation:
    text = SOLUTIONS[req.request_id] if i == 0 else "no code here, sorry"
    return Generation(req.request_id, i, text, 10, 3, 0.01, "stop")


def _run_sandboxed(*args: Any, **kw: Any):
    try:
        return run(*args, **kw)
    except SandboxUnavailable as exc:
        pytest.fail(f"the sandbox is unavailable ({exc}); install bubblewrap: "
                    "make sandbox-deps")


def test_execute_runs_each_output_against_the_hidden_tests_in_the_sandbox(tmp_path):
    exp = write_exp(tmp_path / "exp", CODE_YAML, CODE_CASES)
    db = tmp_path / "r.duckdb"
    [s] = _run_sandboxed(exp, db, mock(code_answer), [model("m-chat")])
    assert s.written == 2
    seen = {case_id: ctx.execution for case_id, _, ctx in SEEN}
    good, bad = seen["good"], seen["bad"]
    assert (good.status, good.tests_passed, good.tests_total, good.failures) == ("ok", 2, 2, ())
    assert good.code == "def add(a, b):\n    return a + b"
    assert (bad.tests_passed, bad.tests_total, len(bad.failures)) == (1, 2, 1)
    t = transcripts(db)
    assert [m["role"] for m in t["good"]] == ["user", "assistant", "sandbox"]
    assert t["good"][-1]["content"].startswith("status: ok\ntests passed: 2/2")
    assert "tests passed: 1/2" in t["bad"][-1]["content"]
    assert t["bad"][-1]["generated"] is False


def test_execute_with_several_samples_stores_each_samples_own_execution(tmp_path):
    exp = write_exp(tmp_path / "exp", CODE_YAML.replace("n: 1", "n: 2"), CODE_CASES[:1])
    db = tmp_path / "r.duckdb"
    [s] = _run_sandboxed(exp, db, mock(code_answer), [model("m-chat")])
    assert s.written == 2
    execs = [ctx.execution for _, _, ctx in SEEN]
    assert [e.status for e in execs] == ["ok", "no_code"]
    rows = query(db, "SELECT sample_idx, transcript FROM results ORDER BY 1")
    t0, t1 = (json.loads(t) for _, t in rows)
    assert t0[-2]["content"] == SOLUTIONS["good"] and "tests passed: 2/2" in t0[-1]["content"]
    # sample 1's transcript shows sample 1's reply and sample 1's execution
    assert t1[-2]["content"] == "no code here, sorry"
    assert t1[-1]["role"] == "sandbox" and t1[-1]["content"].startswith("status: no_code")
    # the scorer saw the same transcripts
    assert [[m["content"] for m in ctx.transcript] for _, _, ctx in SEEN] == [
        [m["content"] for m in t0], [m["content"] for m in t1]]


# -- the default task is unchanged --------------------------------------------------------------

def _default_run_id(exp: Experiment, variant, model_id: str) -> str:
    """The run id as the runner computed it before tasks existed."""
    s = exp.spec.sampling
    return RunSpec(experiment_id=exp.id, experiment_version=exp.spec.version,
                   model_id=model_id, variant=variant.name, engine="mock", engine_version="1",
                   model_sha256=None, model_revision=None, temperature=s.temperature,
                   top_p=s.top_p, max_tokens=s.max_tokens, seed=s.seed, n_samples=s.n,
                   constrained=variant.constrained,
                   prompt_template_hash=variant.template_hash()).run_id


def json_answer(req: GenerationRequest, call: int, i: int) -> Generation:
    return Generation(req.request_id, i, '{"name": "Ada Park", "age": 31}', 10, 3, 0.01, "stop")


@pytest.mark.parametrize("spelled_out", [False, True])
def test_a_one_prompt_task_keeps_its_run_id_prompt_and_no_transcript(tmp_path, spelled_out):
    d = tmp_path / "exp"
    shutil.copytree(TINY.parent, d)
    if spelled_out:  # `steps: [prompt, generate]` written out is the default task
        y = d / "experiment.yaml"
        y.write_text(y.read_text().replace("scorer:", "steps: [prompt, generate]\nscorer:"))
    exp = load_experiment(d / "experiment.yaml")
    assert exp.spec.steps == DEFAULT_STEPS and exp.spec.task_signature() is None
    eng = mock(json_answer)
    db = tmp_path / "r.duckdb"
    summaries = run(exp, db, eng, [model("m1")])
    assert {s.variant: s.run_id for s in summaries} == {
        v.name: _default_run_id(exp, v, "m1") for v in exp.spec.variants}
    assert query(db, "SELECT count(*) FROM results WHERE transcript IS NOT NULL") == [(0,)]
    by_case = {c.id: c for c in exp.cases}
    for variant in exp.spec.variants:
        run_id = _default_run_id(exp, variant, "m1")
        for case_id, prompt in query(db, "SELECT case_id, prompt FROM results "
                                          "WHERE run_id = ?", [run_id]):
            old = build_request(exp, variant, model("m1"), by_case[case_id], case_id)
            assert prompt == old.prompt_text
    # and the requests are what build_request made: no tools, same messages and constraint
    old = build_request(exp, exp.spec.variants[1], model("m1"), exp.cases[0], "p1")
    sent = [r for r in eng.requests if r.json_schema is not None][0]
    assert (sent.messages, sent.json_schema, sent.tools) == (old.messages, old.json_schema,
                                                             None)


def _committed_db(dest: Path) -> Path:
    """A copy of results.duckdb as committed (the working file may be in use)."""
    try:
        data = subprocess.run(["git", "show", "HEAD:results.duckdb"], cwd=ROOT,
                              capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip("no git checkout with a committed results.duckdb")
    if not data.startswith(b"\x00") and b"DUCK" not in data[:64]:
        pytest.skip("results.duckdb is not stored in git as a DuckDB file")
    dest.write_bytes(data)
    return dest


@pytest.mark.parametrize("experiment_id", ["position_bias", "structured_json"])
def test_stored_runs_of_one_prompt_experiments_keep_their_ids(tmp_path, experiment_id):
    """Rebuild a committed run the way `rerun` does (experiment file, stored registry entry,
    the recorded engine) and run it through the runner into a copy of the committed
    database: same run id, so it resumes with nothing to do."""
    db = _committed_db(tmp_path / "results.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    cur = con.execute(
        "SELECT * FROM runs WHERE experiment_id = ? AND experiment_path IS NOT NULL "
        "AND model_spec IS NOT NULL AND repeat = 0 ORDER BY run_id LIMIT 1", [experiment_id])
    found = cur.fetchone()
    cols = [c[0] for c in cur.description]
    if found is None:
        con.close()
        pytest.skip(f"no {experiment_id} run with provenance in the committed database")
    stored_run = dict(zip(cols, found, strict=True))
    case_id, = con.execute("SELECT min(case_id) FROM results WHERE run_id = ?",
                           [stored_run["run_id"]]).fetchone()
    con.close()
    exp = load_experiment(ROOT / stored_run["experiment_path"])
    if exp.spec.version != stored_run["experiment_version"]:
        pytest.skip(f"{experiment_id} is at a newer version than the committed run")
    spec = ModelSpec.model_validate(json.loads(stored_run["model_spec"]))
    eng = mock(json_answer)
    eng.info = lambda: EngineInfo(  # type: ignore[method-assign]
        engine=stored_run["engine"], engine_version=stored_run["engine_version"],
        model_sha256=stored_run["model_sha256"], model_revision=stored_run["model_revision"],
        adapter_sha256=stored_run["adapter_sha256"], model_path="x", hardware="test")
    [s] = run_experiment(exp, ModelRegistry([spec]), db, RunOptions(
        models=[spec.id], variants=[stored_run["variant"]], case_ids=[case_id],
        engine_loader=lambda name, m: eng, progress=False, log=lambda s: None))
    assert s.run_id == stored_run["run_id"]
    assert (s.written, s.skipped) == (0, 1) and eng.calls == []
    # one-prompt runs store no transcript (the file holds the suites' transcripts too)
    assert query(db, "SELECT count(*) FROM results WHERE transcript IS NOT NULL AND run_id "
                      f"= '{stored_run['run_id']}'") == [(0,)]


# -- several experiments, each model loaded once ------------------------------------------------

def test_run_experiments_loads_each_model_once_for_all_experiments(tmp_path):
    a = write_exp(tmp_path / "a", CONV_YAML.replace("models: [m-chat]", "models: [m1, m2]"),
                  CONV_CASES[:2])
    d = tmp_path / "b"
    shutil.copytree(TINY.parent, d)
    y = d / "experiment.yaml"
    y.write_text(y.read_text().replace("models: [smollm2-135m]", "models: [m2]"))
    b = load_experiment(y)
    loaded: dict[str, MockEngine] = {}
    loads: list[str] = []

    def loader(name: str, spec: ModelSpec) -> MockEngine:
        loads.append(spec.id)
        loaded[spec.id] = mock(json_answer, name=spec.id)
        return loaded[spec.id]

    db = tmp_path / "r.duckdb"
    summaries = run_experiments([a, b], ModelRegistry([model("m1"), model("m2")]), db,
                                RunOptions(engine_loader=loader, progress=False,
                                           log=lambda s: None))
    assert loads == ["m1", "m2"]
    assert {m: e.closed for m, e in loaded.items()} == {"m1": 1, "m2": 1}
    assert sorted((s.model_id, s.variant) for s in summaries) == [
        ("m1", "as_given"), ("m2", "as_given"), ("m2", "constrained"), ("m2", "plain")]
    assert all(s.complete for s in summaries)
    assert query(db, "SELECT experiment_id, model_id, variant, status FROM runs "
                      "ORDER BY ALL") == [
        ("conv_test", "m1", "as_given", "complete"), ("conv_test", "m2", "as_given", "complete"),
        ("tiny_json", "m2", "constrained", "complete"), ("tiny_json", "m2", "plain", "complete")]
    # m2 served both experiments: the conversation (3 rounds) and tiny's two variants
    assert len(loaded["m2"].calls) == 3 + 2

    # named models run every experiment, still one load each
    loads.clear()
    loaded.clear()
    run_experiments([a, b], ModelRegistry([model("m1"), model("m2")]), tmp_path / "s.duckdb",
                    RunOptions(models=["m1"], engine_loader=loader, progress=False,
                               log=lambda s: None))
    assert loads == ["m1"] and loaded["m1"].closed == 1
    assert query(tmp_path / "s.duckdb", "SELECT DISTINCT experiment_id FROM runs "
                                         "ORDER BY 1") == [("conv_test",), ("tiny_json",)]


def test_run_experiments_closes_the_model_when_an_experiment_fails(tmp_path):
    a = write_exp(tmp_path / "a", CONV_YAML, CONV_CASES[:1])
    made: list[MockEngine] = []

    def boom(req: GenerationRequest, call: int, i: int) -> Generation:
        raise RuntimeError("engine crashed")

    def loader(name: str, spec: ModelSpec) -> MockEngine:
        made.append(mock(boom))
        return made[-1]

    with pytest.raises(RuntimeError, match="engine crashed"):
        run_experiments([a, a], ModelRegistry([model("m-chat")]), tmp_path / "r.duckdb",
                        RunOptions(engine_loader=loader, progress=False, log=lambda s: None))
    assert len(made) == 1 and made[0].closed == 1


def test_rerun_of_a_task_run_recognises_its_template_and_keeps_the_id(tmp_path, monkeypatch):
    """`rerun` checks the variant against the stored template hash: for a task with steps
    that hash includes the steps (runner._task_hash), and a rerun must still match it."""
    import pipeline.runner
    from pipeline.provenance import rerun

    exp = write_exp(tmp_path / "exp", CONV_YAML, CONV_CASES[:2])
    db = tmp_path / "r.duckdb"
    [s] = run(exp, db, mock(), [model("m-chat")])
    real = pipeline.runner.run_experiment

    def with_fake(exp, registry, db_path, options: RunOptions):
        return real(exp, registry, db_path,
                    dataclasses.replace(options, engine_loader=lambda name, spec: mock()))

    monkeypatch.setattr(pipeline.runner, "run_experiment", with_fake)
    report = rerun(db, s.run_id, tmp_path / "again.duckdb", progress=False, log=lambda s: None)
    assert report.same_id and report.compared == 2 and report.identical == 2
