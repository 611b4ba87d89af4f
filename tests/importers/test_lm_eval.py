"""pipeline.importers.lm_eval on real lm-eval output (0.4.13 and 0.4.5 fixtures, the post's
64-case log): every headline number the tool wrote is recomputed from the imported samples, and
each kind of broken file is one parametrized row with its exact error."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.errors import ImportFileError
from pipeline.importers import importers
from pipeline.importers.lm_eval import read
from pipeline.importers.records import ImportedLog

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "harness_logs" / "lm_eval"
FULL_LOG = ROOT / "experiments" / "harnesses" / "logs" / "lm_eval" / "qwen2.5-coder-1.5b"
DATASET = ROOT / "experiments" / "harnesses" / "classification" / "samples.jsonl"
TASK = "kelvora_routing"
FILTERS = ("strict-match", "flexible-extract")

# folder, tool_version and format_version the reader gives
VERSIONS = [
    ("v0.4.13", "0.4.13", "0.4.7"),
    ("v0.4.5", "unknown", "0.4.3"),
]


def _dataset() -> list[dict]:
    return [json.loads(line) for line in DATASET.read_text().splitlines()]


def doc_labels() -> set[str]:
    return set(_dataset()[0]["labels"])


def _results_file(folder: Path) -> Path:
    (found,) = sorted(folder.glob("results_*.json"))
    return found


def _samples_file(folder: Path) -> Path:
    (found,) = sorted(folder.glob(f"samples_{TASK}_*.jsonl"))
    return found


def _mean(values: list[float]) -> float:
    """lm-eval's `mean` aggregation (lm_eval.api.metrics.mean)."""
    return sum(values) / len(values)


def _mean_stderr(values: list[float]) -> float:
    """lm-eval's closed-form stderr of a mean: sample std (n-1) / sqrt(n), as
    lm_eval.api.metrics.mean_stderr computes it, in the same order of operations."""
    mu = _mean(values)
    return math.sqrt(sum((x - mu) ** 2 for x in values) / (len(values) - 1)) / math.sqrt(
        len(values))


def _recompute(log: ImportedLog, key: str) -> float:
    """A headline entry from the samples alone: `metric,filter` is the mean of that score,
    `metric_stderr,filter` its stderr, `sample_len` the number of documents."""
    if key == "sample_len":
        return float(len(log.samples))
    metric, _, filt = key.partition(",")
    stderr = metric.endswith("_stderr")
    name = f"{metric.removesuffix('_stderr')},{filt}"
    values = [s.scores[name] for s in log.samples]  # doc order, as lm-eval aggregates
    return _mean_stderr(values) if stderr else _mean(values)


def _check_headline(log: ImportedLog, results_path: Path) -> None:
    raw = json.loads(results_path.read_text())["results"][log.task]
    numeric = {k: v for k, v in raw.items()
               if k != "alias" and isinstance(v, int | float) and not isinstance(v, bool)}
    assert log.headline == numeric  # every number the tool wrote, as written
    for key, value in log.headline.items():
        assert _recompute(log, key) == value, key


@pytest.mark.parametrize(("folder", "tool_version", "format_version"), VERSIONS)
def test_fixture_reads_with_every_headline_recomputed(folder: str, tool_version: str,
                                                      format_version: str) -> None:
    path = _results_file(FIXTURES / folder)
    (log,) = read(path)
    assert (log.tool, log.tool_version, log.format_version) == ("lm-eval", tool_version,
                                                                format_version)
    assert (log.task, log.model) == (TASK, "smollm2-135m")
    assert log.primary_metric == "exact_match,strict-match"
    assert log.sampling == {"temperature": 0.0, "max_tokens": 24, "seed": 0, "stop": [],
                            "do_sample": False}
    assert log.task_params["num_fewshot"] == 0
    assert [f["name"] for f in log.task_params["filter_list"]] == list(FILTERS)
    assert log.task_params["lm_eval"]["limit"] == 5
    raw = json.loads(path.read_text())
    assert log.created_at == datetime.fromtimestamp(raw["date"], tz=UTC)  # the run's start
    assert log.source_key == f"{TASK}|smollm2-135m|{log.created_at.isoformat()}"

    # 10 lines (5 docs x 2 filters) become 5 samples, one per doc, both filters' scores each
    lines = [json.loads(x) for x in _samples_file(FIXTURES / folder).read_text().splitlines()]
    assert len(lines) == 10
    data = _dataset()[:5]
    assert [c.case_id for c in log.cases] == [d["id"] for d in data]
    assert [c.input for c in log.cases] == data  # the doc as lm-eval read it, every field
    assert [c.expected for c in log.cases] == [d["target"] for d in data]
    assert [s.case_id for s in log.samples] == [d["id"] for d in data]
    for sample, doc in zip(log.samples, data, strict=True):
        assert set(sample.scores) == {f"exact_match,{f}" for f in FILTERS}
        assert sample.passed == (sample.scores["exact_match,strict-match"] == 1.0)
        # what the server was sent: the case's own system and user text, nothing else
        assert sample.transcript is not None
        assert sample.transcript[:2] == [{"role": "system", "content": doc["system"]},
                                         {"role": "user", "content": doc["user"]}]
        assert sample.transcript[2] == {"role": "assistant", "content": sample.raw_output}
        assert json.loads(sample.prompt) == sample.transcript[:2]
    # the lines of each filter (named in 0.4.7+, in blocks before) carry those scores
    by_doc: dict[int, list[dict]] = {}
    for line in lines:
        by_doc.setdefault(line["doc_id"], []).append(line)
    for sample, doc_id in zip(log.samples, sorted(by_doc), strict=True):
        got = [sample.scores[f"exact_match,{f}"] for f in FILTERS]
        assert got == [line["exact_match"] for line in by_doc[doc_id]]
        flexible = by_doc[doc_id][1]["filtered_resps"][0]
        assert sample.parsed_output == by_doc[doc_id][0]["filtered_resps"][0]
        assert flexible == "[invalid]" or flexible.lower() in doc_labels()
    _check_headline(log, path)


def test_directory_reads_as_its_results_file() -> None:
    folder = FIXTURES / "v0.4.13"
    assert read(folder) == read(_results_file(folder))
    assert importers.get("lm-eval")(folder) == read(folder)


def test_full_qwen_log() -> None:
    """The post's run: all 64 cases, ids as the dataset's, every headline from the samples."""
    path = _results_file(FULL_LOG)
    (log,) = read(path)
    data = _dataset()
    assert (log.model, log.tool_version, len(log.samples)) == ("qwen2.5-coder-1.5b", "0.4.13",
                                                                64)
    assert [s.case_id for s in log.samples] == [d["id"] for d in data]
    assert [c.tags for c in log.cases] == [d["tags"] for d in data]
    assert sum(s.passed for s in log.samples) == 41
    _check_headline(log, path)
    assert log.headline["exact_match,strict-match"] == 41 / 64


def test_not_finite_headline_values_are_left_out_and_said(tmp_path: Path) -> None:
    """lm-eval writes stderr 'N/A' for one sample and may write bare NaN/Infinity: no number
    is made up; the skipped entries are named in task_params."""
    folder = _copy(tmp_path, "v0.4.13")
    path = _results_file(folder)
    data = json.loads(path.read_text())
    entry = data["results"][TASK]
    entry["exact_match_stderr,strict-match"] = "N/A"
    entry["exact_match_stderr,flexible-extract"] = float("nan")
    entry["exact_match,flexible-extract"] = float("inf")
    path.write_text(json.dumps(data))  # Python writes bare NaN and Infinity, as lm-eval does
    (log,) = read(path)
    assert log.headline == {"sample_len": 5.0, "exact_match,strict-match": 0.0}
    assert log.task_params["lm_eval"]["headline_not_finite"] == {
        "exact_match_stderr,strict-match": "N/A",
        "exact_match_stderr,flexible-extract": "nan",
        "exact_match,flexible-extract": "inf",
    }


def test_credentials_in_the_copied_model_args_are_not_imported(tmp_path: Path) -> None:
    """lm-eval 0.4.10+ copies model_args into each task config's metadata; a key passed there
    must not reach task_params (the site publishes them)."""
    folder = _copy(tmp_path, "v0.4.13")
    path = _results_file(folder)
    data = json.loads(path.read_text())
    data["configs"][TASK]["metadata"].update(api_key="sk-secret", auth_token="t0ken",
                                                tokenizer_backend="huggingface")
    path.write_text(json.dumps(data))
    (log,) = read(path)
    meta = log.task_params["metadata"]
    assert (meta["api_key"], meta["auth_token"]) == ("[redacted]", "[redacted]")
    assert meta["tokenizer_backend"] == "huggingface"  # not a secret: kept
    assert "sk-secret" not in json.dumps(log.task_params)


# ---- broken files: one row each, the exact error ----------------------------------------

def _copy(tmp_path: Path, folder: str) -> Path:
    dest = tmp_path / folder
    shutil.copytree(FIXTURES / folder, dest)
    return dest


def _edit_results(edit: Callable[[dict], object]) -> Callable[[Path], Path]:
    def apply(folder: Path) -> Path:
        path = _results_file(folder)
        data = json.loads(path.read_text())
        edit(data)
        path.write_text(json.dumps(data))
        return path
    return apply


def _edit_lines(edit: Callable[[list[str]], list[str]]) -> Callable[[Path], Path]:
    def apply(folder: Path) -> Path:
        samples = _samples_file(folder)
        samples.write_text("\n".join(edit(samples.read_text().splitlines())) + "\n")
        return _results_file(folder)
    return apply


def _edit_each_line(edit: Callable[[dict], object]) -> Callable[[list[str]], list[str]]:
    def apply(lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            data = json.loads(line)
            edit(data)
            out.append(json.dumps(data))
        return out
    return apply


def _truncate(folder: Path) -> Path:
    path = _results_file(folder)
    path.write_text(path.read_text()[:200])
    return path


def _drop_samples(folder: Path) -> Path:
    _samples_file(folder).unlink()
    return _results_file(folder)


def _bad_utf8(folder: Path) -> Path:
    samples = _samples_file(folder)
    data = samples.read_bytes().splitlines(keepends=True)
    data[1] = data[1].replace(b"billing", b"bill\xffing", 1)
    samples.write_bytes(b"".join(data))
    return _results_file(folder)


def _same_doc_id(lines: list[str]) -> list[str]:
    second = json.loads(lines[1])
    second["doc_id"] = 0
    return [lines[0], json.dumps(second), *lines[2:]]


def _same_case_id(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        data = json.loads(line)
        if data["doc_id"] == 1:
            data["doc"]["id"] = "billing-01"
        out.append(json.dumps(data))
    return out


def _drop_metrics(data: dict) -> None:
    data.pop("exact_match")


def _no_doc_id(data: dict) -> None:
    if data["doc_id"] == 2:
        data.pop("doc_id")


def _as_lm_eval_0_3(data: dict) -> None:
    """What lm-eval 0.3 wrote: results, versions and config, no per-task configs."""
    for key in list(data):
        if key not in ("results", "versions", "config"):
            data.pop(key)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


S13 = "samples_kelvora_routing_2026-12-07T19-23-31.709726.jsonl"
R13 = "results_2026-12-07T19-23-31.709726.json"
S45 = "samples_kelvora_routing_2026-12-07T19-26-07.646158.jsonl"
R45 = "results_2026-12-07T19-26-07.646158.json"

BAD = [
    pytest.param("v0.4.13", _truncate, R13, "8", "not valid JSON: Unterminated string "
                 "starting at (line 8, column 7)", id="truncated-results"),
    pytest.param("v0.4.13", _edit_results(lambda d: d.pop("configs")), R13, "",
                 "no 'configs': not an lm-eval 0.4 results file (lm-eval 0.3 wrote no "
                 "'configs'; only 0.4.x files are supported)", id="no-configs"),
    pytest.param("v0.4.13", _edit_results(lambda d: d.update(lm_eval_version="0.5.0")), R13,
                 "", "lm_eval_version: lm-eval 0.5.0 is not supported (this reader knows the "
                 "0.4.x formats)", id="unsupported-version"),
    pytest.param("v0.4.13", _edit_results(lambda d: d["configs"][TASK].update(
        metric_list="exact_match")), R13, "", "configs.kelvora_routing.metric_list: Input "
                 "should be a valid list", id="bad-config"),
    pytest.param("v0.4.13", _drop_samples, R13, "", f"no samples file {S13} beside it for "
                 "task 'kelvora_routing'; run lm-eval with --log_samples", id="no-samples"),
    pytest.param("v0.4.13", _edit_lines(lambda ls: [ls[0], ls[1], "{not json", *ls[3:]]), S13,
                 "3", "not valid JSON: Expecting property name enclosed in double quotes "
                 "(line 1, column 2)", id="line-not-json"),
    pytest.param("v0.4.13", _edit_lines(_edit_each_line(_no_doc_id)), S13, "3",
                 "doc_id: Field required", id="line-without-doc-id"),
    pytest.param("v0.4.13", _bad_utf8, S13, "2", "invalid UTF-8 at byte", id="bad-utf8"),
    pytest.param("v0.4.13", _edit_lines(_same_doc_id), S13, "2", "duplicate doc_id 0 for "
                 "filter 'strict-match' (first at line 1)", id="duplicate-doc-id"),
    pytest.param("v0.4.5", _edit_lines(lambda ls: [*ls, ls[0]]), S45, "11",
                 "duplicate doc_id 0: 3 lines for it, but the task has 2 filter(s) "
                 "['strict-match', 'flexible-extract'] and the lines do not name theirs",
                 id="duplicate-doc-id-0.4.5"),
    pytest.param("v0.4.13", _edit_lines(_same_case_id), S13, "2", "duplicate case id "
                 "'billing-01' (doc_id 1; first at line 1)", id="duplicate-case-id"),
    pytest.param("v0.4.13", _edit_lines(_edit_each_line(_drop_metrics)), S13, "1",
                 "doc_id 0: no metric values in the line (expected ['exact_match']); lm-eval "
                 "ran with --predict_only, or the file is not a samples file",
                 id="no-metrics-0.4.13"),
    pytest.param("v0.4.5", _edit_lines(_edit_each_line(_drop_metrics)), S45, "1",
                 "doc_id 0: no metric values in the line (expected ['exact_match']); lm-eval "
                 "ran with --predict_only, or the file is not a samples file",
                 id="no-metrics-0.4.5"),
    pytest.param("v0.4.13", _edit_lines(lambda ls: [x for x in ls if '"doc_id": 4,' not in x]),
                 S13, "", f"holds 4 documents but {R13} says 5 were evaluated; a truncated "
                 "or mismatched samples file", id="samples-truncated"),
    pytest.param("v0.4.13", _edit_lines(lambda ls: ls[1:]), S13, "5", "doc_id 0 has no line "
                 "for the primary filter 'strict-match'", id="primary-filter-missing"),
    pytest.param("v0.4.5", _edit_results(_as_lm_eval_0_3), R45, "", "no 'configs': not an "
                 "lm-eval 0.4 results file (lm-eval 0.3 wrote no 'configs'; only 0.4.x files "
                 "are supported)", id="lm-eval-0.3-shape"),
    pytest.param("v0.4.13", _edit_results(lambda d: d.update(date=1e300)), R13, "",
                 "date: 'date' 1e+300 is not a unix time", id="date-out-of-range"),
    pytest.param("v0.4.13", lambda f: _results_file(f).rename(f / "results.json"),
                 "results.json", "", "expected a file named results_<timestamp>.json, as "
                 "lm-eval 0.4.3+ writes it (its samples files are found by that timestamp); "
                 "lm-eval 0.4.0-0.4.2 output (results.json) is not supported",
                 id="lm-eval-0.4.2-name"),
    pytest.param("v0.4.13", lambda f: _write(_results_file(f), "[1, 2]"), R13, "",
                 "expected a JSON object (an lm-eval results file), got list", id="not-object"),
]


@pytest.mark.parametrize(("folder", "damage", "culprit", "line", "message"), BAD)
def test_bad_file_is_one_clear_error_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str,
        damage: Callable[[Path], Path], culprit: str, line: str, message: str) -> None:
    copy = _copy(tmp_path, folder)
    target = damage(copy)
    where = str(copy / culprit) + (f":{line}" if line else "")
    with pytest.raises(ImportFileError) as exc:
        read(target)
    assert str(exc.value).startswith(f"{where}: {message}")

    # through the CLI: exit 2, the same one line, and the database keeps only what it had
    db = tmp_path / "r.duckdb"
    assert main(["import", "lm-eval", str(_results_file(FIXTURES / "v0.4.13")),
                 "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["import", "lm-eval", str(target), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {where}: {message}") and err.count("\n") == 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM results").fetchone() == (5,)


# ---- through the database ----------------------------------------------------------------

@pytest.mark.parametrize("path", [
    _results_file(FIXTURES / "v0.4.13"), _results_file(FIXTURES / "v0.4.5"), FULL_LOG,
], ids=["v0.4.13", "v0.4.5", "qwen-64"])
def test_db_import_recomputes_every_headline_from_sql(tmp_path: Path, path: Path) -> None:
    """`python -m pipeline import lm-eval PATH`: the stored rows alone give back the sample
    count and every headline number lm-eval wrote; a second import changes nothing."""
    (log,) = read(path)
    db = tmp_path / "r.duckdb"
    assert main(["import", "lm-eval", str(path), "--db", str(db)]) == 0
    assert main(["import", "lm-eval", str(path), "--db", str(db)]) == 0  # idempotent
    with duckdb.connect(str(db), read_only=True) as con:
        ((run_id, n_runs, source_tool, version, fmt, extra),) = con.execute(
            "SELECT any_value(run_id), count(*), any_value(source_tool), "
            "any_value(source_version), any_value(source_format), any_value(engine_extra) "
            "FROM runs").fetchall()
        assert (n_runs, source_tool, version, fmt) == (1, "lm-eval", log.tool_version,
                                                       log.format_version)
        headline = json.loads(extra)["headline"]
        assert headline == log.headline
        n, passed = con.execute("SELECT count(*), count(*) FILTER (WHERE passed) FROM results "
                                "WHERE run_id = ?", [run_id]).fetchone()
        cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
        assert n == cases == len(log.samples)
        assert passed == sum(s.passed for s in log.samples)
        for key, value in headline.items():
            if key == "sample_len":
                assert n == value
                continue
            metric, _, filt = key.partition(",")
            name = f"{metric.removesuffix('_stderr')},{filt}"
            values = [v for (v,) in con.execute(
                "SELECT s.value FROM scores s JOIN cases c ON c.case_id = s.case_id "
                "WHERE s.run_id = ? AND s.metric = ? ORDER BY c.position",
                [run_id, name]).fetchall()]
            assert len(values) == n
            got = _mean_stderr(values) if metric.endswith("_stderr") else _mean(values)
            assert got == value, key
            mean, stderr = con.execute(
                "SELECT avg(value), stddev_samp(value) / sqrt(count(*)) FROM scores "
                "WHERE run_id = ? AND metric = ?", [run_id, name]).fetchone()
            assert (stderr if metric.endswith("_stderr") else mean) == pytest.approx(
                value, rel=1e-12, abs=1e-15), key


def test_two_versions_runs_share_one_experiment_s_cases(tmp_path: Path) -> None:
    """A case is the doc and its target, not the prompt a run rendered from it, so runs of
    one task by two lm-eval versions land as two runs over the same five stored cases."""
    db = tmp_path / "r.duckdb"
    paths = [str(_results_file(FIXTURES / v)) for v, _, _ in VERSIONS]
    assert main(["import", "lm-eval", *paths, "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT experiment_id) FROM runs"
                           ).fetchone() == (2, 1)
        assert con.execute("SELECT count(*) FROM cases").fetchone() == (5,)
        assert con.execute("SELECT count(*) FROM results").fetchone() == (10,)
