import subprocess
import sys
import textwrap

import duckdb
import pytest

from helpers import CTX, TINY, row, run_spec
from pipeline.errors import StoreError
from pipeline.loading import load_experiment
from pipeline.store import SCHEMA_VERSION, Store, open_read, open_write, schema_version


def test_new_db_gets_current_schema(tmp_path):
    con = open_write(tmp_path / "r.duckdb")
    assert schema_version(con) == SCHEMA_VERSION
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"experiments", "models", "runs", "cases", "results", "scores", "outcomes"} <= tables
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'results'").fetchall())
    assert types["passed"] == "BOOLEAN"
    con.close()


def test_newer_schema_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "r.duckdb"
    open_write(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    before = db.read_bytes()
    for opener in (open_write, open_read):
        with pytest.raises(StoreError, match="schema version 999 is newer"):
            opener(db, wait_s=0)
    assert db.read_bytes() == before


def test_foreign_database_is_refused(tmp_path):
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t (x INT)")
    con.close()
    with pytest.raises(StoreError, match="not a results database"):
        open_write(db)


def test_results_are_written_once_and_resume_skips(results_db):
    db = results_db({("m1", "plain"): [True, False]}, write=True)
    store = Store(db)
    run_id = run_spec("m1", "plain").run_id
    assert store.completed(run_id) == {("p1", 0), ("p2", 0)}
    # Writing the same rows again (a crashed batch retried) adds nothing.
    store.write_results(run_id, [row("p1", True), row("p2", False)])
    con = open_read(db)
    assert con.execute("SELECT count(*) FROM results").fetchall() == [(2,)]
    assert con.execute("SELECT count(*) FROM scores").fetchall() == [(6,)]
    assert con.execute("SELECT status FROM runs").fetchall() == [("partial",)]
    con.close()


def test_run_id_is_stable_and_start_run_is_idempotent(tmp_path):
    store = Store(tmp_path / "r.duckdb")
    store.sync_experiment(load_experiment(TINY))
    a = store.start_run(run_spec("m1", "plain"), CTX)
    b = store.start_run(run_spec("m1", "plain"), CTX)
    assert a == b != run_spec("m1", "other").run_id
    con = open_read(tmp_path / "r.duckdb")
    assert con.execute("SELECT count(*) FROM runs").fetchall() == [(1,)]
    con.close()


def test_changed_case_under_same_version_is_refused(results_db):
    db = results_db({("m1", "plain"): [True]}, write=True)
    exp = load_experiment(TINY)
    changed = exp.cases[0].model_copy(update={"expected": {"name": "X", "age": 1}})
    exp.cases[0] = changed
    with pytest.raises(StoreError, match="changed since results were stored"):
        Store(db).sync_experiment(exp)


def test_reader_waits_for_a_writer_in_another_process(results_db):
    """Two real processes: a writer holds the file until told to let go; the reader keeps
    retrying meanwhile (still waiting while the lock is held, however slow the machine),
    then reads once it is released."""
    import threading

    db = results_db({("m1", "plain"): [True]}, write=True)  # locked: its own copy
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time, duckdb
        con = duckdb.connect({str(db)!r})
        print("locked", flush=True)
        sys.stdin.readline()
        con.close()
        print("released", flush=True)
        time.sleep(5)
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        got: list = []
        reader = threading.Thread(target=lambda: got.append(open_read(db, wait_s=60)))
        reader.start()
        reader.join(timeout=1.0)
        assert reader.is_alive() and not got  # blocked by the writer, retrying
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        reader.join(timeout=60)
        assert got, "the reader never got through"
        con = got[0]
        assert con.execute("SELECT count(*) FROM results").fetchall() == [(1,)]
        con.close()
        with pytest.raises(StoreError, match="still locked"):
            holder2 = subprocess.Popen([sys.executable, "-c",
                                        f"import duckdb,time; c=duckdb.connect({str(db)!r}); "
                                        "print('locked', flush=True); time.sleep(5)"],
                                       stdout=subprocess.PIPE, text=True)
            try:
                assert holder2.stdout.readline().strip() == "locked"
                open_read(db, wait_s=0.5)
            finally:
                holder2.kill()
                holder2.wait()
    finally:
        holder.kill()
        holder.wait()


def test_snapshot_is_consistent_and_leaves_the_file_free_for_writers(results_db):
    import shutil

    from pipeline.store import open_snapshot

    db = results_db({("m1", "plain"): [True]}, write=True)
    folder, snap = open_snapshot(db)
    try:
        writer = open_write(db, wait_s=0)  # the build's snapshot does not hold the file
        writer.execute("DELETE FROM scores")
        writer.execute("DELETE FROM results")
        writer.close()
        # the build keeps reading the state it started from
        assert snap.execute("SELECT count(*) FROM results").fetchall() == [(1,)]
    finally:
        snap.close()
        shutil.rmtree(folder)


def test_version_1_file_migrates_in_place_keeping_rows_and_run_ids(tmp_path):
    from pipeline.store.schema import DDL_V1

    db = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(db))
    con.execute(DDL_V1)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.close()
    # rows as version 1 wrote them
    spec = run_spec("m1", "plain")
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO runs (run_id, experiment_id, experiment_version, model_id, variant, "
                "engine, engine_version, temperature, top_p, max_tokens, seed, n_samples, "
                "constrained, prompt_template_hash, started_at, status) VALUES (?, 'tiny_json', "
                "1, 'm1', 'plain', 'test', '0', 0, 1, 48, 0, 1, false, 'h', now(), 'partial')",
                [spec.run_id])
    con.execute("INSERT INTO results VALUES (?, 'p1', 0, 'p', 'out', NULL, true, NULL, NULL, "
                "1, 2, 3.0, 'stop', now())", [spec.run_id])
    con.close()
    store = Store(db)  # opens for writing: migrates 1 -> current
    store.sync_experiment(load_experiment(TINY))
    assert store.completed(spec.run_id) == {("p1", 0)}
    store.write_results(spec.run_id, [row("p1", True), row("p2", False)])
    con = open_read(db)
    assert schema_version(con) == SCHEMA_VERSION
    assert con.execute("SELECT case_id, raw_output FROM results ORDER BY 1").fetchall() == [
        ("p1", "out"), ("p2", "{}")]  # p1 kept, not duplicated; p2 added
    assert con.execute("SELECT count(*) FROM outcomes").fetchall() == [(2,)]
    con.close()
