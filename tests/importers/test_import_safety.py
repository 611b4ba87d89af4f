"""What every importer shares: a file too large to read is refused before it is parsed, and an
import killed at any moment leaves the database as it was (one transaction), with a re-import
then doing the whole job once.

Real logs from tests/fixtures/harness_logs (made by the real tools); the huge file is a sparse
file, so it is huge on the file system without costing the disk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, table_counts
from pipeline.cli import main
from pipeline.importers.safety import MAX_FILE_BYTES

LOGS = ROOT / "tests" / "fixtures" / "harness_logs"
GOOD = {
    "inspect": LOGS / "inspect" / "0.3.285-limit5.eval",
    "lm-eval": next((LOGS / "lm_eval" / "v0.4.13").glob("results_*.json")),
    "promptfoo": LOGS / "promptfoo" / "results-v3-0.121.20.json",
}
HUGE_NAMES = {"inspect": "huge.eval", "lm-eval": "results_2026-12-07T00-00-00.json",
              "promptfoo": "huge.json"}


def counts(db: Path) -> dict[str, int]:
    tables = ("runs", "results", "scores", "cases", "experiments", "models")
    return dict(zip(tables, table_counts(db, tables), strict=True))


@pytest.mark.parametrize("tool", sorted(GOOD))
def test_a_huge_file_is_refused_before_it_is_read(tmp_path, capsys, tool):
    db = tmp_path / "r.duckdb"
    assert main(["import", tool, str(GOOD[tool]), "--db", str(db)]) == 0
    before = counts(db)
    huge = tmp_path / HUGE_NAMES[tool]
    with huge.open("wb") as fh:  # sparse: no disk blocks behind it
        fh.truncate(MAX_FILE_BYTES + 1)
    capsys.readouterr()
    assert main(["import", tool, str(huge), "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {huge}") or err.startswith(f"error: {os.path.relpath(huge)}")
    assert f"{MAX_FILE_BYTES + 1:,} bytes is over the import limit" in err
    assert "\n" not in err and "Traceback" not in err
    assert counts(db) == before


# Runs in a child process: write the first log of the call, then SIGKILL itself inside the
# still-open transaction (the moment an import is most exposed).
KILL_MID_IMPORT = """
import os, signal, sys
import pipeline.store.imports as imports
real = imports._write_log
calls = []
def write_then_die(con, log, options):
    out = real(con, log, options)
    calls.append(out)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return out
imports._write_log = write_then_die
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_an_import_killed_mid_transaction_changes_nothing(tmp_path):
    db = tmp_path / "r.duckdb"
    assert main(["import", "lm-eval", str(GOOD["lm-eval"]), "--db", str(db)]) == 0
    before = counts(db)
    paths = [str(LOGS / "promptfoo" / "results-v3-0.121.20.json"),
             str(LOGS / "promptfoo" / "results-v2-0.91.3.json")]
    # each promptfoo fixture holds two (prompt, provider) runs: four logs in one call
    proc = subprocess.run([sys.executable, "-c", KILL_MID_IMPORT, "import", "promptfoo",
                           *paths, "--db", str(db)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert counts(db) == before  # the two logs written before the kill were never committed
    assert main(["import", "promptfoo", *paths, "--db", str(db)]) == 0
    after = counts(db)
    assert after["runs"] == before["runs"] + 4
    assert main(["import", "promptfoo", *paths, "--db", str(db)]) == 0
    assert counts(db) == after  # and once more: nothing new
