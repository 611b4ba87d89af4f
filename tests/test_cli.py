"""User errors from the CLI: one clear message, exit 2, no traceback, nothing written."""

import subprocess
import sys

from helpers import ROOT, TINY


def cli(*args):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_bad_experiment_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("scorer: json_fields", "scorer: [json_fields]"))
    r = cli("run", str(bad), "--db", str(tmp_path / "r.duckdb"))
    assert r.returncode == 2
    assert f"{bad}:7: scorer: Input should be a valid string" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "r.duckdb").exists()


def test_unknown_model_id(tmp_path):
    r = cli("run", str(TINY), "--models", "llama-9000", "--db", str(tmp_path / "r.duckdb"))
    assert r.returncode == 2
    assert "unknown model id 'llama-9000'" in r.stderr and "smollm2-135m" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "r.duckdb").exists()


def test_unknown_scorer_suggests(tmp_path):
    bad = tmp_path / "exp.yaml"
    for name in ("cases.jsonl",):
        (tmp_path / name).write_text((TINY.parent / name).read_text())
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "person.json").write_text(
        (TINY.parent / "schemas" / "person.json").read_text())
    bad.write_text(TINY.read_text().replace("scorer: json_fields", "scorer: json_field"))
    r = cli("run", str(bad), "--db", str(tmp_path / "r.duckdb"))
    assert r.returncode == 2 and "Did you mean 'json_fields'?" in r.stderr


def test_missing_file(tmp_path):
    r = cli("run", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and "cannot read file" in r.stderr


def test_bad_run_options_fail_before_the_runner(tmp_path):
    """`--limit`/`--batch-size` are validated once, into `RunOptions`, before any database."""
    for flag, value, message in (("--limit", "0", "--limit must be at least 1, got 0"),
                                 ("--batch-size", "-2", "--batch-size must be at least 1, got -2")):
        r = cli("run", str(TINY), flag, value, "--db", str(tmp_path / "r.duckdb"))
        assert r.returncode == 2 and f"error: {message}" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        assert not (tmp_path / "r.duckdb").exists()
