"""Sharded runs, merged, and a Ray run on a local cluster, each equal an unsharded run case
for case (real SmolLM2, greedy decoding)."""

import subprocess
import sys

import duckdb
import pytest

from helpers import ROOT, require_models

NINE = ROOT / "tests" / "fixtures" / "nine" / "experiment.yaml"
COLUMNS = ("run_id, case_id, sample_idx, raw_output, parsed_output, passed, failure_mode, "
           "completion_tokens")


def cli(*args):
    r = subprocess.run([sys.executable, "-m", "pipeline", *args, "--no-progress"]
                       if args[0] == "run" else [sys.executable, "-m", "pipeline", *args],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def results(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(f"SELECT {COLUMNS} FROM results ORDER BY ALL").fetchall()
        scores = con.execute("SELECT * FROM scores ORDER BY ALL").fetchall()
        status = con.execute("SELECT run_id, status FROM runs ORDER BY 1").fetchall()
        return rows, scores, status
    finally:
        con.close()


@pytest.fixture(scope="module")
def unsharded(tmp_path_factory):
    require_models()
    db = tmp_path_factory.mktemp("single") / "results.duckdb"
    cli("run", str(NINE), "--db", str(db))
    rows, scores, status = results(db)
    assert len(rows) == 9 and status[0][1] == "complete"
    return rows, scores, status


def test_three_shards_merged_equal_the_unsharded_run(unsharded, tmp_path):
    shards = []
    for i in (1, 2, 3):
        shards.append(tmp_path / f"shard-{i}.duckdb")
        cli("run", str(NINE), "--shard", f"{i}/3", "--db", str(shards[-1]))
    target = tmp_path / "results.duckdb"
    out = cli("merge", *map(str, shards), "--into", str(target)).stdout
    assert "9 new result row(s)" in out and "complete" in out
    assert results(target) == unsharded
    again = cli("merge", *map(str, shards), "--into", str(target)).stdout
    assert "0 new result row(s)" in again and results(target) == unsharded


def test_ray_run_on_a_local_cluster_equals_the_unsharded_run(unsharded, tmp_path):
    pytest.importorskip("ray")
    target = tmp_path / "results.duckdb"
    r = cli("run", str(NINE), "--ray", "local", "--shards", "3", "--db", str(target))
    assert "3 shard task(s)" in r.stderr + r.stdout
    assert results(target) == unsharded
    assert sorted(p.name for p in (tmp_path / "results.duckdb.shards").iterdir()) == [
        "shard-1-of-3.duckdb", "shard-2-of-3.duckdb", "shard-3-of-3.duckdb"]
