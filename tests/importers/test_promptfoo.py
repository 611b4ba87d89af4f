"""pipeline.importers.promptfoo on real `promptfoo eval -o` output (0.121.20 writing results
version 3, with and without --repeat, and 0.91.3 writing version 2; the post's 64-case log):
every headline number promptfoo wrote for a (prompt, provider) column is recomputed from the
imported samples and from SQL, and each kind of broken file is one parametrized row with its
exact error."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.errors import ImportFileError
from pipeline.importers import importers
from pipeline.importers.promptfoo import read
from pipeline.importers.records import ImportedLog

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "harness_logs" / "promptfoo"
V3 = FIXTURES / "results-v3-0.121.20.json"
V3_REPEAT = FIXTURES / "results-v3-0.121.20-repeat2.json"
V2 = FIXTURES / "results-v2-0.91.3.json"
FULL_LOG = ROOT / "experiments" / "harnesses" / "logs" / "promptfoo" / "out.json"
DATASET = ROOT / "experiments" / "harnesses" / "classification" / "samples.jsonl"
MODEL = "openai:chat:smollm2-135m"

# file, tool_version, format_version, tests, repeats
VERSIONS = [
    (V3, "0.121.20", "3", 5, 1),
    (V3_REPEAT, "0.121.20", "3", 3, 2),
    (V2, "unknown", "2", 5, 1),
]


def _dataset() -> list[dict]:
    return [json.loads(line) for line in DATASET.read_text().splitlines()]


def _columns(path: Path) -> list[dict]:
    """The file's (prompt, provider) columns, metrics included, as promptfoo wrote them."""
    results = json.loads(path.read_text())["results"]
    return results["prompts"] if "prompts" in results else results["table"]["head"]["prompts"]


def _recompute(log: ImportedLog, key: str) -> float:
    """A headline entry from the samples alone. promptfoo's column metrics are sums over the
    column's results: `score` of each test's score, the counts of verdicts and of component
    assertions, latency and response tokens. Version 2 has no error count: an error is a
    failure there."""
    samples = log.samples
    errors = [s for s in samples if s.failure_mode == "error"]
    fails = [s for s in samples if not s.passed]
    if "testErrorCount" in log.headline:
        fails = [s for s in fails if s.failure_mode != "error"]
    component = [v for s in samples for k, v in s.scores.items()
                 if k.startswith("assert.") and k.endswith(".pass")]
    value = {
        "score": sum(s.scores["score"] for s in samples),
        "testPassCount": sum(s.passed for s in samples),
        "testFailCount": len(fails),
        "testErrorCount": len(errors),
        "assertPassCount": sum(v == 1.0 for v in component),
        "assertFailCount": sum(v == 0.0 for v in component),
        "totalLatencyMs": sum(s.latency_ms or 0 for s in samples),
        "tokenUsage.prompt": sum(s.prompt_tokens or 0 for s in samples),
        "tokenUsage.completion": sum(s.completion_tokens or 0 for s in samples),
        "tokenUsage.total": sum((s.prompt_tokens or 0) + (s.completion_tokens or 0)
                                for s in samples),
        "stats.successes": sum(s.passed for s in samples),
        "stats.failures": len(fails),
        "stats.errors": len(errors),
    }[key]
    return float(value)


def _check_headline(log: ImportedLog, column: dict, stats: dict | None) -> None:
    metrics = column["metrics"]
    written = {k: float(metrics[k]) for k in (
        "score", "testPassCount", "testFailCount", "testErrorCount", "assertPassCount",
        "assertFailCount", "totalLatencyMs") if k in metrics}
    written |= {f"tokenUsage.{k}": float(metrics["tokenUsage"][k])
                for k in ("prompt", "completion", "total")}
    if stats is not None:
        written |= {f"stats.{k}": float(stats[k]) for k in ("successes", "failures", "errors")
                    if k in stats}
    assert log.headline == written  # the numbers as written, none left out or added
    for key, value in log.headline.items():
        assert _recompute(log, key) == value, key


@pytest.mark.parametrize(("path", "tool_version", "format_version", "n_tests", "repeats"),
                         VERSIONS, ids=["v3", "v3-repeat2", "v2"])
def test_fixture_reads_with_every_headline_recomputed(
        path: Path, tool_version: str, format_version: str, n_tests: int,
        repeats: int) -> None:
    raw = json.loads(path.read_text())
    logs = read(path)
    assert importers.get("promptfoo")(path) == logs
    # one log per (prompt, provider) column: the live server and the one that is down
    assert [log.task_params["provider"] for log in logs] == [MODEL, "server-down"]
    data = _dataset()[:n_tests]
    columns = _columns(path)
    for log, column in zip(logs, columns, strict=True):
        assert (log.tool, log.tool_version, log.format_version) == ("promptfoo", tool_version,
                                                                    format_version)
        assert (log.task, log.model) == ("harness-compare classification (fixture)", MODEL)
        assert log.source_key == f"{raw['evalId']} {column['id']} {column['provider']}"
        assert log.created_at == datetime.fromisoformat(raw["results"]["timestamp"])
        assert log.created_at.tzinfo is not None and log.created_at.utcoffset().seconds == 0
        assert log.sampling == {"temperature": 0, "max_tokens": 8, "seed": 0}
        assert log.primary_metric == "success" and log.status == "complete"
        assert [a["type"] for a in log.task_params["defaultTest.assert"]] == ["equals",
                                                                             "icontains"]
        assert "tests.assert" not in log.task_params  # no test has assertions of its own
        assert [c.case_id for c in log.cases] == [d["id"] for d in data]
        assert [c.expected for c in log.cases] == [d["target"] for d in data]
        assert [c.tags for c in log.cases] == [d["tags"] for d in data]
        assert [c.input for c in log.cases] == [
            {k: d[k] for k in ("id", "system", "user", "target")} for d in data]
        assert sorted((s.case_id, s.sample_idx) for s in log.samples) == sorted(
            (d["id"], r) for d in data for r in range(repeats))
        _check_headline(log, column, None)  # two columns: the eval's stats are not a column's
        assert not any(s.passed for s in log.samples)  # smollm2 never replies a bare label
    live, down = logs
    for sample in live.samples:
        doc = next(d for d in data if d["id"] == sample.case_id)
        assert sample.transcript is not None
        assert sample.transcript[:2] == [{"role": "system", "content": doc["system"]},
                                         {"role": "user", "content": doc["user"]}]
        assert sample.transcript[2] == {"role": "assistant", "content": sample.raw_output}
        assert json.loads(sample.prompt) == sample.transcript[:2]
        assert sample.failure_mode == "assert:equals" and sample.error is None
        assert set(sample.scores) == {"score", "assert.0.equals", "assert.0.equals.pass",
                                      "assert.1.icontains", "assert.1.icontains.pass",
                                      "named.mentions_label"}
        assert sample.prompt_tokens and sample.completion_tokens == 8
        # the weight-0 icontains: 0.121 passes it whatever its score, 0.91 does not
        contains = float(doc["target"] in sample.raw_output.lower())
        assert sample.scores["assert.1.icontains"] == contains
        assert sample.scores["assert.1.icontains.pass"] == (1.0 if format_version == "3"
                                                             else contains)
    for sample in down.samples:
        assert (sample.failure_mode, sample.raw_output, sample.scores) == ("error", "",
                                                                          {"score": 0.0})
        assert sample.error is not None
        assert sample.error.startswith("API call error: Error: Request failed after 4 retries")
        assert sample.prompt_tokens is None and sample.transcript is not None


def test_repeats_are_samples_of_one_case() -> None:
    """--repeat 2: promptfoo writes each repeat as its own result with the next testIdx and no
    repeat index; the n-th result of a test is sample n, and both repeats hold the same reply
    (temperature 0)."""
    live, _ = read(V3_REPEAT)
    results = [r for r in json.loads(V3_REPEAT.read_text())["results"]["results"]
               if r["promptIdx"] == 0]
    by_idx = sorted(results, key=lambda r: r["testIdx"])
    assert [(s.case_id, s.sample_idx) for s in live.samples] == [
        (r["vars"]["id"], r["testIdx"] % 2) for r in by_idx]
    for a, b in zip(live.samples[::2], live.samples[1::2], strict=True):
        assert a.case_id == b.case_id and a.raw_output == b.raw_output
    assert live.task_params["repeat"] == 2


def test_full_qwen_log() -> None:
    """The post's run: all 64 cases in the dataset's order, one column, every headline (the
    column's metrics and the eval's stats) from the samples."""
    raw = json.loads(FULL_LOG.read_text())
    (log,) = read(FULL_LOG)
    data = _dataset()
    assert (log.model, log.tool_version, len(log.samples)) == (
        "openai:chat:qwen2.5-coder-1.5b", "0.121.20", 64)
    assert log.sampling == {"temperature": 0, "max_tokens": 24, "seed": 0}
    assert [s.case_id for s in log.samples] == [d["id"] for d in data]
    assert [c.tags for c in log.cases] == [d["tags"] for d in data]
    assert all(s.transcript and s.transcript[1]["content"] == d["user"]
               for s, d in zip(log.samples, data, strict=True))
    assert sum(s.passed for s in log.samples) == 41
    assert all(s.passed == (s.raw_output == d["target"])  # equals: the exact string
               for s, d in zip(log.samples, data, strict=True))
    _check_headline(log, raw["results"]["prompts"][0], raw["results"]["stats"])
    assert log.headline["testPassCount"] == 41 and log.headline["stats.failures"] == 23


def test_case_id_falls_back_to_description_then_test_index(tmp_path: Path) -> None:
    """A test without vars.id (promptfoo needs none) is named by its description (v3 keeps
    the test case; v2 finds it in the config by its vars), else by its index."""
    for src in (V3, V2):
        data = json.loads(src.read_text())
        for r in data["results"]["results"]:
            r["vars"].pop("id")
            if "testCase" in r:
                r["testCase"]["vars"].pop("id")
        for t in data["config"]["tests"]:
            t["vars"].pop("id")
        path = tmp_path / src.name
        path.write_text(json.dumps(data))
        live, _ = read(path)
        assert [c.case_id for c in live.cases] == [
            d["id"] for d in _dataset()[:5]]  # our descriptions are the ids
        for r in data["results"]["results"]:
            r.pop("testCase", None)
        data["config"]["tests"] = "file://tests.yaml"
        path.write_text(json.dumps(data))
        live, _ = read(path)
        assert [c.case_id for c in live.cases] == [f"test-{n}" for n in range(5)]


def test_a_tests_own_assertions_are_task_params(tmp_path: Path) -> None:
    """v3 results carry each test's assertions merged with defaultTest's; what a test adds is
    named under its case id (it changes what passing means for that case)."""
    data = json.loads(V3.read_text())
    extra = {"type": "contains", "value": "billing"}
    for r in data["results"]["results"]:
        if r["vars"]["id"] == "billing-02":
            r["testCase"]["assert"].append(extra)
    path = tmp_path / V3.name
    path.write_text(json.dumps(data))
    for log in read(path):
        assert log.task_params["tests.assert"] == {"billing-02": [extra]}


def test_committed_tests_yaml_is_the_dataset() -> None:
    """tests.yaml (make_tests.py's output, what promptfoo read) holds every sample's system
    and user text unchanged, its id as vars.id and description, its target and tags."""
    import yaml

    tests = yaml.safe_load((ROOT / "experiments" / "harnesses" / "promptfoo" / "tests.yaml")
                           .read_text())
    assert tests == [{"description": d["id"],
                      "vars": {k: d[k] for k in ("id", "system", "user", "target")},
                      "metadata": {"tags": d["tags"]}} for d in _dataset()]
    assert yaml.safe_load((FIXTURES / "tests.yaml").read_text()) == tests[:5]


# ---- broken files: one row each, the exact error ----------------------------------------

def _edit(src: Path, change: Callable[[dict], object]) -> Callable[[Path], Path]:
    def apply(tmp_path: Path) -> Path:
        data = json.loads(src.read_text())
        change(data)
        path = tmp_path / src.name
        path.write_text(json.dumps(data, indent=2))
        return path
    return apply


def _text(src: Path, change: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
    def apply(tmp_path: Path) -> Path:
        path = tmp_path / src.name
        path.write_bytes(change(src.read_bytes()))
        return path
    return apply


def _result(data: dict, n: int) -> dict:
    return data["results"]["results"][n]


def _same_id_other_vars(data: dict) -> None:
    for r in data["results"]["results"]:
        if r["vars"]["id"] == "billing-02" and r["promptIdx"] == 0:
            r["vars"]["id"] = "billing-01"


def _no_time(data: dict) -> None:
    data["results"].pop("timestamp")
    data.pop("metadata")


BAD = [
    pytest.param(_text(V3, lambda b: b[:3000]), "95", "not valid JSON: Unterminated string "
                 "starting at (line 95, column 17)", id="truncated"),
    pytest.param(_text(V3, lambda b: b.replace(b"Subject: Invoice", b"Subject: Inv\xffoice", 1)),
                 "111", "invalid UTF-8 at byte 3376 (line 111); expected a UTF-8 text log",
                 id="bad-utf8"),
    pytest.param(_text(V3, lambda b: b""), "", "empty file", id="empty"),
    pytest.param(_edit(V3, lambda d: d["results"].update(version=4)), "",
                 "results.version: unsupported promptfoo results version 4; this importer "
                 "reads versions 2 and 3 (promptfoo 0.91 to 0.121)", id="version-4"),
    pytest.param(_edit(V2, lambda d: d["results"].pop("version")), "",
                 "results.version: unsupported promptfoo results version null; this importer "
                 "reads versions 2 and 3 (promptfoo 0.91 to 0.121)", id="no-version"),
    pytest.param(_edit(V3, lambda d: d.pop("results")), "",
                 "not a promptfoo eval output: no 'results' object at the top level (expected "
                 "the JSON that `promptfoo eval -o out.json` writes)", id="not-promptfoo"),
    pytest.param(_text(V3, lambda b: b"[1, 2]"), "",
                 "not a promptfoo eval output: no 'results' object at the top level (expected "
                 "the JSON that `promptfoo eval -o out.json` writes)", id="not-an-object"),
    pytest.param(_edit(V3, lambda d: d["results"].update(results={})), "",
                 "results.results: Input should be a valid list (got {})", id="results-not-list"),
    pytest.param(_edit(V3, _same_id_other_vars), "",
                 "results.results[3]: duplicate case id 'billing-01' on prompt 'classify', "
                 "provider 'openai:chat:smollm2-135m': another test, with other vars, has this "
                 "id too", id="duplicate-case-id"),
    pytest.param(_edit(V3, lambda d: d["results"]["results"].append(_result(d, 0))), "",
                 "results.results[10]: duplicate case id 'billing-01' #1 on prompt 'classify', "
                 "provider 'openai:chat:smollm2-135m': 2 results for a test run 1 time(s)",
                 id="duplicate-sample"),
    pytest.param(_edit(V3_REPEAT, lambda d: d["results"]["results"].append(_result(d, 0))), "",
                 "results.results[3]: duplicate case id 'billing-01' #2 on prompt 'classify', "
                 "provider 'openai:chat:smollm2-135m': 3 results for a test run 2 time(s)",
                 id="duplicate-sample-repeat"),
    pytest.param(_edit(V3, lambda d: _result(d, 3).update(gradingResult=None)), "",
                 "results.results[3]: test 'billing-02': no gradingResult on a result that is "
                 "not an error; promptfoo writes one for every graded test", id="no-grading-v3"),
    pytest.param(_edit(V2, lambda d: _result(d, 0).pop("gradingResult")), "",
                 "results.results[0]: test 'billing-01': no gradingResult on a result that is "
                 "not an error; promptfoo writes one for every graded test", id="no-grading-v2"),
    pytest.param(_edit(V3, lambda d: _result(d, 3).update(success="no")), "",
                 "results.results[3].success: test 'billing-02': Input should be a valid "
                 "boolean (got 'no')", id="success-not-bool"),
    pytest.param(_edit(V3, lambda d: _result(d, 3).update(promptIdx=7)), "",
                 "results.results[3]: promptIdx 7 is not one of the file's 2 prompt columns",
                 id="prompt-index-out-of-range"),
    pytest.param(_edit(V2, lambda d: _result(d, 4)["provider"].update(label="elsewhere")), "",
                 "results.results[4]: no prompt columns match prompt 'classify' on provider "
                 "'elsewhere'", id="v2-result-of-no-column"),
    pytest.param(_edit(V2, lambda d: d["results"].pop("table")), "",
                 "results: no prompts: neither results.prompts nor results.table.head.prompts "
                 "is a list", id="v2-no-columns"),
    pytest.param(_edit(V3, _no_time), "", "results: no creation time (results.timestamp)",
                 id="no-timestamp"),
]


@pytest.mark.parametrize(("damage", "line", "message"), BAD)
def test_bad_file_is_one_clear_error_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Callable[[Path], Path],
        line: str, message: str) -> None:
    target = damage(tmp_path)
    where = str(target) + (f":{line}" if line else "")
    with pytest.raises(ImportFileError) as exc:
        read(target)
    assert str(exc.value) == f"{where}: {message}"

    # through the CLI: exit 2, the same one line, and the database keeps only what it had
    db = tmp_path / "r.duckdb"
    assert main(["import", "promptfoo", str(V3), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["import", "promptfoo", str(target), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {where}: {message}\n"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM results").fetchone() == (10,)


# ---- through the database ----------------------------------------------------------------

_SQL = {
    "score": "SELECT sum(value) FROM scores WHERE run_id = $run AND metric = 'score'",
    "testPassCount": "SELECT count(*) FILTER (WHERE passed) FROM results WHERE run_id = $run",
    "testFailCount": "SELECT count(*) FILTER (WHERE NOT passed AND failure_mode <> 'error') "
                     "FROM results WHERE run_id = $run",
    "testErrorCount": "SELECT count(*) FILTER (WHERE failure_mode = 'error') FROM results "
                      "WHERE run_id = $run",
    "assertPassCount": "SELECT count(*) FILTER (WHERE value = 1) FROM scores WHERE run_id = "
                       "$run AND metric LIKE 'assert.%.pass'",
    "assertFailCount": "SELECT count(*) FILTER (WHERE value = 0) FROM scores WHERE run_id = "
                       "$run AND metric LIKE 'assert.%.pass'",
    "totalLatencyMs": "SELECT coalesce(sum(latency_ms), 0) FROM results WHERE run_id = $run",
    "tokenUsage.prompt": "SELECT coalesce(sum(prompt_tokens), 0) FROM results WHERE run_id = "
                         "$run",
    "tokenUsage.completion": "SELECT coalesce(sum(completion_tokens), 0) FROM results WHERE "
                             "run_id = $run",
    "tokenUsage.total": "SELECT coalesce(sum(coalesce(prompt_tokens, 0) + coalesce("
                        "completion_tokens, 0)), 0) FROM results WHERE run_id = $run",
    "stats.successes": "SELECT count(*) FILTER (WHERE passed) FROM results WHERE run_id = $run",
    "stats.failures": "SELECT count(*) FILTER (WHERE NOT passed AND failure_mode <> 'error') "
                      "FROM results WHERE run_id = $run",
    "stats.errors": "SELECT count(*) FILTER (WHERE failure_mode = 'error') FROM results "
                    "WHERE run_id = $run",
}
# version 2 has no error count: a provider error is one of its failures
_SQL_V2 = {"testFailCount": "SELECT count(*) FILTER (WHERE NOT passed) FROM results WHERE "
                            "run_id = $run"}


@pytest.mark.parametrize("path", [V3, V3_REPEAT, V2, FULL_LOG],
                         ids=["v3", "v3-repeat2", "v2", "qwen-64"])
def test_db_import_recomputes_every_headline_from_sql(tmp_path: Path, path: Path) -> None:
    """`python -m pipeline import promptfoo PATH`: one run per column; the stored rows alone
    give back each run's sample count and every headline number promptfoo wrote; a second
    import changes nothing."""
    logs = read(path)
    db = tmp_path / "r.duckdb"
    assert main(["import", "promptfoo", str(path), "--db", str(db)]) == 0
    assert main(["import", "promptfoo", str(path), "--db", str(db)]) == 0  # idempotent
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT run_id, source_key, source_tool, source_version, "
                           "source_format, engine_extra, n_samples, temperature, max_tokens, "
                           "seed FROM runs ORDER BY source_key").fetchall()
        assert len(runs) == len(logs)
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == len(logs[0].cases)
        by_key = {log.source_key: log for log in logs}
        for run_id, key, tool, version, fmt, extra, n_samples, temp, max_tokens, seed in runs:
            log = by_key[key]
            assert (tool, version, fmt) == ("promptfoo", log.tool_version, log.format_version)
            assert (temp, max_tokens, seed) == (0.0, log.sampling["max_tokens"], 0)
            assert n_samples == max(s.sample_idx for s in log.samples) + 1
            headline = json.loads(extra)["headline"]
            assert headline == log.headline
            n = con.execute("SELECT count(*) FROM results WHERE run_id = ?",
                            [run_id]).fetchone()[0]
            assert n == len(log.samples)
            sql = _SQL | (_SQL_V2 if fmt == "2" else {})
            for name, value in headline.items():
                got = con.execute(sql[name], {"run": run_id}).fetchone()[0]
                assert float(got) == value, name


def test_created_at_is_the_files_utc_time() -> None:
    (log,) = read(FULL_LOG)
    assert log.created_at == datetime(2026, 12, 7, 19, 30, 21, 910000, tzinfo=UTC)
