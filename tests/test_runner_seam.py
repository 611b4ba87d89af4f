"""The runner at its engine seam (the mock engine, scripted): error results, --retry-errors,
batch sizes, and run status."""

import duckdb

from helpers import TINY, model
from pipeline.config.models import ModelRegistry
from pipeline.engines.mock import MockEngine, Reply
from pipeline.loading import load_experiment
from pipeline.runner import RunOptions, run_experiment


def scripted(failing):
    """The mock engine: fails the cases named in `failing`; otherwise answers valid JSON."""
    return MockEngine([Reply(error="CUDA OOM", request_id=f"^{c}$") for c in sorted(failing)],
                      default='{"name": "Ada Park", "age": 31}', batch_size=2)


def run(db, engine, **kw):
    exp = load_experiment(TINY)
    return run_experiment(exp, ModelRegistry([model("smollm2-135m")]), db, RunOptions(
        variants=["plain"], engine_loader=lambda name, spec: engine, progress=False,
        log=lambda s: None, **kw))


def rows(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT case_id, error, failure_mode, raw_output <> '' FROM results "
                           "ORDER BY 1").fetchall(), con.execute(
            "SELECT status FROM runs").fetchall()
    finally:
        con.close()


def test_engine_errors_are_stored_and_retried_only_when_asked(tmp_path):
    db = tmp_path / "r.duckdb"
    [s] = run(db, scripted({"p2"}))
    assert (s.written, s.errors, s.complete) == (3, 1, True)
    stored, status = rows(db)
    assert stored[1] == ("p2", "CUDA OOM", "error", False) and status == [("complete",)]

    eng = scripted(set())
    [s] = run(db, eng)  # a plain re-run keeps the error
    assert s.written == 0 and eng.batches == []

    [s] = run(db, eng, retry_errors=True)
    assert s.written == 1 and eng.batches == [["p2"]]
    stored, _ = rows(db)
    assert [(c, err, out) for c, err, _, out in stored] == [
        ("p1", None, True), ("p2", None, True), ("p3", None, True)]
    assert stored[1][2] != "error"  # scored afresh
    con = duckdb.connect(str(db), read_only=True)
    # 3 levels + field:name + field:age, all 0 for an engine error
    assert con.execute("SELECT count(*) FROM scores WHERE case_id = 'p2'").fetchall() == [(5,)]
    con.close()


def test_batches_follow_the_engine_preference_unless_given(tmp_path):
    eng = scripted(set())
    run(tmp_path / "a.duckdb", eng)
    assert eng.batches == [["p1", "p2"], ["p3"]]
    eng = scripted(set())
    run(tmp_path / "b.duckdb", eng, batch_size=3)
    assert eng.batches == [["p1", "p2", "p3"]]


def test_a_limited_run_is_partial_until_the_rest_runs(tmp_path):
    db = tmp_path / "r.duckdb"
    [s] = run(db, scripted(set()), limit=2)
    assert not s.complete and rows(db)[1] == [("partial",)]
    [s] = run(db, scripted(set()))
    assert s.complete and s.written == 1 and rows(db)[1] == [("complete",)]


def test_variants_with_the_same_prompt_generate_it_once(tmp_path):
    """Guard variants share their prompt: the draft is generated once per model, and each
    variant's run stores it; an engine error is not remembered (tried again)."""
    import shutil

    import yaml

    folder = tmp_path / "exp"
    shutil.copytree(TINY.parent, folder)
    spec = yaml.safe_load((folder / TINY.name).read_text())
    plain = next(v for v in spec["variants"] if v["name"] == "plain")
    spec["variants"] = [plain, {**plain, "name": "plain_again"}]
    (folder / TINY.name).write_text(yaml.safe_dump(spec))
    exp = load_experiment(folder / TINY.name)
    engine = scripted({"p2"})
    summaries = run_experiment(exp, ModelRegistry([model("smollm2-135m")]), tmp_path / "r.db",
                               RunOptions(engine_loader=lambda name, s: engine, progress=False,
                                          log=lambda s: None))
    assert [s.written for s in summaries] == [3, 3]
    sent = [rid for batch in engine.batches for rid in batch]
    assert sorted(sent) == ["p1", "p2", "p2", "p3"]  # p2 failed, so it was sent again
    con = duckdb.connect(str(tmp_path / "r.db"), read_only=True)
    outs = con.execute("SELECT o.variant, o.case_id, r.raw_output FROM outcomes o JOIN "
                       "results r USING (run_id, case_id, sample_idx) ORDER BY 2, 1").fetchall()
    con.close()
    assert [(c, out) for v, c, out in outs if v == "plain"] == [
        (c, out) for v, c, out in outs if v == "plain_again"]


def test_a_variant_samples_with_its_own_settings(tmp_path):
    """`variant_defaults` share the prompt; a variant's `sampling:` replaces the experiment's
    (greedy vs five samples), becomes its run's identity, and is not memoised across."""
    import shutil

    import yaml

    folder = tmp_path / "exp"
    shutil.copytree(TINY.parent, folder)
    spec = yaml.safe_load((folder / TINY.name).read_text())
    plain = next(v for v in spec["variants"] if v["name"] == "plain")
    spec["variant_defaults"] = {k: v for k, v in plain.items() if k != "name"}
    spec["variants"] = [{"name": "greedy"},
                        {"name": "sampled", "sampling": {"temperature": 0.8, "n": 3,
                                                         "max_tokens": 48, "seed": 7}}]
    (folder / TINY.name).write_text(yaml.safe_dump(spec))
    exp = load_experiment(folder / TINY.name)
    assert exp.spec.variants[1].user == plain["user"]
    engine = scripted(set())
    summaries = run_experiment(exp, ModelRegistry([model("smollm2-135m")]), tmp_path / "r.db",
                               RunOptions(engine_loader=lambda name, s: engine, progress=False,
                                          log=lambda s: None))
    assert [s.written for s in summaries] == [3, 9]
    assert len([rid for batch in engine.batches for rid in batch]) == 6  # not memoised
    con = duckdb.connect(str(tmp_path / "r.db"), read_only=True)
    runs = con.execute("SELECT variant, temperature, n_samples, seed FROM runs ORDER BY 1"
                       ).fetchall()
    con.close()
    experiment = exp.spec.sampling
    assert runs == [("greedy", experiment.temperature, experiment.n, experiment.seed),
                    ("sampled", 0.8, 3, 7)]
