"""The mock engine (pipeline/engines/mock.py): registered by name like the real engines, its
answers declared as data (a script file for `--engine mock`, Reply rules in tests)."""

import duckdb
import pytest

from helpers import TINY, model
from pipeline.config.models import ModelRegistry
from pipeline.engines import GenerationRequest, SamplingParams, engines, load_engine
from pipeline.engines.mock import SCRIPT_ENV, MockEngine, Reply
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment
from pipeline.runner import RunOptions, run_experiment

SCRIPT = """\
default: '{"name": "Ada Park", "age": 31}'
replies:
  - request_id: ^p2$
    error: CUDA OOM
  - prompt: Bob
    text: '{"name": "Bob", "age": 1}'
"""


def test_replies_match_in_order_and_every_call_is_recorded():
    eng = MockEngine([Reply(error="boom", request_id="^b$"), Reply(text="hi", prompt="hello")],
                     default="?")
    reqs = [GenerationRequest("a", prompt="hello there"), GenerationRequest("b", prompt="hello"),
            GenerationRequest("c", messages=[{"role": "user", "content": "x"}])]
    out = eng.generate(reqs, SamplingParams(n=2))
    assert [[g.text for g in samples] for samples in out] == [["hi", "hi"], ["", ""], ["?", "?"]]
    assert out[1][1].error == "boom" and out[1][1].finish_reason == "error"
    assert [g.sample_idx for g in out[0]] == [0, 1]
    [(sent, params)] = eng.calls
    assert sent == reqs and params.n == 2 and eng.batches == [["a", "b", "c"]]


def test_an_engine_that_raises_still_records_the_call():
    eng = MockEngine(raises=RuntimeError("server gone"))
    with pytest.raises(RuntimeError, match="server gone"):
        eng.generate([GenerationRequest("a", prompt="x")], SamplingParams())
    assert eng.batches == [["a"]] and eng.active == 0


def test_registered_as_mock_and_scripted_by_a_file(tmp_path, monkeypatch):
    """`--engine mock` through the real loader: the runner stores what the script says."""
    assert "mock" in engines
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    monkeypatch.setenv(SCRIPT_ENV, str(script))
    db = tmp_path / "r.duckdb"
    [s] = run_experiment(load_experiment(TINY), ModelRegistry([model("smollm2-135m")]), db,
                         RunOptions(engine="mock", variants=["plain"], progress=False,
                                    log=lambda s: None))
    assert (s.written, s.errors) == (3, 1)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT case_id, error, passed FROM results ORDER BY 1").fetchall()
        engine, = con.execute("SELECT DISTINCT engine FROM runs").fetchone()
    finally:
        con.close()
    assert [r[1] for r in rows] == [None, "CUDA OOM", None] and engine == "mock"


def test_without_a_script_it_answers_its_default(monkeypatch):
    monkeypatch.delenv(SCRIPT_ENV, raising=False)
    eng = load_engine("mock", model("m1"))
    [[g]] = eng.generate([GenerationRequest("a", prompt="x")], SamplingParams())
    assert g.text == "mock" and eng.info().model_path == "m1"


def test_a_bad_script_names_the_file_and_line(tmp_path, monkeypatch):
    script = tmp_path / "bad.yaml"
    script.write_text("default: x\nreplies:\n  - txet: typo\n")
    monkeypatch.setenv(SCRIPT_ENV, str(script))
    with pytest.raises(ConfigError, match=r"bad\.yaml:3: replies\.0\.txet: unknown key"):
        load_engine("mock", model("m1"))
    script.write_text("replies:\n  - prompt: '('\n")
    with pytest.raises(ConfigError, match="not a regular expression"):
        load_engine("mock", model("m1"))
    monkeypatch.setenv(SCRIPT_ENV, str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="no such file"):
        load_engine("mock", model("m1"))
