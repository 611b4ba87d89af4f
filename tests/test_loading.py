"""The loading step: every name an experiment uses is resolved at load, with file:line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, TINY
from pipeline.config import load_model_registry, parse_experiment
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment


def _tiny(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY.parent, folder)
    path = folder / "experiment.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def test_an_unknown_scorer_fails_at_load_with_its_line(tmp_path: Path) -> None:
    path = _tiny(tmp_path, "scorer: json_fields", "scorer: json_field")
    parse_experiment(path)  # the files alone are fine: the name is the loading step's
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    assert str(err.value).startswith(f"{path}:7: scorer: unknown scorer 'json_field'. "
                                     "Did you mean 'json_fields'? Available: ")


def test_every_unknown_name_is_listed_at_once(tmp_path: Path) -> None:
    path = _tiny(tmp_path, "scorer: json_fields\n",
                 "scorer: nope\nsteps: [prompt, generat]\nretrieval: {corpus: c.jsonl, "
                 "retriever: bm52}\n")
    (path.parent / "c.jsonl").write_text('{"id": "p1", "text": "a passage"}\n')
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    lines = str(err.value).split("\n")
    assert [line.split(": unknown")[0] for line in lines] == [
        f"{path}:8: steps", f"{path}:7: scorer", f"{path}:9: retrieval.retriever"]
    assert "Did you mean 'generate'?" in lines[0] and "Did you mean 'bm25'?" in lines[2]


def test_models_are_resolved_when_a_registry_is_given(tmp_path: Path) -> None:
    path = _tiny(tmp_path, "models: [smollm2-135m]", "models: [smollm2-135]")
    registry = load_model_registry(ROOT / "experiments" / "models.yaml")
    load_experiment(path)  # no registry: the runner checks the ids it is asked to run
    with pytest.raises(ConfigError) as err:
        load_experiment(path, registry)
    assert str(err.value).startswith(f"{path}:8: models.0: unknown model id "
                                     "'smollm2-135'")
    assert "Did you mean 'smollm2-135m'?" in str(err.value)


def test_config_imports_no_registry() -> None:
    code = ("import sys, pipeline.config, pipeline.config.compliance, pipeline.config.training; "
            "print(sorted(m for m in sys.modules if m.startswith('pipeline.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    loaded = {m.split(".")[1] for m in eval(out)}  # noqa: S307 - our own list literal
    assert loaded <= {"config", "errors", "hashing"}, loaded
