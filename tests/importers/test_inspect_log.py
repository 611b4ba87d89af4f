"""pipeline.importers.inspect_log on real Inspect logs (inspect-ai 0.3.285 and 0.3.130, .eval
and .json, one or two epochs, a run that errored and one that was cancelled, the post's 64-case
qwen log): every headline metric Inspect wrote is recomputed from the imported samples (and,
after `pipeline import`, from SQL), and each kind of broken file is one parametrized row with its
exact error and nothing written."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections import defaultdict
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats

from helpers import table_counts
from pipeline.cli import main
from pipeline.errors import ImportFileError, display_path
from pipeline.importers import importers
from pipeline.importers.inspect_log import read
from pipeline.importers.records import ImportedLog

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "harness_logs" / "inspect"
FULL_LOG = next((ROOT / "experiments" / "harnesses" / "logs" / "inspect").glob("*.eval"))
DATASET = ROOT / "experiments" / "harnesses" / "classification" / "samples.jsonl"
INSPECT = version("inspect-ai")


class Expect:
    """What one real log must import as."""

    def __init__(self, path: Path, tool_version: str, cases: int, epochs: int, status: str,
                 errored: int = 0, scorers: tuple[str, ...] = ("match", "includes"),
                 passed: int | None = None) -> None:
        self.path, self.tool_version, self.cases, self.epochs = path, tool_version, cases, epochs
        self.status, self.errored, self.scorers, self.passed = status, errored, scorers, passed


GOOD = [
    Expect(FIXTURES / "0.3.285-limit5.eval", "0.3.285", 5, 1, "complete"),
    Expect(FIXTURES / "0.3.285-epochs2.json", "0.3.285", 3, 2, "complete"),
    Expect(FIXTURES / "0.3.130-limit4.eval", "0.3.130", 4, 1, "complete"),
    Expect(FIXTURES / "0.3.130-epochs2.json", "0.3.130", 2, 2, "complete"),
    Expect(FIXTURES / "0.3.285-cancelled.eval", "0.3.285", 4, 1, "partial", errored=1),
    Expect(FIXTURES / "0.3.285-error.eval", "0.3.285", 4, 1, "partial", errored=2,
           scorers=("match_or_raise",)),
    Expect(FULL_LOG, "0.3.285", 64, 1, "complete", passed=41),
]


def _dataset() -> dict[str, dict]:
    rows = [json.loads(line) for line in DATASET.read_text().splitlines()]
    return {r["id"]: r for r in rows}


def _recompute(log: ImportedLog, scorer: str) -> dict[str, float]:
    """Inspect's accuracy and stderr over the scored samples, epochs reduced by their mean
    (inspect_ai.scorer accuracy(): the mean; stderr(): numpy std ddof=1 / sqrt(n), 0 below 2),
    here through numpy and scipy.stats.sem, which is that formula."""
    per_case: dict[str, list[float]] = defaultdict(list)
    for s in log.samples:
        if scorer in s.scores:
            per_case[s.case_id].append(s.scores[scorer])
    values = [float(np.mean(v)) for v in per_case.values()]
    return {"accuracy": float(np.mean(values)),
            "stderr": float(stats.sem(values)) if len(values) > 1 else 0.0}


@pytest.mark.parametrize("expect", GOOD, ids=lambda e: e.path.name[:24])
def test_real_log_imports_and_headline_recomputes(expect: Expect) -> None:
    [log] = importers.get("inspect")(expect.path)
    data = _dataset()
    assert (log.tool, log.tool_version, log.format_version) == ("inspect", expect.tool_version,
                                                                "2")
    assert log.status == expect.status
    assert (log.status_note is None) == (expect.status == "complete")
    assert log.sampling == {"temperature": 0.0, "max_tokens": 24, "seed": 0}
    assert log.primary_metric == expect.scorers[0]
    assert log.task_params["scorers"] == list(expect.scorers)
    assert log.task_params["dataset"] == "harness_compare"
    assert log.task_params["epochs"] == expect.epochs
    assert log.created_at.tzinfo is not None
    assert len(log.cases) == expect.cases
    assert len(log.samples) == expect.cases * expect.epochs
    assert {s.sample_idx for s in log.samples} == set(range(expect.epochs))
    for case in log.cases:  # the harness sent exactly the dataset's system and user messages
        row = data[case.case_id]
        assert case.input == [{"role": "system", "content": row["system"]},
                              {"role": "user", "content": row["user"]}]
        assert case.expected == row["target"]
        assert case.tags == row["tags"] and case.metadata["labels"] == row["labels"]
    errored = [s for s in log.samples if s.error is not None]
    assert len(errored) == expect.errored
    for s in log.samples:
        assert s.prompt.startswith("[system]\nYou route customer messages")
        if s.error is None:
            assert set(s.scores) == set(expect.scorers)
            assert s.passed == (s.scores[expect.scorers[0]] == 1.0)
            assert s.transcript is not None and s.transcript[-1]["role"] == "assistant"
            assert s.transcript[-1]["content"] == s.raw_output
            assert s.prompt_tokens and s.completion_tokens and s.finish_reason
        else:
            assert (s.passed, s.failure_mode, s.scores) == (False, "error", {})
    if expect.passed is not None:
        assert sum(s.passed for s in log.samples) == expect.passed
    if expect.status == "partial" and expect.errored == 2:  # the planted scorer error
        assert log.status_note == ("Inspect status 'error': RuntimeError('planted scorer "
                                   "failure on billing-03') (2 of 4 samples completed)")
        assert log.headline == {}  # Inspect writes no results for an errored run
        return
    assert set(log.headline) == {f"{sc}/{m}" for sc in expect.scorers
                                 for m in ("accuracy", "stderr")}
    for scorer in expect.scorers:
        again = _recompute(log, scorer)
        for metric, value in again.items():
            assert log.headline[f"{scorer}/{metric}"] == pytest.approx(value, abs=1e-12)


def test_full_run_headline() -> None:
    """The number the post quotes: qwen2.5-coder-1.5b under Inspect's match(), 41 of 64."""
    [log] = read(FULL_LOG)
    assert log.model == "openai-api/qwen/qwen2.5-coder-1.5b"
    assert log.headline["match/accuracy"] == 41 / 64
    assert log.headline["includes/accuracy"] == 41 / 64


# --- broken files: each builds a bad file from a real one and names the expected error -------

Bad = Callable[[Path], tuple[Path, str]]


def _json_log(name: str = "0.3.285-epochs2.json") -> dict:
    return json.loads((FIXTURES / name).read_text())


def _write_json(tmp: Path, doc: dict, name: str = "bad.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc))
    return path


def _not_a_zip(tmp: Path) -> tuple[Path, str]:
    path = tmp / "notzip.eval"
    path.write_text('{"version": 2}')
    return path, "not a zip archive; expected an Inspect .eval log (a zip)"


def _truncated_zip(tmp: Path) -> tuple[Path, str]:
    path = tmp / "truncated.eval"
    data = (FIXTURES / "0.3.285-limit5.eval").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path, "not a zip archive; expected an Inspect .eval log (a zip)"


def _zip_bomb(tmp: Path) -> tuple[Path, str]:
    path = tmp / "bomb.eval"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.json", b"0" * (8 * 1024 * 1024))
    info = zipfile.ZipFile(path).getinfo("header.json")
    ratio = info.file_size / info.compress_size
    return path, (f"zip member 'header.json' unpacks {ratio:,.0f}x ({info.file_size:,} bytes), "
                  "over the limit of 200x (a zip bomb?)")


def _flip(tmp: Path, member: str) -> Path:
    """The 0.3.285 .eval with 30 bytes of one member's compressed data inverted."""
    raw = bytearray((FIXTURES / "0.3.285-limit5.eval").read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(member)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 40):
        raw[i] ^= 0xFF
    path = tmp / "damaged.eval"
    path.write_bytes(bytes(raw))
    return path


def _damaged_header(tmp: Path) -> tuple[Path, str]:
    return _flip(tmp, "header.json"), (f"inspect-ai {INSPECT} cannot read it: ZstdError: zstd "
                                       "decompress error: Data corruption detected")


def _damaged_sample(tmp: Path) -> tuple[Path, str]:
    """A bad member met while the samples stream (after the header was read)."""
    return _flip(tmp, "samples/billing-03_epoch_1.json"), (
        f"inspect-ai {INSPECT} cannot read it: ZstdError: zstd decompressor error: Data "
        "corruption detected")


def _eval_version_99(tmp: Path) -> tuple[Path, str]:
    """The deflate (0.3.130) log with its header's version raised: Inspect's .eval reader
    does not check the version, so the importer must."""
    src = zipfile.ZipFile(FIXTURES / "0.3.130-limit4.eval")
    path = tmp / "v99.eval"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in ("header.json", "_journal/start.json"):
                doc = json.loads(data)
                doc["version"] = 99
                data = json.dumps(doc).encode()
            out.writestr(info.filename, data)
    return path, ("Inspect log format version 99 is not supported (this importer reads "
                  "versions 1, 2)")


def _json_version_99(tmp: Path) -> tuple[Path, str]:
    doc = _json_log()
    doc["version"] = 99
    return _write_json(tmp, doc), (f"inspect-ai {INSPECT} cannot read it: ValueError: Unable to "
                                   "read version 99 of log format.")


def _started(tmp: Path) -> tuple[Path, str]:
    path = tmp / "started.eval"
    shutil.copy(FIXTURES / "0.3.285-started.eval", path)
    return path, ("Inspect log status is 'started': the run is still going or died before "
                  "writing its results; finish it (inspect eval-retry) or import it once it has "
                  "ended")


def _no_scores(tmp: Path) -> tuple[Path, str]:
    doc = _json_log()
    doc["samples"][1]["scores"] = None
    return _write_json(tmp, doc), ("sample 'billing-02': epoch 1 has no scores and no error "
                                   "(was the log written with --no-score? score it with "
                                   "`inspect score` first)")


def _duplicate(tmp: Path) -> tuple[Path, str]:
    doc = _json_log()
    doc["samples"][3]["epoch"] = 1  # billing-01 epoch 2 becomes a second billing-01 epoch 1
    return _write_json(tmp, doc), ("sample 'billing-01': epoch 1 appears twice (a log holds each "
                                   "id and epoch once)")


def _invalid_utf8(tmp: Path) -> tuple[Path, str]:
    text = json.dumps(_json_log(), indent=1)
    head, tail = text.split("Kelvora", 1)
    path = tmp / "latin1.json"
    path.write_bytes(head.encode() + b"K\xe9lvora" + tail.encode())
    line = head.count("\n") + 1
    return path, (f"{line}: invalid UTF-8 at byte {len(head.encode()) + 1} (line {line}); "
                  "expected a UTF-8 text log")


def _no_samples(tmp: Path) -> tuple[Path, str]:
    doc = _json_log()
    doc["samples"] = []
    return _write_json(tmp, doc), ("the log holds no samples (written with --no-log-samples?); "
                                   "nothing to import")


def _not_inspect_json(tmp: Path) -> tuple[Path, str]:
    return _write_json(tmp, {"results": {"routing": {"acc": 1}}}), (
        f"not an Inspect log that inspect-ai {INSPECT} can read: 1 validation error(s), first "
        "at 'eval': Field required")


def _wrong_extension(tmp: Path) -> tuple[Path, str]:
    path = tmp / "log.txt"
    shutil.copy(FIXTURES / "0.3.285-epochs2.json", path)
    return path, "not an Inspect log: expected a .eval or .json file, got '.txt'"


def _empty(tmp: Path) -> tuple[Path, str]:
    path = tmp / "empty.json"
    path.write_bytes(b"")
    return path, "empty file"


BAD: list[Bad] = [_not_a_zip, _truncated_zip, _zip_bomb, _damaged_header, _damaged_sample,
                  _eval_version_99, _json_version_99, _started, _no_scores, _duplicate,
                  _invalid_utf8, _no_samples, _not_inspect_json, _wrong_extension, _empty]


def _counts(db: Path) -> tuple[int, ...]:
    return table_counts(db)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results database holding one good import, so a refused file can be shown to leave
    it exactly as it was."""
    db = tmp_path_factory.mktemp("seed") / "r.duckdb"
    assert main(["import", "inspect", str(FIXTURES / "0.3.285-limit5.eval"), "--db",
                 str(db)]) == 0
    return db


@pytest.mark.parametrize("make", BAD, ids=lambda f: f.__name__.lstrip("_"))
def test_bad_file_is_refused_by_name(make: Bad, tmp_path: Path, seeded_db: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path, message = make(tmp_path)
    sep = "" if message.split(":", 1)[0].isdigit() else " "  # `path:line:` has no space
    expected = f"{display_path(path)}:{sep}{message}"
    with pytest.raises(ImportFileError) as caught:
        read(path)
    assert str(caught.value) == expected
    db = tmp_path / "r.duckdb"
    shutil.copy(seeded_db, db)
    before = _counts(db)
    capsys.readouterr()
    assert main(["import", "inspect", str(FIXTURES / "0.3.285-epochs2.json"), str(path),
                 "--db", str(db)]) == 2
    assert capsys.readouterr().err == f"error: {expected}\n"
    assert _counts(db) == before  # the good file before it was not written either


def test_db_import_recomputes_every_headline_from_sql(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Every real log through `pipeline import`: per run, the sample count and each of the
    log's own headline metrics (accuracy and stderr per scorer) recomputed in SQL from the
    `scores` table, epochs reduced per case first, as Inspect does."""
    db = tmp_path / "r.duckdb"
    paths = [str(e.path) for e in GOOD]
    assert main(["import", "inspect", *paths, "--db", str(db)]) == 0
    assert f"{len(GOOD)} run(s) written, 0 unchanged" in capsys.readouterr().out
    con = duckdb.connect(str(db), read_only=True)
    try:
        for expect in GOOD:
            run_id, status, extra, temperature, max_tokens, seed = con.execute(
                "SELECT run_id, status, engine_extra, temperature, max_tokens, seed FROM runs "
                "WHERE source_file = ?", [str(expect.path)]).fetchone()  # type: ignore[misc]
            assert (temperature, max_tokens, seed) == (0.0, 24, 0)
            n, errors = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE failure_mode = 'error') FROM results "
                "WHERE run_id = ?", [run_id]).fetchone()  # type: ignore[misc]
            assert (n, errors) == (expect.cases * expect.epochs, expect.errored)
            assert status == expect.status
            headline = json.loads(extra)["headline"]
            [log] = read(expect.path)
            assert headline == log.headline
            for key, value in headline.items():
                scorer, metric = key.split("/")
                accuracy, stderr = con.execute(
                    "WITH per_case AS (SELECT case_id, avg(value) AS v FROM scores "
                    "WHERE run_id = ? AND metric = ? GROUP BY case_id) "
                    "SELECT avg(v), coalesce(stddev_samp(v) / sqrt(count(*)), 0) FROM per_case",
                    [run_id, scorer]).fetchone()  # type: ignore[misc]
                got = {"accuracy": accuracy, "stderr": stderr}[metric]
                assert got == pytest.approx(value, abs=1e-12), (expect.path.name, key)
        cases = con.execute("SELECT count(*) FROM cases WHERE experiment_id = "
                            "'inspect-harness-compare'").fetchone()[0]  # type: ignore[index]
        assert cases == 64  # the fixtures' cases are the full log's, the same content
    finally:
        con.close()
    assert main(["import", "inspect", *paths, "--db", str(db)]) == 0  # idempotent
    assert f"0 run(s) written, {len(GOOD)} unchanged" in capsys.readouterr().out


def test_stop_reasons_use_the_stores_vocabulary():
    # every fixture's replies were cut by max_tokens (24 tokens of SmolLM2): Inspect logs
    # 'max_tokens', the store (and the cases pages' "hit token limit") says 'length'
    for name in ("0.3.285-limit5.eval", "0.3.130-limit4.eval", "0.3.285-epochs2.json"):
        [log] = read(FIXTURES / name)
        assert {s.finish_reason for s in log.samples} == {"length"}, name
