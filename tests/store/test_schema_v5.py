"""Schema version 5: `runs.repeat` (the noise floor), the `repeats` view and the `overlap`
table. A version-4 file migrates in place: every run keeps its id and counts as a measurement."""

import duckdb

from helpers import CTX, run_spec
from pipeline.store import SCHEMA_VERSION
from pipeline.store.db import open_read, schema_version
from pipeline.store.schema import DDL_V1, MIGRATIONS
from pipeline.store.writer import Store


def _version_4(path):
    con = duckdb.connect(str(path))
    con.execute(DDL_V1)
    for v in (2, 3, 4):
        con.execute(MIGRATIONS[v])
    con.execute("INSERT INTO meta VALUES ('schema_version', '4')")
    con.close()


def test_a_version_4_file_migrates_and_its_runs_are_measurements(tmp_path):
    db = tmp_path / "v4.duckdb"
    _version_4(db)
    spec = run_spec("m1", "plain")
    store = Store(db)
    assert store.start_run(spec, CTX) == spec.run_id
    con = open_read(db)
    try:
        assert schema_version(con) == SCHEMA_VERSION >= 5
        assert con.execute("SELECT repeat FROM runs").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM overlap").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM repeats").fetchall() == [(0,)]
    finally:
        con.close()


def test_repeat_joins_the_run_id_only_when_non_zero():
    import dataclasses

    spec = run_spec("m1", "plain")
    assert dataclasses.replace(spec, repeat=0).run_id == spec.run_id  # old ids unchanged
    assert dataclasses.replace(spec, repeat=1).run_id != spec.run_id
    assert dataclasses.replace(spec, repeat=2).run_id != dataclasses.replace(
        spec, repeat=1).run_id
