"""The noise floor (issue 19, item 7): `run --repeat K --sample N` repeats measured runs on a
seeded sample of their cases, as runs of their own that never count as measurements."""

import subprocess
import sys

import duckdb
import pytest

from helpers import ROOT, TINY, require_models
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment
from pipeline.run_options import RunOptions
from pipeline.runner import select_cases


def test_the_sample_is_seeded_by_case_id_not_by_file_order():
    exp = load_experiment(TINY)
    ids = {c.id for c in exp.cases}
    a = [c.id for c in select_cases(exp, RunOptions(sample=2, sample_seed=0))]
    assert len(a) == 2 and set(a) <= ids
    assert a == [c.id for c in select_cases(exp, RunOptions(sample=2, sample_seed=0))]
    seeds = {tuple(c.id for c in select_cases(exp, RunOptions(sample=2, sample_seed=s)))
             for s in range(20)}
    assert len(seeds) > 1  # another seed, another sample
    assert len(select_cases(exp, RunOptions(sample=99))) == len(exp.cases)


@pytest.mark.parametrize("bad", [{"sample": 0}, {"repeat": -1}, {"sample_seed": -2},
                                 {"repeat": True}])
def test_bad_options_are_refused(bad):
    with pytest.raises(ConfigError):
        RunOptions(**bad)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_a_repeat_is_its_own_run_paired_with_the_measurement(tmp_path):
    require_models()
    db = tmp_path / "r.duckdb"
    base = ["run", str(TINY), "--db", str(db), "--no-progress", "--engine", "llama_cpp",
            "--variants", "plain"]
    assert _cli(*base, "--limit", "3").returncode == 0
    r = _cli(*base, "--limit", "3", "--sample", "2", "--repeat", "1")
    assert r.returncode == 0, r.stderr
    again = _cli(*base, "--limit", "3", "--sample", "2", "--repeat", "1")  # resumes: no rows
    assert "2/2 cases (0 now, 2 from earlier sessions)" in again.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute("SELECT repeat, run_id FROM runs ORDER BY repeat").fetchall()
        assert [r[0] for r in runs] == [0, 1] and runs[0][1] != runs[1][1]
        # measurements only: the repeat adds no case to what posts count
        assert con.execute("SELECT count(*) FROM outcomes").fetchall() == [(3,)]
        pairs = con.execute("SELECT original_run_id, repeat_run_id, case_id, same_output, "
                            "flipped FROM repeats ORDER BY case_id").fetchall()
        assert len(pairs) == 2 and {p[:2] for p in pairs} == {(runs[0][1], runs[1][1])}
        # llama.cpp greedy on one thread of work: the same output, the same verdict
        assert all(p[3] is not None and p[4] is not None for p in pairs)
        assert con.execute("SELECT count(*) FROM results").fetchall() == [(5,)]
    finally:
        con.close()
