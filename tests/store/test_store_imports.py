"""pipeline.store.imports: identity, idempotency, replacement and all-or-nothing writes.

Records are built here (a seam test); every importer's own test imports real logs made by the
real tools (tests/importers/)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb
import pytest

from helpers import table_counts
from pipeline.cli import main
from pipeline.errors import ImportFileError, StoreError
from pipeline.importers.records import ImportedCase, ImportedLog, ImportedSample
from pipeline.store.imports import ImportOptions, import_logs


def make_log(*, outputs: dict[str, str] | None = None, sha: str | None = None,
             key: str = "eval-1", status: str = "complete") -> ImportedLog:
    outputs = outputs or {"a": "billing", "b": "shipping", "c": "other"}
    expected = {"a": "billing", "b": "refund_request", "c": "other"}
    cases = [ImportedCase(case_id=c, input={"message": f"msg {c}"}, expected=expected[c])
             for c in outputs]
    samples = [ImportedSample(case_id=c, prompt=f"msg {c}", raw_output=out,
                              passed=out == expected[c],
                              scores={"match": float(out == expected[c]), "nan": float("nan")})
               for c, out in outputs.items()]
    body = repr(sorted(outputs.items()))
    return ImportedLog(
        tool="inspect", tool_version="0.3.285", format_version="2", source_file="logs/x.eval",
        source_sha256=sha or hashlib.sha256(body.encode()).hexdigest(), source_key=key,
        task="routing", model="openai-api/local/qwen", status=status,
        created_at=datetime(2026, 12, 7, 12, 0, tzinfo=UTC), primary_metric="match",
        sampling={"temperature": 0.0, "max_tokens": 24}, headline={"match/accuracy": 2 / 3},
        cases=cases, samples=samples)


def counts(db) -> tuple[int, ...]:
    return table_counts(db)


def test_import_is_idempotent_and_first_class(tmp_path):
    db = tmp_path / "r.duckdb"
    [first] = import_logs(db, [make_log()])
    assert first.action == "imported" and first.samples == 3
    assert any("non-finite" in n for n in first.notes)
    before = counts(db)
    assert before == (1, 3, 3, 3)  # NaN scores are not stored
    [again] = import_logs(db, [make_log()])
    assert again.action == "unchanged" and counts(db) == before
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT experiment_id, variant, engine, source_tool, source_version, "
                      "status, temperature, top_p, started_at FROM current_runs").fetchone()
    assert row[:7] == ("inspect-routing", "inspect", "inspect", "inspect", "0.3.285",
                       "complete", 0.0)
    assert row[7] is None  # the log did not say: stored as unknown, not as a default
    assert row[8] == datetime(2026, 12, 7, 12, 0)  # the log's own time, in UTC
    rate = con.execute("SELECT avg(passed::INT) FROM outcomes").fetchone()[0]
    assert rate == pytest.approx(2 / 3)


def test_changed_file_is_refused_unless_replaced(tmp_path):
    db = tmp_path / "r.duckdb"
    import_logs(db, [make_log()])
    changed = make_log(outputs={"a": "billing", "b": "refund_request", "c": "other"})
    with pytest.raises(StoreError, match="other content .*pass --replace"):
        import_logs(db, [changed])
    assert counts(db) == (1, 3, 3, 3)
    [out] = import_logs(db, [changed], ImportOptions(replace=True))
    assert out.action == "replaced"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FILTER (passed) FROM results").fetchone()[0] == 3


def test_a_failing_log_leaves_the_database_unchanged(tmp_path):
    db = tmp_path / "r.duckdb"
    import_logs(db, [make_log()])
    before = counts(db)
    conflicting = make_log(key="eval-2")
    conflicting.cases[0].input = {"message": "other text"}  # same task, other data
    with pytest.raises(ImportFileError, match="logs/x.eval: sample 'a': differs from case"):
        import_logs(db, [make_log(key="eval-3"), conflicting])
    assert counts(db) == before  # the first, good log of the call was rolled back too


def test_experiment_option_maps_samples_onto_stored_cases(tmp_path):
    db = tmp_path / "r.duckdb"
    import_logs(db, [make_log()])
    [out] = import_logs(db, [make_log(key="eval-9", outputs={"a": "billing", "b": "x"})],
                        ImportOptions(experiment="inspect-routing", variant="second"))
    assert (out.experiment_id, out.variant) == ("inspect-routing", "second")
    assert "1 of the experiment's 3 cases are not in this log" in out.notes
    with pytest.raises(StoreError, match="no such experiment.*Did you mean 'inspect-routing'"):
        import_logs(db, [make_log()], ImportOptions(experiment="inspect-routin"))


def test_unknown_case_under_experiment_names_the_sample(tmp_path):
    db = tmp_path / "r.duckdb"
    import_logs(db, [make_log()])
    log = make_log(key="k2")
    log.cases.append(ImportedCase(case_id="zz", input={}, expected="other"))
    log.samples.append(ImportedSample(case_id="zz", prompt="p", raw_output="o", passed=False))
    with pytest.raises(ImportFileError, match=r"logs/x.eval: sample 'zz': not a case of "
                       r"experiment 'inspect-routing' version 1"):
        import_logs(db, [log], ImportOptions(experiment="inspect-routing"))


def test_partial_log_is_marked_and_cli_refuses_an_unknown_file(tmp_path, capsys):
    db = tmp_path / "r.duckdb"
    [out] = import_logs(db, [make_log(status="partial")])
    assert any(n.startswith("partial log") for n in out.notes)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT status FROM runs").fetchone()[0] == "partial"
    con.close()
    assert main(["import", "inspect", str(tmp_path / "missing.eval"), "--db", str(db)]) == 2
    assert "missing.eval: no such file" in capsys.readouterr().err
