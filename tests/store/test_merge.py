"""Merging shard files: union, idempotence, and refusal (with nothing written) on conflicts."""

import dataclasses

import pytest

from helpers import query, row, run_spec, write_run
from pipeline.errors import StoreError
from pipeline.store.merge import merge_databases


def shard(path, case_ids, spec=None, outputs=None, errors=()):
    rows = []
    for c in case_ids:
        r = row(c, True, (outputs or {}).get(c, f'{{"id": "{c}"}}'))
        if c in errors:
            r = dataclasses.replace(r, error="boom", passed=False, failure_mode="error",
                                    raw_output="")
        rows.append(r)
    return write_run(path, rows, spec, wall_time_s=1.5)


def test_shards_fold_into_one_complete_run_idempotently(tmp_path):
    a = shard(tmp_path / "a.duckdb", ["p1"])
    b = shard(tmp_path / "b.duckdb", ["p2", "p3"])
    target = tmp_path / "results.duckdb"
    report = merge_databases([a, b], target)
    assert report.results_added == 3 and list(report.runs.values()) == ["complete"]
    assert query(target, "SELECT case_id, raw_output FROM results ORDER BY 1") == [
        ("p1", '{"id": "p1"}'), ("p2", '{"id": "p2"}'), ("p3", '{"id": "p3"}')]
    assert query(target, "SELECT count(*) FROM scores") == [(9,)]
    assert query(target, "SELECT status, wall_time_s, shard FROM runs") == [
        ("complete", 3.0, None)]
    again = merge_databases([a, b], target)
    assert again.results_added == 0
    assert query(target, "SELECT count(*), sum(wall_time_s) FROM results, runs") == [(3, 9.0)]


def test_differing_run_configs_are_refused_naming_the_field(tmp_path):
    a = shard(tmp_path / "a.duckdb", ["p1"])
    newer = dataclasses.replace(run_spec("m1", "plain"), engine_version="9.9")
    b = shard(tmp_path / "b.duckdb", ["p2"], spec=newer)
    target = tmp_path / "results.duckdb"
    with pytest.raises(StoreError, match=r"engine_version differ.*'9\.9'"):
        merge_databases([a, b], target)
    assert not target.exists()  # nothing written: refused before the target is created


def test_conflicting_outputs_for_one_sample_are_refused(tmp_path):
    a = shard(tmp_path / "a.duckdb", ["p1"], outputs={"p1": "one"})
    b = shard(tmp_path / "b.duckdb", ["p1"], outputs={"p1": "two"})
    target = tmp_path / "results.duckdb"
    with pytest.raises(StoreError, match="different outputs for run .* case 'p1'"):
        merge_databases([a, b], target)
    assert not target.exists()


def test_an_error_row_gives_way_to_a_real_output(tmp_path):
    target = shard(tmp_path / "results.duckdb", ["p1", "p2"], errors={"p2"})
    fixed = shard(tmp_path / "retry.duckdb", ["p2"])
    merge_databases([fixed], target)
    assert query(target, "SELECT case_id, error, raw_output FROM results ORDER BY 1") == [
        ("p1", None, '{"id": "p1"}'), ("p2", None, '{"id": "p2"}')]
    assert query(target, "SELECT count(*) FROM scores WHERE case_id = 'p2'") == [(3,)]


def test_missing_or_foreign_files_fail_clearly(tmp_path):
    with pytest.raises(StoreError, match="not found"):
        merge_databases([tmp_path / "nope.duckdb"], tmp_path / "t.duckdb")
    target = shard(tmp_path / "t.duckdb", ["p1"])
    with pytest.raises(StoreError, match="is the target itself"):
        merge_databases([target], target)


def test_a_target_case_without_results_gives_way_to_the_shards(tmp_path):
    """Cases are frozen only once results exist: a target that holds a case from a failed
    run (no result) takes the shard's fixed content; one with results still refuses."""
    from helpers import TINY
    from pipeline.loading import load_experiment
    from pipeline.store import Store

    target = tmp_path / "results.duckdb"
    broken = load_experiment(TINY)
    broken.cases[0] = broken.cases[0].model_copy(update={"expected": {"name": "?", "age": 0}})
    Store(target).sync_experiment(broken)
    a = shard(tmp_path / "a.duckdb", ["p1", "p2", "p3"])
    assert merge_databases([a], target).results_added == 3
    assert query(target, "SELECT expected->>'name' FROM cases WHERE case_id = 'p1'") == [
        ("Ada Park",)]
    Store(target).sync_experiment(load_experiment(TINY))  # what the shard ran: accepted
    b = tmp_path / "b.duckdb"
    Store(b).sync_experiment(broken)
    with pytest.raises(StoreError, match="case content differs"):
        merge_databases([b], target)
