"""pipeline.exporters.eee: the committed results database as Every Eval Ever records.

Judged by the real `every-eval-ever` 0.3.0 wheel, not by a copy of its rules: every record
of the full export is validated against the wheel's own JSON schemas (draft-07) and read
back by the wheel's own validator (its pydantic models and datastore checks), and every
interval is compared with the one the site computes through its SQL functions.

The wheel requires Python >= 3.12, so it is not installed here: `make eee-schemas` downloads
and unpacks it into .cache/eee (or where EEE_SCHEMA_DIR points); its validator imports on
3.11 from that folder. A missing copy is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from jsonschema import Draft7Validator

from pipeline.cli import main
from pipeline.errors import StoreError
from pipeline.exporters.eee import HF_REPOS, PROJECT, ExportSummary, export_eee
from pipeline.importers.records import ImportedCase, ImportedLog, ImportedSample
from pipeline.site.core import sql_functions
from pipeline.store.db import open_write
from pipeline.store.imports import import_logs

REPO = Path(__file__).resolve().parents[2]
COMMITTED_DB = REPO / "results.duckdb"
FETCH_HINT = (
    "pip download every-eval-ever==0.3.0 --no-deps --python-version 3.12 "
    "--only-binary=:all: -d .cache/eee-wheel && python -m zipfile -e "
    ".cache/eee-wheel/every_eval_ever-0.3.0-py3-none-any.whl .cache/eee")


def eee_package_root() -> Path:
    """The folder holding the unpacked wheel's `every_eval_ever/` (schemas and code)."""
    root = Path(os.environ.get("EEE_SCHEMA_DIR") or REPO / ".cache" / "eee")
    hits = sorted(root.glob("**/every_eval_ever/schemas/eval.schema.json")) \
        if root.is_dir() else []
    if not hits:
        pytest.fail(f"Every Eval Ever schemas not found under {root} (EEE_SCHEMA_DIR): "
                    f"run `make eee-schemas`, i.e. {FETCH_HINT}", pytrace=False)
    return hits[0].parents[2]


def validators() -> tuple[Draft7Validator, Draft7Validator]:
    schemas = eee_package_root() / "every_eval_ever" / "schemas"
    agg = json.loads((schemas / "eval.schema.json").read_text())
    inst = json.loads((schemas / "instance_level_eval.schema.json").read_text())
    assert agg["version"] == inst["version"] == "0.3.0"
    Draft7Validator.check_schema(agg)
    Draft7Validator.check_schema(inst)
    return Draft7Validator(agg), Draft7Validator(inst)


def schema_errors(out: Path) -> tuple[int, int, list[str]]:
    """(aggregates, instance rows, every schema error as 'file[:line]: path: message')."""
    agg_v, inst_v = validators()
    n_agg = n_inst = 0
    errors: list[str] = []
    for path in sorted(out.rglob("*.json")):
        n_agg += 1
        for e in agg_v.iter_errors(json.loads(path.read_text())):
            errors.append(f"{path.name}: {list(e.absolute_path)}: {e.message[:200]}")
    for path in sorted(out.rglob("*.jsonl")):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            n_inst += 1
            for e in inst_v.iter_errors(json.loads(line)):
                errors.append(f"{path.name}:{i}: {list(e.absolute_path)}: {e.message[:200]}")
    return n_agg, n_inst, errors


def aggregates(out: Path) -> dict[str, dict[str, Any]]:
    """{run id: aggregate record} of an export."""
    recs = [json.loads(p.read_text()) for p in sorted(out.rglob("*.json"))]
    return {r["source_metadata"]["additional_details"]["run_id"]: r for r in recs}


def result(record: dict[str, Any], result_id: str) -> dict[str, Any]:
    (hit,) = [r for r in record["evaluation_results"] if r["evaluation_result_id"] == result_id]
    return hit


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the committed database (never the file itself), migrated in the copy so
    the tests' own SQL reads it; the exporter would migrate its snapshot anyway."""
    path = tmp_path_factory.mktemp("eee-db") / "results.duckdb"
    shutil.copyfile(COMMITTED_DB, path)
    open_write(path).close()
    return path


@pytest.fixture(scope="module")
def full(db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[ExportSummary, Path]:
    """Every experiment of the committed database, exported once."""
    out = tmp_path_factory.mktemp("eee-out")
    return export_eee(db, out), out


def sql(db: Path, query: str, params: list[Any] | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        sql_functions.register(con)
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def test_full_export_validates_against_the_eee_schemas(db: Path, full) -> None:
    summary, out = full
    n_agg, n_inst, errors = schema_errors(out)
    assert errors == []
    # one aggregate per current run, one instance row per result row of those runs
    (runs, rows), = sql(db, "SELECT count(DISTINCT run_id), count(*) FROM results "
                            "WHERE run_id IN (SELECT run_id FROM current_runs)")
    assert (n_agg, n_inst) == (summary.aggregate_records, summary.instance_records) \
        == (runs, rows)
    experiments = {e for (e,) in sql(db, "SELECT DISTINCT experiment_id FROM current_runs")}
    assert {p.name for p in (out / "data").iterdir()} == experiments
    assert summary.bytes_written == sum(p.stat().st_size for p in summary.files)
    records = aggregates(out).values()
    assert len({r["evaluation_id"] for r in records}) == n_agg
    for rec in records:  # each companion is the file its aggregate describes
        detail = rec["detailed_evaluation_results"]
        body = (out / detail["file_path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == detail["checksum"]
        assert len(body.splitlines()) == detail["total_rows"]


def test_full_export_reads_back_through_the_packages_own_validator(full) -> None:
    """The wheel's validator: strict JSON, its pydantic models, the datastore path rules,
    the aggregate <-> samples companion checks (checksum-free: ids, row counts), model
    identity path and deployment checks. Errors and warnings both fail."""
    _, out = full
    sys.path.insert(0, str(eee_package_root()))
    try:
        from every_eval_ever.eval_types import EvaluationLog
        from every_eval_ever.validator.validate import main as eee_validate

        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            rc = eee_validate(["--format", "json", str(out / "data/*/*/*/*.json*")])
        reports = json.loads(stdout.getvalue())
        bad = [(r["file"], r["errors"][:2], r["warnings"][:2]) for r in reports
               if r["errors"] or r["warnings"] or not r["valid"]]
        assert (rc, bad) == (0, [])
        assert len(reports) == 2 * len(aggregates(out))
        for path in sorted(out.rglob("*.json")):
            log = EvaluationLog.model_validate_json(path.read_text())
            raw = json.loads(path.read_text())
            assert log.evaluation_results[0].score_details.score \
                == raw["evaluation_results"][0]["score_details"]["score"]
    finally:
        sys.path.remove(str(eee_package_root()))


def test_pass_rate_and_its_interval_equal_the_sites(db: Path, full) -> None:
    """Every run's pass rate and 95% interval: the site's `wilson_ci` (one sample per case)
    or `cluster_rate_ci` (several), over the `outcomes` view posts read."""
    _, out = full
    records = aggregates(out)
    site = {r: (k, n, w, c) for r, k, n, w, c in sql(db, """
        SELECT run_id, count_if(passed)::BIGINT, count(*),
               wilson_ci(count_if(passed)::BIGINT, count(*)),
               cluster_rate_ci(list({'cluster': case_id, 'outcome': passed}))
        FROM outcomes GROUP BY run_id""")}
    assert set(site) == set(records)
    clustered = 0
    for run_id, (k, n, wilson, cluster) in site.items():
        got = result(records[run_id], "passed")["score_details"]
        ci = got["uncertainty"]["confidence_interval"]
        several = cluster["samples"] > cluster["clusters"]
        clustered += several
        want = cluster if several else wilson
        assert (got["score"], got["uncertainty"]["num_samples"]) == (k / n, n)
        assert (ci["lower"], ci["upper"], ci["confidence_level"]) \
            == (want["low"], want["high"], 0.95), run_id
        assert ci["method"] == ("cluster_bootstrap_percentile" if several else "wilson")
    assert clustered >= 1  # the committed database has runs with 5 samples per case


def test_metric_intervals_equal_the_sites(db: Path, full) -> None:
    """A 0/1 metric gets the site's Wilson interval; a continuous one the bootstrap interval
    of `suite_score` (one suite: the plain seeded percentile bootstrap of the mean)."""
    _, out = full
    records = aggregates(out)
    ((run_id, k, n, wilson),) = sql(db, """
        SELECT run_id, sum(value)::BIGINT, count(*), wilson_ci(sum(value)::BIGINT, count(*))
        FROM scores WHERE metric = 'correct' AND run_id IN (
            SELECT run_id FROM current_runs WHERE experiment_id = 'classification'
            ORDER BY run_id LIMIT 1) GROUP BY run_id""")
    ci = result(records[run_id], "correct")["score_details"]["uncertainty"]
    assert (ci["confidence_interval"]["lower"], ci["confidence_interval"]["upper"],
            ci["num_samples"]) == (wilson["low"], wilson["high"], n)
    ((run_id, suite),) = sql(db, """
        SELECT run_id, suite_score(list({'suite': 'all', 'value': value}))
        FROM scores WHERE metric = 'f1' AND run_id IN (
            SELECT run_id FROM current_runs ORDER BY run_id) GROUP BY run_id
        ORDER BY run_id LIMIT 1""")
    got = result(records[run_id], "f1")
    ci = got["score_details"]["uncertainty"]["confidence_interval"]
    assert got["score_details"]["score"] == pytest.approx(suite["score"], abs=1e-12)
    assert (ci["lower"], ci["upper"], ci["method"]) \
        == (suite["low"], suite["high"], "bootstrap_percentile")
    assert got["metric_config"]["additional_details"]["bounds_status"] == "unknown"


def test_instances_carry_the_verdict_and_what_has_no_field(db: Path, full) -> None:
    _, out = full
    (run_id, case_id, passed, mode, output), = sql(db, """
        SELECT o.run_id, o.case_id, o.passed, o.failure_mode, r.raw_output FROM outcomes o
        JOIN results r USING (run_id, case_id, sample_idx)
        WHERE NOT o.passed AND o.failure_mode = 'wrong_label'
        ORDER BY o.run_id, o.case_id LIMIT 1""")
    rec = aggregates(out)[run_id]
    samples = out / rec["detailed_evaluation_results"]["file_path"]
    rows = [json.loads(x) for x in samples.read_text().splitlines()]
    (row,) = [r for r in rows if r["sample_id"] == case_id]
    assert row["evaluation"] == {"score": 0.0, "is_correct": False, "num_turns": 1,
                                 "tool_calls_count": 0}
    assert row["output"]["raw"] == [output]
    assert row["metadata"]["failure_mode"] == mode
    assert row["evaluation_id"] == rec["evaluation_id"]
    # multi-turn cases keep their transcript as messages
    (mt_run,), = sql(db, "SELECT min(run_id) FROM current_runs WHERE experiment_id = "
                         "'multi_turn'")
    mt = aggregates(out)[mt_run]
    first = json.loads((out / mt["detailed_evaluation_results"]["file_path"])
                       .read_text().splitlines()[0])
    assert first["interaction_type"] == "multi_turn"
    assert first["output"] is None
    assert [m["turn_idx"] for m in first["messages"]] == list(range(len(first["messages"])))


def test_model_ids_follow_the_registry(full) -> None:
    summary, out = full
    registry = yaml.safe_load((REPO / "experiments" / "models.yaml").read_text())["models"]
    repos = {m["id"]: m["weights"]["vllm"]["hf_id"] for m in registry
             if (m.get("weights") or {}).get("vllm")}
    assert {k: repos[k] for k in HF_REPOS} == HF_REPOS
    ids = {r["model_info"]["additional_details"]["registry_id"]: r["model_info"]["id"]
           for r in aggregates(out).values()}
    assert ids == {"smollm2-135m": "HuggingFaceTB/SmolLM2-135M-Instruct",
                   "gemma3-270m": "google/gemma-3-270m",
                   "qwen2.5-coder-1.5b": "Qwen/Qwen2.5-Coder-1.5B-Instruct",
                   "smollm2-135m-pycode-lora": f"{PROJECT}/smollm2-135m-pycode-lora"}
    assert any("smollm2-135m-pycode-lora: an adapter" in u for u in summary.unmapped)
    assert any(u.startswith("results.failure_mode") for u in summary.unmapped)


def imported_log() -> ImportedLog:
    """A log as an importer hands it over (the store's own importer writes it)."""
    expected = {"a": "billing", "b": "refund_request", "c": "other"}
    outputs = {"a": "billing", "b": "shipping", "c": "other"}
    return ImportedLog(
        tool="inspect", tool_version="0.3.285", format_version="2",
        source_file="logs/routing.eval", source_sha256="ab" * 32, source_key="eval-1",
        task="routing", model="openai-api/local/mystery-7b",
        created_at=datetime(2026, 12, 7, 12, 0, tzinfo=UTC), primary_metric="match",
        sampling={"temperature": 0.0, "max_tokens": 24}, headline={"match/accuracy": 2 / 3},
        cases=[ImportedCase(case_id=c, input={"message": f"msg {c}"}, expected=expected[c])
               for c in outputs],
        samples=[ImportedSample(case_id=c, prompt=f"msg {c}", raw_output=o,
                                passed=o == expected[c], scores={"match": float(o == expected[c])})
                 for c, o in outputs.items()])


def test_imported_run_names_its_harness(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "r.duckdb"
    shutil.copyfile(db, copy)
    (outcome,) = import_logs(copy, [imported_log()])
    summary = export_eee(copy, tmp_path / "out", runs=[outcome.run_id])
    assert schema_errors(tmp_path / "out")[2] == []
    (rec,) = aggregates(tmp_path / "out").values()
    assert rec["eval_library"]["name"] == "inspect_ai"
    assert rec["eval_library"]["version"] == "0.3.285"
    assert rec["eval_library"]["additional_details"]["headline:match/accuracy"] \
        == repr(2 / 3)
    details = rec["source_metadata"]["additional_details"]
    assert (details["source_tool"], details["source_file"], details["source_sha256"]) \
        == ("inspect", "logs/routing.eval", "ab" * 32)
    assert "inference_engine" not in rec["model_info"]  # the harness is not the server
    assert rec["model_info"]["additional_details"]["deployment_type"] == "unknown"
    model = rec["model_info"]["id"]
    assert model.startswith("unresolved/")  # nothing guessed from the logged name
    assert any(f"exported as {model}" in u for u in summary.unmapped)
    assert result(rec, "passed")["score_details"]["score"] == pytest.approx(2 / 3)


def test_selection_and_a_stable_reexport(db: Path, tmp_path: Path) -> None:
    summary = export_eee(db, tmp_path / "a", experiments=["classification"],
                         models=["qwen2.5-coder-1.5b"])
    (n,), = sql(db, "SELECT count(*) FROM current_runs WHERE experiment_id = "
                    "'classification' AND model_id = 'qwen2.5-coder-1.5b'")
    assert summary.aggregate_records == n == 2
    # a run named by id; exported twice, the same two files (the UUID is the run's)
    (run_id,), = sql(db, "SELECT min(run_id) FROM current_runs")
    first = export_eee(db, tmp_path / "b", runs=[run_id])
    samples = [p.read_bytes() for p in first.files if p.suffix == ".jsonl"]
    again = export_eee(db, tmp_path / "b", runs=[run_id])
    assert first.files == again.files and len(first.files) == 2
    assert [p.read_bytes() for p in again.files if p.suffix == ".jsonl"] == samples
    assert list(aggregates(tmp_path / "b")) == [run_id]


@pytest.mark.parametrize("kwargs, message", [
    ({"experiments": ["nope"]}, "no current runs for experiment nope"),
    ({"models": ["classification"]}, "no current runs for model classification"),
    ({"runs": ["0000000000000000"]}, "no measurement runs for run 0000000000000000"),
    ({"experiments": ["classification"], "models": ["smollm2-135m-pycode-lora"]},
     "no current runs for experiment classification and model smollm2-135m-pycode-lora "
     "together"),
])
def test_a_selection_that_names_nothing_is_an_error(db: Path, tmp_path: Path,
                                                    kwargs: dict, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        export_eee(db, tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_a_repeat_is_never_exported(db: Path, tmp_path: Path) -> None:
    """A repeat (noise floor) re-measures a run; exported, it would count its cases twice."""
    (repeat,), = sql(db, "SELECT min(run_id) FROM runs WHERE repeat > 0")
    assert repeat is not None  # the committed database has repeats
    with pytest.raises(StoreError, match=f"no measurement runs for run {repeat}$"):
        export_eee(db, tmp_path / "out", runs=[repeat])


def test_missing_schemas_fail_with_the_fetch_command(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EEE_SCHEMA_DIR", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="make eee-schemas.*pip download "
                       "every-eval-ever==0.3.0"):
        eee_package_root()


def test_cli_export(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["export", "eee", "--db", str(db), "--out", str(tmp_path / "out"),
               "--experiments", "summarization"])
    printed = capsys.readouterr().out
    assert rc == 0
    (n,), = sql(db, "SELECT count(*) FROM current_runs WHERE experiment_id = 'summarization'")
    assert printed.startswith(f"{n} aggregate record(s)")
    assert "not mapped to EEE:" in printed
    assert len(list((tmp_path / "out" / "data" / "summarization").rglob("*.json"))) == n
