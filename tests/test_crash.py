"""kill -9 at random moments: each trial kills a real run (SmolLM2, one case per committed
batch) after a random delay — during start-up, model load, generation or a commit — then
re-runs the same command. Every trial must end with every sample stored exactly once, the
resume must write exactly the rows that were missing, and the file must always open.
The row counts of all 20 trials are printed."""

import random
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from helpers import ROOT, require_models

NINE = ROOT / "tests" / "fixtures" / "nine" / "experiment.yaml"
TRIALS = 20
CASES = 9


# json_fields scores every output on 3 levels plus one `field:<name>` metric per expected
# field (the fixture's person has name and age): 5 score rows per result.
METRICS = 5


def stored(db):
    if not db.exists():
        return 0, 0, 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                           "'results'").fetchall()[0][0]:
            return 0, 0, 0  # killed after DuckDB created the file, before the schema commit
        return con.execute(
            "SELECT count(*), count(DISTINCT (run_id, case_id, sample_idx)), "
            "(SELECT count(*) FROM scores) FROM results").fetchall()[0]
    finally:
        con.close()


def test_kill_minus_nine_at_random_points_resumes_without_loss_or_duplicates(tmp_path, capsys):
    require_models()
    rng = random.Random(20261125)
    args = [sys.executable, "-m", "pipeline", "run", str(NINE), "--batch-size", "1",
            "--no-progress"]
    report = []
    for trial in range(1, TRIALS + 1):
        db = tmp_path / f"trial-{trial}.duckdb"
        delay = rng.uniform(0.5, 6.0)
        proc = subprocess.Popen([*args, "--db", str(db)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        finished_first = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before, distinct_before, _ = stored(db)  # the file opens after any kill
        assert before == distinct_before <= CASES
        resume = subprocess.run([*args, "--db", str(db)], cwd=ROOT, capture_output=True,
                                text=True, timeout=600)
        assert resume.returncode == 0, resume.stderr[-2000:]
        after, distinct_after, scores = stored(db)
        wrote = int(resume.stdout.split(" new result row")[0].rsplit(" ", 1)[1])
        report.append((trial, delay, before, wrote, after, finished_first))
        assert (after, distinct_after, scores) == (CASES, CASES, METRICS * CASES), report[-1]
        assert wrote == CASES - before, "the resume redid or lost committed rows"
    with capsys.disabled():
        print(f"\nkill -9 trials ({TRIALS}): trial, kill after s, rows kept, rows written on "
              "resume, rows at end")
        for trial, delay, before, wrote, after, done in report:
            note = " (run had finished)" if done else ""
            print(f"  {trial:2d}  {delay:4.1f}s  kept {before}  +{wrote}  = {after}{note}")
        mid = sum(0 < b < CASES for _, _, b, *_ in report)
        print(f"  {TRIALS}/{TRIALS} passed; {mid} killed mid-run with rows committed")
    assert mid >= TRIALS // 4, "too few kills landed mid-run to mean anything"


pytestmark = pytest.mark.slow
