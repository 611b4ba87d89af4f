"""Schema version 6: the default-run rule. A slot's current run is its most recently started
run with at least one result; `outcomes` reads current runs only, `all_outcomes` every
measurement with `is_current`. Migrating the committed database changes no number."""

from __future__ import annotations

import dataclasses
import shutil

import duckdb

from helpers import CTX, ROOT, query, row, run_spec
from pipeline.store import SCHEMA_VERSION, Store, open_snapshot
from pipeline.store.db import open_write, schema_version

# Per slot: results, passed, tokens; what every committed post's numbers are made of.
PER_SLOT = """
SELECT ru.experiment_id, ru.experiment_version, ru.model_id, ru.variant, count(*),
       count_if(r.passed), sum(r.completion_tokens), count(DISTINCT r.run_id)
FROM results r JOIN runs ru USING (run_id) WHERE ru.repeat = 0 GROUP BY ALL ORDER BY ALL
"""
VIA_OUTCOMES = """
SELECT experiment_id, experiment_version, model_id, variant, count(*), count_if(passed),
       sum(completion_tokens), count(DISTINCT run_id)
FROM outcomes GROUP BY ALL ORDER BY ALL
"""


def test_migrating_the_committed_database_keeps_every_number(tmp_path):
    db = tmp_path / "results.duckdb"
    shutil.copyfile(ROOT / "results.duckdb", db)
    before = query(db, PER_SLOT)
    assert all(slot[-1] == 1 for slot in before), "a committed slot holds two runs"
    con = open_write(db)
    try:
        assert schema_version(con) == SCHEMA_VERSION >= 6
        assert con.execute(VIA_OUTCOMES).fetchall() == before
        assert con.execute("SELECT count(*) FROM all_outcomes WHERE NOT is_current"
                           ).fetchall() == [(0,)]
        [(runs,)] = con.execute("SELECT count(*) FROM runs WHERE repeat = 0 AND run_id IN "
                                "(SELECT run_id FROM results)").fetchall()
        assert con.execute("SELECT count(*) FROM current_runs").fetchall() == [(runs,)]
    finally:
        con.close()


def test_the_current_run_is_the_newest_with_results(tmp_path):
    db = tmp_path / "r.duckdb"
    store = Store(db)
    first = store.start_run(run_spec("m1", "plain"), CTX)
    store.write_results(first, [row("p1", True), row("p2", False)])
    # a newer run of the slot with no result yet (just started, or failed) is not current
    newer = store.start_run(dataclasses.replace(run_spec("m1", "plain"), max_tokens=96), CTX)
    assert query(db, "SELECT run_id FROM current_runs") == [(first,)]
    store.write_results(newer, [row("p1", True)])
    assert query(db, "SELECT run_id FROM current_runs") == [(newer,)]
    assert query(db, "SELECT run_id, case_id FROM outcomes") == [(newer, "p1")]
    assert query(db, "SELECT run_id, is_current, count(*) FROM all_outcomes GROUP BY ALL "
                 "ORDER BY ALL") == sorted([(first, False, 2), (newer, True, 1)])
    # a repeat is never a slot's current run, and not in all_outcomes
    rep = store.start_run(dataclasses.replace(run_spec("m1", "plain"), repeat=1), CTX)
    store.write_results(rep, [row("p1", True)])
    assert query(db, "SELECT run_id FROM current_runs") == [(newer,)]
    assert query(db, "SELECT count(*) FROM all_outcomes") == [(3,)]
    # the same start time: the larger run id wins
    con = duckdb.connect(str(db))
    con.execute("UPDATE runs SET started_at = TIMESTAMP '2026-01-01' WHERE repeat = 0")
    con.close()
    assert query(db, "SELECT run_id FROM current_runs") == [(max(first, newer),)]


def test_a_snapshot_of_an_older_file_is_migrated_and_the_file_is_not(tmp_path):
    db = tmp_path / "v5.duckdb"
    Store(db)
    con = duckdb.connect(str(db))
    con.execute("DROP VIEW current_runs; DROP VIEW all_outcomes; "
                "UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    con.close()
    data = db.read_bytes()
    folder, snap = open_snapshot(db)
    try:
        assert snap.execute("SELECT count(*) FROM current_runs").fetchall() == [(0,)]
        assert schema_version(snap) == SCHEMA_VERSION
    finally:
        snap.close()
        shutil.rmtree(folder)
    assert db.read_bytes() == data


def test_runs_reads_an_older_file_without_writing_it(tmp_path, capsys):
    from pipeline.cli import main

    db = tmp_path / "results.duckdb"
    shutil.copyfile(ROOT / "results.duckdb", db)
    data = db.read_bytes()
    assert main(["runs", "structured_json", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert lines and all("structured_json v" in line for line in lines)
    assert all(" current " in line or " repeat " in line for line in lines)
    assert db.read_bytes() == data
