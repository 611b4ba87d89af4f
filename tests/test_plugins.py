"""`plugins:` in an experiment file: Python files outside `pipeline/` imported at load, so a
scorer an author registers in their own folder is found by name (pipeline/loading.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import ROOT, query
from pipeline.cli import main
from pipeline.engines.mock import SCRIPT_ENV
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment
from pipeline.scoring import scorers

PLUGIN = '''
"""A scorer of the author's own: the first number in the reply within 1% of `expected`."""
import re

from pipeline.scoring.base import Metric, Score, scorer

LOADS = globals().setdefault("LOADS", 0) + 1


@scorer("{name}", metrics=[Metric("correct", "within 1% of the expected number")])
def within_one_percent(case, output, ctx):
    match = re.search(r"-?\\d+(?:\\.\\d+)?", output.replace(",", ""))
    if match is None:
        return Score(passed=False, metrics={{"correct": 0.0}}, failure_mode="no_number")
    got, want = float(match.group()), float(case.expected)
    ok = abs(got - want) <= abs(want) * 0.01
    return Score(passed=ok, metrics={{"correct": float(ok)}}, parsed=got,
                 failure_mode=None if ok else "wrong_number")
'''

EXPERIMENT = """\
id: {id}
version: 1
title: Unit conversions with a plugin scorer
cases: cases.jsonl
scorer: {scorer}
plugins:
  - {plugin}
models: [smollm2-135m]
variants:
  - name: plain
    user: "Convert {{{{ quantity }}}}. Answer with the number only."
"""

CASES = """\
{"id": "km-mi", "input": {"quantity": "10 km to miles"}, "expected": 6.2137}
{"id": "lb-kg", "input": {"quantity": "5 lb to kg"}, "expected": 2.268}
"""


def _project(tmp_path: Path, scorer_name: str, exp_id: str = "units_plugin",
             plugin: str = "my_scorers.py") -> Path:
    folder = tmp_path / "experiments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "my_scorers.py").write_text(PLUGIN.format(name=scorer_name))
    (folder / "cases.jsonl").write_text(CASES)
    path = folder / f"{exp_id}.yaml"
    path.write_text(EXPERIMENT.format(id=exp_id, scorer=scorer_name, plugin=plugin))
    return path


def test_a_scorer_registered_outside_pipeline_runs_through_the_cli(tmp_path, monkeypatch,
                                                                     capsys):
    name = "plugin_within_one_percent"
    exp = _project(tmp_path, name)
    script = tmp_path / "mock.yaml"
    script.write_text('default: "6.21"\nreplies:\n  - prompt: "lb to kg"\n    text: "3.5"\n')
    monkeypatch.setenv(SCRIPT_ENV, str(script))
    db = tmp_path / "results.duckdb"
    code = main(["run", str(exp), "--engine", "mock", "--db", str(db), "--no-progress",
                 "--registry", str(ROOT / "experiments" / "models.yaml")])
    assert code == 0, capsys.readouterr().err
    assert name in scorers
    assert not scorers.get(name).__module__.startswith("pipeline.")
    rows = query(db, "SELECT case_id, passed, failure_mode FROM outcomes ORDER BY case_id")
    assert rows == [("km-mi", True, None), ("lb-kg", False, "wrong_number")]


def test_the_same_file_is_imported_once(tmp_path):
    name = "plugin_imported_once"
    first = _project(tmp_path, name, "units_a")
    second = _project(tmp_path, name, "units_b")  # same plugin file, another experiment
    load_experiment(first)
    load_experiment(second)  # would raise "registered twice" if imported again
    load_experiment(first)
    module = __import__(scorers.get(name).__module__)
    assert module.LOADS == 1


def test_a_missing_plugin_names_the_file_line_and_key(tmp_path):
    exp = _project(tmp_path, "plugin_never_registered", plugin="nope.py")
    with pytest.raises(ConfigError) as err:
        load_experiment(exp)
    message = str(err.value)
    assert message.startswith(f"{exp}:7: plugins: 'nope.py': no such file")


def test_a_plugin_that_fails_to_import_names_the_error(tmp_path):
    exp = _project(tmp_path, "plugin_broken")
    (exp.parent / "my_scorers.py").write_text("import not_a_module_anywhere\n")
    with pytest.raises(ConfigError) as err:
        load_experiment(exp)
    message = str(err.value)
    assert message.startswith(f"{exp}:7: plugins: 'my_scorers.py' failed to import")
    assert "not_a_module_anywhere" in message


def test_the_extending_page_examples_register_what_they_say(tmp_path):
    """posts/docs/extending.md: each Python example (but the component, which belongs to
    the site package) loads as a plugin of an experiment and registers its name."""
    from pipeline.config.cases import Case
    from pipeline.guards import guards
    from pipeline.scoring.base import ScoringContext
    from pipeline.scoring.case_checks import case_checks
    from pipeline.tasks.steps import steps

    page = (ROOT / "posts" / "docs" / "extending.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)\n```$", page, re.M | re.S)
    plugins = [b for b in blocks if "@component" not in b]
    assert len(plugins) == 4
    folder = tmp_path / "experiments"
    folder.mkdir()
    for i, code in enumerate(plugins):
        (folder / f"example_{i}.py").write_text(code + "\n")
    (folder / "cases.jsonl").write_text(CASES)
    text = EXPERIMENT.format(id="units_examples", scorer="within_one_percent",
                             plugin="example_0.py")
    text = text.replace("  - example_0.py\n", "".join(f"  - example_{i}.py\n"
                                                      for i in range(len(plugins))))
    (folder / "units.yaml").write_text(text + "case_check: numeric_expected\n")
    load_experiment(folder / "units.yaml")
    assert "numeric_expected" in case_checks and "few_shot" in steps
    assert "no_numbers" in guards
    score = scorers.get("within_one_percent")(
        Case(id="x", input={}, expected=6.2137), "About 6.21 miles.", ScoringContext())
    assert score.passed and score.parsed == 6.21


def test_check_imports_plugins_and_names_a_missing_one(tmp_path, capsys):
    """`python -m pipeline check` loads the same way a run does: a plugin's scorer is known,
    a missing plugin file is refused at its line (exit 2, no traceback)."""
    registry = ["--registry", str(ROOT / "experiments" / "models.yaml"),
                "--db", str(tmp_path / "results.duckdb"), "--engine", "mock"]
    good = _project(tmp_path, "plugin_checked", "units_checked")
    assert main(["check", str(good), *registry]) == 0, capsys.readouterr().err
    bad = _project(tmp_path / "other", "plugin_not_there", plugin="missing.py")
    assert main(["check", str(bad), *registry]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:7: plugins: 'missing.py': no such file" in err and "Traceback" not in err
