"""`show RUN` prints the full provenance of a real run; `rerun RUN` repeats it from that
record alone and gets the same run id and identical greedy outputs."""

import json
import subprocess
import sys

import duckdb
import pytest

from helpers import ROOT, TINY, require_models


def cli(*args):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    require_models()
    db = tmp_path_factory.mktemp("prov") / "results.duckdb"
    r = cli("run", str(TINY), "--db", str(db), "--variants", "constrained", "--no-progress")
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(db), read_only=True)
    [(run_id,)] = con.execute("SELECT run_id FROM runs").fetchall()
    con.close()
    return db, run_id


def test_show_prints_every_provenance_field(recorded):
    db, run_id = recorded
    r = cli("show", run_id[:6], "--db", str(db))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for needle in ["engine_version           0.3.36", "model_sha256", "chat_template_hash",
                   "SmolLM2-135M-Instruct.Q4_1.gguf", "max_tokens               48",
                   "git_commit", "wall_time_s", "cases                    3 of 3",
                   "tokens_in", "tokens_out", "registry entry:", "CPU"]:
        assert needle in out, needle
    data = json.loads(cli("show", run_id, "--db", str(db), "--json").stdout)
    assert data["run_id"] == run_id and data["status"] == "complete"
    assert data["experiment_path"] == "tests/fixtures/tiny/experiment.yaml"
    assert data["tokens_out"] > 0 and data["wall_time_s"] > 0
    assert data["model_spec"]["id"] == "smollm2-135m"
    assert len(data["chat_template_hash"]) == 16 and data["max_model_len"] == 2048


def test_unknown_or_ambiguous_ids_are_clear_errors(recorded):
    db, _ = recorded
    r = cli("show", "ffffffff", "--db", str(db))
    assert r.returncode == 2 and "no run whose id starts with 'ffffffff'" in r.stderr
    assert "Traceback" not in r.stderr


def test_rerun_recreates_the_run_and_compares_outputs(recorded, tmp_path):
    db, run_id = recorded
    out = tmp_path / "again.duckdb"
    r = cli("rerun", run_id[:8], "--db", str(db), "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert f"re-ran {run_id} into {out} as the same run id: 3 of 3 outputs identical" in r.stdout
