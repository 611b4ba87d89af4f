"""A failed run never poisons the database (issue 22): a version's cases are frozen only once
results exist, and a run that failed before its first commit leaves no run behind. Replayed
through the CLI on the mock engine: the fixed experiment runs again without a version bump
or a restore, with no duplicate row."""

from __future__ import annotations

import re

import pytest
from runs_kit import case

from helpers import CTX, query, run_spec
from pipeline.cli import main
from pipeline.loading import load_experiment
from pipeline.store import Store


def _run(args: list[str]) -> int | Exception:
    """main's exit status, or the exception a crashing run let through (a scorer that
    raises is reported as a ScorerError, exit 2; anything else keeps its traceback)."""
    try:
        return main(args)
    except Exception as exc:  # noqa: BLE001 - the crash itself is what is being replayed
        return exc


def test_a_run_that_crashes_mid_way_runs_after_the_fix_without_a_bump(experiment, run_args,
                                                                     capsys):
    broken = [case("c1"), case("c2"), case("c3", answer=None), case("c4")]
    yaml = experiment(broken)
    capsys.readouterr()
    crashed = _run(run_args(yaml, "--batch-size", "2"))
    assert crashed == 2, "a scorer raising on c3 stops the run as a clear error"
    err = capsys.readouterr().err
    assert re.search(r"cases\.jsonl:3: scorer: scorer '\w+' raised on case 'c3': \w+", err), err
    assert "kept 2 of 4 cases" in err and "run the same command to resume" in err, err
    assert "Traceback" not in err
    db = run_args.db
    # batch 1 was committed, batch 2 (c3) was not: the run keeps what it had
    assert query(db, "SELECT case_id FROM results ORDER BY case_id") == [("c1",), ("c2",)]

    fixed = [case("c1"), case("c2"), case("c3", answer="mock"), case("c4")]
    yaml = experiment(fixed)
    assert main(run_args(yaml, "--batch-size", "2")) == 0  # no bump, no restore
    assert "Bump" not in capsys.readouterr().err

    assert query(db, "SELECT count(*), count(DISTINCT case_id) FROM results") == [(4, 4)]
    assert query(db, "SELECT count(*), count(DISTINCT (case_id, metric)) FROM scores") \
        == [(4, 4)]
    assert query(db, "SELECT count(*), any_value(status) FROM runs") == [(1, "complete")]
    assert query(db, "SELECT expected->>'answer' FROM cases WHERE case_id = 'c3'") \
        == [("mock",)]
    assert query(db, "SELECT count(*), count_if(passed) FROM outcomes") == [(4, 4)]


def test_a_run_that_fails_before_its_first_commit_leaves_no_run(experiment, run_args,
                                                               capsys):
    yaml = experiment([case("c1", answer=None), case("c2")])
    assert _run(run_args(yaml)) != 0
    db = run_args.db
    assert query(db, "SELECT count(*) FROM runs") == [(0,)]
    assert query(db, "SELECT count(*) FROM current_runs") == [(0,)]
    capsys.readouterr()
    assert main(["runs", "--db", str(db)]) == 0
    assert "no runs" in capsys.readouterr().out

    yaml = experiment([case("c1", answer="mock"), case("c2")])
    assert main(run_args(yaml)) == 0
    assert query(db, "SELECT count(*), any_value(status) FROM runs") == [(1, "complete")]
    assert query(db, "SELECT count(*) FROM results") == [(2,)]


def test_a_changed_case_with_results_is_still_refused(experiment, run_args, capsys):
    yaml = experiment([case("c1"), case("c2")])
    assert main(run_args(yaml)) == 0
    capsys.readouterr()
    yaml = experiment([case("c1", answer="other"), case("c2")])
    assert main(run_args(yaml)) == 2
    err = capsys.readouterr().err
    assert "conversions/experiment.yaml: 1 case(s) changed" in err
    assert "c1" in err and "Bump 'version:'" in err
    assert query(run_args.db, "SELECT expected->>'answer' FROM cases WHERE case_id = 'c1'") \
        == [("mock",)]


def test_cases_without_results_follow_the_file(experiment, tmp_path):
    """Stored cases nobody has a result for are replaced, or removed with the file's line;
    a case with results is kept even when the file drops it."""
    store = Store(tmp_path / "s.duckdb")
    store.sync_experiment(load_experiment(experiment([case("a"), case("b"), case("c")])))
    spec = run_spec("m1", "plain", experiment_id="conversions")
    run_id = store.start_run(spec, CTX)
    from helpers import row

    store.write_results(run_id, [row("a", True)])
    store.sync_experiment(load_experiment(experiment([case("b", answer="new")])))
    assert query(tmp_path / "s.duckdb", "SELECT case_id, expected->>'answer' FROM cases "
                 "ORDER BY case_id") == [("a", "mock"), ("b", "new")]


def test_a_result_less_run_left_by_a_kill_is_removed_when_its_slot_starts_again(tmp_path):
    """kill -9 before the first commit leaves a run row without results; the next run of the
    same slot (here with other sampling) removes it instead of listing it beside itself."""
    import dataclasses

    store = Store(tmp_path / "s.duckdb")
    killed = store.start_run(run_spec("m1", "plain"), CTX)
    other_slot = store.start_run(run_spec("m2", "plain"), CTX)
    new = store.start_run(dataclasses.replace(run_spec("m1", "plain"), max_tokens=96), CTX)
    ids = {r[0] for r in query(tmp_path / "s.duckdb", "SELECT run_id FROM runs")}
    assert ids == {new, other_slot} and killed not in ids


def test_a_batch_of_a_dropped_run_is_refused_not_orphaned(tmp_path):
    from helpers import row
    from pipeline.errors import StoreError
    from pipeline.store.runs import drop_run

    store = Store(tmp_path / "s.duckdb")
    run_id = store.start_run(run_spec("m1", "plain"), CTX)
    store.write_results(run_id, [row("p1", True)])
    drop_run(tmp_path / "s.duckdb", run_id)
    with pytest.raises(StoreError, match="no longer in the database"):
        store.write_results(run_id, [row("p2", True)])
    assert query(tmp_path / "s.duckdb", "SELECT count(*) FROM results") == [(0,)]
