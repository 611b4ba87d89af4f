"""Runs a user can manage (issue 22): `runs` lists them, `drop` removes one, a second run of a
slot warns, and one rule (schema v6) decides which run posts read: `outcomes` holds the
current run of each (experiment version, model, variant), `all_outcomes` every run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from runs_kit import MODEL, case

from helpers import query
from pipeline.cli import main
from pipeline.store.runs import slot_conflicts

CASES = [case("c1"), case("c2"), case("c3")]

# The authors' guide's pattern (posts/writing-posts.md): one row per model and prompt.
GUIDE_QUERY = """
SELECT model_id, variant, count(*) AS n, avg(passed::INT) AS rate
FROM outcomes WHERE experiment_id = 'conversions' GROUP BY model_id, variant
"""


def _run_ids(db) -> list[str]:  # noqa: ANN001
    return [r[0] for r in query(db, "SELECT run_id FROM runs ORDER BY started_at, run_id")]


@pytest.fixture
def two_runs(experiment, run_args, capsys):
    """The same version and model run twice, with max_tokens 48 and then 96."""
    assert main(run_args(experiment(CASES))) == 0
    capsys.readouterr()
    assert main(run_args(experiment(CASES, max_tokens=96))) == 0
    return run_args.db, capsys.readouterr().err


def test_a_second_run_of_a_slot_warns_with_what_differs_and_how_posts_see_it(two_runs):
    db, err = two_runs
    old, new = _run_ids(db)
    assert f"conversions v1 {MODEL}/plain already has 1 other run " in err
    assert f"run {old}" in err and "max_tokens 48 → 96" in err
    assert f"posts and the site read run {new}" in err
    assert "python -m pipeline runs conversions;" in err and "python -m pipeline drop RUN" in err


def test_posts_read_the_current_run_and_all_outcomes_both(two_runs):
    db, _ = two_runs
    old, new = _run_ids(db)
    assert query(db, GUIDE_QUERY) == [(MODEL, "plain", 3, 1.0)]  # each case once
    assert query(db, "SELECT DISTINCT run_id FROM outcomes") == [(new,)]
    assert query(db, "SELECT run_id, max_tokens FROM current_runs") == [(new, 96)]
    assert query(db, "SELECT run_id, is_current, count(*) FROM all_outcomes GROUP BY ALL "
                 "ORDER BY is_current") == [(old, False, 3), (new, True, 3)]
    # the other run stays queryable: the SQL the docs give for it
    assert query(db, "SELECT ru.max_tokens, count(*) FROM all_outcomes o JOIN runs ru "
                 "USING (run_id) GROUP BY ALL ORDER BY 1") == [(48, 3), (96, 3)]


def test_resuming_the_older_run_does_not_make_it_current(two_runs, experiment, run_args,
                                                         capsys):
    db, _ = two_runs
    old, new = _run_ids(db)
    assert main(run_args(experiment(CASES))) == 0  # max_tokens 48 again: run `old` resumes
    err = capsys.readouterr().err
    assert f"posts and the site keep reading run {new}" in err
    assert query(db, "SELECT run_id FROM current_runs") == [(new,)]


def test_runs_lists_each_run_with_its_role(two_runs, capsys):
    db, _ = two_runs
    old, new = _run_ids(db)
    assert main(["runs", "conversions", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["run", "experiment", "model"]
    by_id = {line.split()[0]: line for line in lines[1:]}
    assert set(by_id) == {old, new}
    assert "max_tokens=48" in by_id[old] and "superseded" in by_id[old]
    assert "max_tokens=96" in by_id[new] and " current" in by_id[new]
    for line in by_id.values():
        assert "conversions v1" in line and "3/3" in line and "complete" in line
        assert "mock" in line and MODEL in line


def test_runs_takes_the_yaml_and_names_an_unknown_experiment(two_runs, experiment, capsys):
    db, _ = two_runs
    assert main(["runs", str(experiment(CASES)), "--db", str(db)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["runs", "conversion", "--db", str(db)]) == 2
    assert "did you mean 'conversions'" in capsys.readouterr().err


def test_drop_removes_a_run_and_says_which_is_current_now(two_runs, capsys):
    db, _ = two_runs
    old, new = _run_ids(db)
    assert main(["drop", new[:6], "--db", str(db), "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"dropped run {new}" in out and "3 result(s), 3 score(s)" in out
    assert f"now current for conversions v1 {MODEL}/plain: run {old}" in out
    assert _run_ids(db) == [old]
    assert query(db, "SELECT count(*) FROM results WHERE run_id = ?", [new]) == [(0,)]
    assert query(db, "SELECT count(*) FROM scores WHERE run_id = ?", [new]) == [(0,)]
    assert query(db, "SELECT DISTINCT run_id FROM outcomes") == [(old,)]


def test_drop_asks_for_yes_without_a_terminal_and_checks_the_prefix(two_runs, capsys):
    db, _ = two_runs
    old, _new = _run_ids(db)
    assert main(["drop", old, "--db", str(db)]) == 2  # pytest's stdin is not a terminal
    assert "pass --yes" in capsys.readouterr().err
    assert main(["drop", old[:3], "--db", str(db), "--yes"]) == 2
    assert "at least 4 characters" in capsys.readouterr().err
    assert main(["drop", "zzzz", "--db", str(db), "--yes"]) == 2
    assert "no run whose id starts with 'zzzz'" in capsys.readouterr().err
    assert len(_run_ids(db)) == 2


def test_drop_is_refused_while_another_process_holds_the_file(two_runs, capsys):
    db, _ = two_runs
    old, _new = _run_ids(db)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(db)!r})
        print("locked", flush=True)
        sys.stdin.readline()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["drop", old, "--db", str(db), "--yes"]) == 2
        assert "locked by another process" in capsys.readouterr().err
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert len(_run_ids(db)) == 2


def test_slot_conflicts_compares_only_the_settings_given(two_runs):
    db, _ = two_runs
    old, new = _run_ids(db)
    found = slot_conflicts(db, "conversions", 1, MODEL, "plain", {"max_tokens": 96})
    assert [(c.run_id, c.differs, c.current) for c in found] == [
        (old, {"max_tokens": (48, 96)}, False)]
    assert slot_conflicts(db, "conversions", 1, MODEL, "plain",
                          {"max_tokens": 96, "engine": "mock"}, run_id=old) == []
    assert slot_conflicts(db.with_name("none.duckdb"), "conversions", 1, MODEL, "plain",
                          {"max_tokens": 1}) == []
    with pytest.raises(ValueError, match="not run settings: variant"):
        slot_conflicts(db, "conversions", 1, MODEL, "plain", {"variant": "x"})


def test_the_docs_sql_for_the_other_runs_reads_both(two_runs):
    """posts/docs/running.md's queries run as written on a slot with two runs."""
    import re

    from helpers import ROOT

    db, _ = two_runs
    page = (ROOT / "posts" / "docs" / "running.md").read_text()
    every, side_by_side = re.findall(r"```sql\n(.*?)```", page, re.S)
    assert [(r[4], r[5], r[6]) for r in query(db, every)] == [(48, False, 3), (96, True, 3)]
    assert len(query(db, side_by_side)) == 3
