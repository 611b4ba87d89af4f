"""Schema version 4: `results.transcript` (JSON), NULL for one-prompt tasks. A version-3 file
migrates in place keeping its rows and run ids; transcripts survive a write and a merge."""

from __future__ import annotations

import dataclasses
import json

import duckdb

from helpers import CTX, TINY, model, row, run_spec, write_run
from pipeline.loading import load_experiment
from pipeline.store import SCHEMA_VERSION, Store, open_read, schema_version
from pipeline.store.merge import merge_databases
from pipeline.store.schema import DDL_V1, MIGRATIONS

TRANSCRIPT = [
    {"role": "system", "content": "Sé breve.", "generated": False},
    {"role": "user", "content": "Order 6 markers", "generated": False},
    {"role": "assistant", "content": "Done: 6 × 15 € = 90 €", "generated": True,
     "finish_reason": "stop",
     "tool_calls": [{"name": "order", "arguments": {"n": 6, "note": None}}]},
    {"role": "sandbox", "content": "status: ok\ntests passed: 2/2", "generated": False},
]


def columns(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {name: dtype for name, dtype in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'results'").fetchall()}


def test_schema_version_is_4_with_a_transcript_column(tmp_path):
    assert SCHEMA_VERSION >= 4
    Store(tmp_path / "r.duckdb")
    con = open_read(tmp_path / "r.duckdb")
    try:
        assert schema_version(con) == SCHEMA_VERSION and columns(con)["transcript"] == "JSON"
    finally:
        con.close()


def _version_3(path):
    """A file as version 3 of this code wrote it, with one run and one result."""
    con = duckdb.connect(str(path))
    con.execute(DDL_V1)
    con.execute(MIGRATIONS[2])
    con.execute(MIGRATIONS[3])
    con.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    assert "transcript" not in columns(con)
    spec = run_spec("m1", "plain")
    con.execute("INSERT INTO runs (run_id, experiment_id, experiment_version, model_id, variant, "
                "engine, engine_version, temperature, top_p, max_tokens, seed, n_samples, "
                "constrained, prompt_template_hash, started_at, status) VALUES (?, 'tiny_json', "
                "1, 'm1', 'plain', 'test', '0', 0, 1, 48, 0, 1, false, 'h', now(), 'partial')",
                [spec.run_id])
    con.execute("INSERT INTO results BY NAME SELECT ? AS run_id, 'p1' AS case_id, "
                "0 AS sample_idx, 'p' AS prompt, 'out' AS raw_output, true AS passed, "
                "1 AS prompt_tokens, 2 AS completion_tokens, 3.0 AS latency_ms, "
                "'stop' AS finish_reason, now() AS created_at", [spec.run_id])
    con.execute("INSERT INTO scores VALUES (?, 'p1', 0, 'parses', 1.0)", [spec.run_id])
    con.close()
    return spec


def test_version_3_file_migrates_in_place_keeping_rows_and_run_ids(tmp_path):
    db = tmp_path / "v3.duckdb"
    spec = _version_3(db)
    store = Store(db)  # opens for writing: migrates 3 -> 4 -> current
    store.sync_experiment(load_experiment(TINY))
    assert store.completed(spec.run_id) == {("p1", 0)}  # the run resumes under its id
    store.write_results(spec.run_id, [dataclasses.replace(row("p2", True),
                                                          transcript=TRANSCRIPT)])
    con = open_read(db)
    try:
        assert schema_version(con) == SCHEMA_VERSION and columns(con)["transcript"] == "JSON"
        got = con.execute("SELECT case_id, raw_output, prompt_tokens, transcript FROM results "
                          "ORDER BY 1").fetchall()
        assert [g[:3] for g in got] == [("p1", "out", 1), ("p2", "{}", 3)]
        assert got[0][3] is None and json.loads(got[1][3]) == TRANSCRIPT
        assert con.execute("SELECT count(*) FROM scores").fetchall() == [(4,)]
        assert con.execute("SELECT count(*) FROM outcomes").fetchall() == [(2,)]
        # the JSON column is queryable as JSON
        assert con.execute("SELECT transcript->>'$[2].tool_calls[0].name' FROM results "
                           "WHERE case_id = 'p2'").fetchall() == [("order",)]
    finally:
        con.close()


def test_rows_without_a_transcript_store_null(tmp_path):
    db = tmp_path / "r.duckdb"
    store = Store(db)
    store.sync_experiment(load_experiment(TINY))
    store.sync_model(model("m1"))
    run_id = store.start_run(run_spec("m1", "plain"), CTX)
    store.write_results(run_id, [row("p1", True),
                                 dataclasses.replace(row("p2", True), transcript=[])])
    con = open_read(db)
    try:
        assert con.execute("SELECT case_id, transcript FROM results ORDER BY 1").fetchall() == [
            ("p1", None), ("p2", "[]")]
    finally:
        con.close()


def _shard(path, case_ids):
    return write_run(path, [
        dataclasses.replace(row(c, True), transcript=[{**t, "content": f"{c}: {t['content']}"}
                                                      for t in TRANSCRIPT])
        for c in case_ids])


def test_merge_keeps_the_shards_transcripts(tmp_path):
    a = _shard(tmp_path / "a.duckdb", ["p1"])
    b = _shard(tmp_path / "b.duckdb", ["p2", "p3"])
    target = tmp_path / "results.duckdb"
    for into_existing in (False, True):
        if into_existing:  # a second merge into a current target adds nothing, loses nothing
            assert merge_databases([a, b], target).results_added == 0
        else:
            assert merge_databases([a, b], target).results_added == 3
        con = open_read(target)
        try:
            got = dict(con.execute("SELECT case_id, transcript FROM results").fetchall())
        finally:
            con.close()
        assert sorted(got) == ["p1", "p2", "p3"]
        for c, t in got.items():
            assert [m["content"] for m in json.loads(t)] == [
                f"{c}: {m['content']}" for m in TRANSCRIPT]
            assert json.loads(t)[2]["tool_calls"] == TRANSCRIPT[2]["tool_calls"]


def test_merge_into_a_version_3_target_migrates_it_and_adds_transcripts(tmp_path):
    target = tmp_path / "old.duckdb"
    _version_3(target)
    a = _shard(tmp_path / "a.duckdb", ["p2"])
    assert merge_databases([a], target).results_added == 1
    con = open_read(target)
    try:
        got = dict(con.execute("SELECT case_id, transcript FROM results").fetchall())
    finally:
        con.close()
    assert got["p1"] is None and json.loads(got["p2"])[1]["content"] == "p2: Order 6 markers"
