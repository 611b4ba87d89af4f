"""Progress a person can follow, through `pipeline.cli.main` on the mock engine: a line per
committed batch off a terminal, an interrupt that says what was kept and how to resume, a
resume that reports the run's totals, and a wall time that counts every segment."""

import json
import re
import time

import duckdb
import pytest

import pipeline.runner
from helpers import ROOT
from pipeline.cli import main
from pipeline.engines.mock import SCRIPT_ENV, MockEngine
from pipeline.progress import Progress, RunInterrupted, duration

REGISTRY = ROOT / "experiments" / "models.yaml"
# the mock answers "2" to everything: c1, c3, c5 pass, c2, c4 fail
EXPECTED = ["2", "3", "2", "3", "2"]


@pytest.fixture
def exp(tmp_path, monkeypatch):
    """A five-case experiment in tmp_path (two variants) and a mock script answering "2"."""
    (tmp_path / "cases.jsonl").write_text("".join(
        json.dumps({"id": f"c{i}", "input": {"a": 1, "b": i}, "expected": e}) + "\n"
        for i, e in enumerate(EXPECTED, 1)))
    path = tmp_path / "sums.yaml"
    path.write_text(
        "id: sums\nversion: 1\ntitle: Sums\ncategory: Test\ncases: cases.jsonl\n"
        "scorer: answer_match\nmodels: [smollm2-135m]\n"
        "sampling: {temperature: 0.0, max_tokens: 8, seed: 0, n: 1}\n"
        "variants:\n"
        "  - name: plain\n    user: 'What is {{ a }} + {{ b }}?'\n"
        "  - name: terse\n    user: '{{ a }} + {{ b }} ='\n")
    script = tmp_path / "mock.yaml"
    script.write_text("default: '2'\n")
    monkeypatch.setenv(SCRIPT_ENV, str(script))
    return path


def argv(exp, *extra):
    return ["run", str(exp), "--engine", "mock", "--registry", str(REGISTRY),
            "--db", str(exp.parent / "r.duckdb"), "--batch-size", "2", *extra]


def progress_lines(err):
    return [ln for ln in err.splitlines() if ln.startswith("smollm2-135m/")]


def interrupting(at_call, delay=0.0, stamps=None):
    """An engine loader whose mock raises KeyboardInterrupt (a Ctrl-C) in call *at_call*;
    *stamps* gets (start, end) of every call, the interrupted one included."""
    def answer(req, i, call):
        if call == at_call:
            raise KeyboardInterrupt
        return "2"

    class Timed(MockEngine):
        def generate(self, requests, params):
            t0 = time.perf_counter()
            try:
                return super().generate(requests, params)
            finally:
                if stamps is not None:
                    stamps.append((t0, time.perf_counter()))

    return lambda name, model: Timed(answer=answer, delay=delay, model=model)


def test_off_a_terminal_a_line_per_committed_batch(exp, capsys):
    assert main(argv(exp, "--variants", "plain")) == 0
    out, err = capsys.readouterr()
    lines = progress_lines(err)
    assert len(lines) == 3, err
    assert lines[0].startswith("smollm2-135m/plain: 2/5 cases (40%) · passed 1/2 (50.0%) · ")
    assert lines[1].startswith("smollm2-135m/plain: 4/5 cases (80%) · passed 2/4 (50.0%) · ")
    assert lines[2].startswith("smollm2-135m/plain: 5/5 cases (100%) · passed 3/5 (60.0%) · ")
    assert all(" tok/s" in ln for ln in lines)
    assert re.search(r"· ~\d+s left$", lines[0]) and "left" not in lines[2]
    assert re.search(r"^run \w+ smollm2-135m/plain: 5/5 cases \(5 now\), passed 3/5 "
                     r"\(60\.0%\), complete$", out, re.M), out


def test_no_progress_prints_no_lines(exp, capsys):
    assert main(argv(exp, "--variants", "plain", "--no-progress")) == 0
    _, err = capsys.readouterr()
    assert progress_lines(err) == []
    assert "5/5 cases (5 now)" in err  # the end-of-run log line stays


def test_on_a_terminal_bars_not_lines(monkeypatch, capsys):
    class Tty:
        def isatty(self):
            return True

        def write(self, s):
            pass

        def flush(self):
            pass

    monkeypatch.setattr("sys.stderr", Tty())
    p = Progress(total=4)
    assert p.mode == "bars"
    p.start_run("m/v", 0, 4)
    p.advance(2, 6, 0, 1)
    p.close()
    monkeypatch.undo()
    assert Progress(total=4, enabled=False).mode == "off"
    assert Progress(total=4).mode == "lines"  # capsys: not a terminal
    assert p.line().startswith("m/v: 2/4 cases (50%) · passed 1/2 (50.0%)")


def test_interrupt_says_what_was_kept_and_how_to_resume(exp, capsys, monkeypatch):
    monkeypatch.setattr(pipeline.runner, "load_engine", interrupting(at_call=1))
    args = argv(exp, "--variants", "plain")
    assert main(args) == 130
    _, err = capsys.readouterr()
    run_id = _one(exp, "SELECT run_id FROM runs")
    resume = "python -m pipeline " + " ".join(args)
    assert (f"interrupted: kept 2 of 5 cases of run {run_id} (smollm2-135m/plain); "
            f"run the same command to resume: {resume}") in err, err
    assert "Traceback" not in err

    monkeypatch.undo()  # the resume: the plain mock again
    monkeypatch.setenv(SCRIPT_ENV, str(exp.parent / "mock.yaml"))
    assert main(args) == 0
    out, err = capsys.readouterr()
    lines = progress_lines(err)
    assert [ln.split(" · ")[0] for ln in lines] == ["smollm2-135m/plain: 4/5 cases (80%)",
                                                    "smollm2-135m/plain: 5/5 cases (100%)"]
    assert "passed 3/5 (60.0%)" in lines[-1]  # earlier sessions' passes count
    totals = (f"run {run_id} smollm2-135m/plain: 5/5 cases (3 now, 2 from earlier sessions), "
              "passed 3/5 (60.0%), complete")
    assert totals in out.splitlines() and totals in err


def test_interrupt_counts_the_commands_other_runs(exp, capsys, monkeypatch):
    # plain: calls 0-2 (5 cases), terse: calls 3, 4 -> interrupted after 2 cases
    monkeypatch.setattr(pipeline.runner, "load_engine", interrupting(at_call=4))
    assert main(argv(exp)) == 130
    _, err = capsys.readouterr()
    assert re.search(r"interrupted: kept 2 of 5 cases of run \w+ \(smollm2-135m/terse\), "
                     r"7 cases in all over 2 runs of this command; run the same command", err)


def test_wall_time_counts_every_segment(exp, capsys, monkeypatch):
    """The interrupted segment's time after its last commit counts, and so does the
    resume's: the stored wall time covers at least the time the engine was working in both
    (from the first call's start to the last call's end, interrupted call included)."""
    stamps: list[tuple[float, float]] = []
    monkeypatch.setattr(pipeline.runner, "load_engine",
                        interrupting(at_call=1, delay=0.2, stamps=stamps))
    args = argv(exp, "--variants", "plain")
    assert main(args) == 130
    first = stamps[-1][1] - stamps[0][0]
    stamps.clear()
    monkeypatch.setattr(pipeline.runner, "load_engine",
                        interrupting(at_call=-1, delay=0.2, stamps=stamps))
    assert main(args) == 0
    second = stamps[-1][1] - stamps[0][0]
    assert _one(exp, "SELECT status FROM runs") == "complete"
    wall = _one(exp, "SELECT wall_time_s FROM runs")
    assert wall >= first + second

    assert main(["show", _one(exp, "SELECT run_id FROM runs"), "--db",
                 str(exp.parent / "r.duckdb")]) == 0
    out, _ = capsys.readouterr()
    assert f"({duration(wall)}, every session of the run)" in out


def test_a_finished_run_run_again_adds_no_wall_time(exp, capsys):
    args = argv(exp, "--variants", "plain")
    assert main(args) == 0
    before = _one(exp, "SELECT wall_time_s FROM runs")
    assert main(args) == 0
    assert _one(exp, "SELECT wall_time_s FROM runs") == before


def test_run_interrupted_message():
    exc = RunInterrupted("abc", "m/v", 3, 10)
    assert isinstance(exc, KeyboardInterrupt)
    assert exc.message("python -m pipeline run x.yaml") == (
        "interrupted: kept 3 of 10 cases of run abc (m/v); run the same command to resume: "
        "python -m pipeline run x.yaml")
    assert duration(45) == "45s" and duration(190) == "3m10s" and duration(7500) == "2h05m"


def _one(exp, sql):
    """The one value *sql* reads from the test's database."""
    con = duckdb.connect(str(exp.parent / "r.duckdb"), read_only=True)
    try:
        [(value,)] = con.execute(sql).fetchall()
        return value
    finally:
        con.close()
