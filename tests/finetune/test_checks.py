"""An adapter model is checked before anything loads: missing files, another base, a training
set that changed or that holds a test case. Each is a clear error from the real CLI, and no
database is written."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import ROOT
from pipeline.config import load_model_registry
from pipeline.errors import ConfigError
from pipeline.finetune.checks import check_adapter
from pipeline.loading import load_experiment

EXP = ROOT / "experiments" / "lora_pycode.yaml"
TRAIN = ROOT / "experiments" / "lora_pycode" / "train.jsonl"
BASE_ENTRY = """models:
  - id: smollm2-135m
    name: SmolLM2 135M Instruct
    family: SmolLM2
    params: 135000000
    kind: chat
    weights:
      vllm:
        hf_id: {tmp}/no-such-base
  - id: gemma3-270m
    name: Gemma 3 270M
    family: Gemma 3
    params: 270000000
    kind: base
    weights:
      vllm:
        hf_id: {tmp}/no-such-gemma
  - id: smollm2-135m-pycode-lora
    name: SmolLM2 + LoRA
    family: SmolLM2
    params: 135000000
    kind: chat
    adapter:
      name: pycode-lora
      base: {base}
      vllm: {tmp}/adapter
      max_lora_rank: 8
"""


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _setup(tmp: Path, *, base: str = "smollm2-135m", trained_on: str = "smollm2-135m",
           files: tuple[str, ...] = ("adapter_config.json", "adapter_model.safetensors"),
           training: Path | None = None, sha: str | None = None) -> Path:
    adapter = tmp / "adapter"
    adapter.mkdir()
    for name in files:
        (adapter / name).write_text("{}")
    training = training or TRAIN
    (adapter / "training.json").write_text(json.dumps({
        "base_model": trained_on, "training_set": str(training),
        "training_set_sha256": sha or _sha(training)}))
    registry = tmp / "models.yaml"
    registry.write_text(BASE_ENTRY.format(tmp=tmp, base=base))
    return registry


def _leaky(tmp: Path) -> Path:
    """The real training set plus one test case (with its reference solution)."""
    case = json.loads((ROOT / "experiments/lora_pycode/cases.jsonl").read_text().splitlines()[7])
    solutions = [json.loads(line) for line in
                 (ROOT / "experiments/lora_pycode/test_solutions.jsonl").read_text().splitlines()]
    solution = next(s["solution"] for s in solutions if s["id"] == case["id"])
    row = {"id": "train-leak", "input": case["input"], "solution": solution,
           "expected": case["expected"], "tags": []}
    path = tmp / "train.jsonl"
    path.write_text(TRAIN.read_text() + json.dumps(row) + "\n")
    return path


CASES: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "missing folder": (lambda t: (_setup(t), __import__("shutil").rmtree(t / "adapter"))[0],
                       ["adapter folder", "not found", "python -m pipeline train"]),
    "missing weights file": (lambda t: _setup(t, files=("adapter_config.json",)),
                             ["lacks adapter_model.safetensors"]),
    "another base": (lambda t: _setup(t, trained_on="gemma3-270m"),
                     ["adapter.base is 'smollm2-135m'", "trained on 'gemma3-270m'"]),
    "training set changed": (lambda t: _setup(t, sha="0" * 64),
                             ["changed since the adapter was trained"]),
    "training set overlaps the test set": (
        lambda t: _setup(t, training=_leaky(t)),
        ["1 test case(s) are also in the adapter's training set", "measures memory"]),
    "unknown base": (lambda t: _setup(t, base="smollm9"),
                     ["adapter.base 'smollm9' is not a model of this registry"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_adapter_fails_before_loading(name: str, tmp_path: Path) -> None:
    make, expected = CASES[name]
    registry = make(tmp_path)
    db = tmp_path / "out.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", str(EXP), "--registry", str(registry),
         "--engine", "vllm", "--db", str(db), "--limit", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    for text in expected:
        assert text in proc.stderr, proc.stderr
    assert not db.exists(), "nothing may be written before the checks pass"


def test_a_sound_adapter_passes(tmp_path: Path) -> None:
    registry = load_model_registry(_setup(tmp_path))
    model = registry.get("smollm2-135m-pycode-lora")
    assert model.weights == registry.get("smollm2-135m").weights  # taken from its base
    check_adapter(model, load_experiment(EXP).cases, "vllm")


def test_the_committed_adapter_passes_its_checks() -> None:
    """The adapter in the repo was trained on this base and on none of the 134 cases."""
    registry = load_model_registry(ROOT / "experiments" / "models.cpu-vllm.yaml")
    model = registry.get("smollm2-135m-pycode-lora")
    folder = ROOT / "experiments" / "lora_pycode" / "adapter"
    if not (folder / "training.json").is_file():
        pytest.fail("experiments/lora_pycode/adapter is not committed")
    manifest = json.loads((folder / "training.json").read_text())
    assert manifest["base_model"] == "smollm2-135m"
    assert manifest["training_set_sha256"] == _sha(TRAIN)
    check_adapter(model, load_experiment(EXP).cases, "vllm")


def test_check_adapter_ignores_models_without_adapters() -> None:
    registry = load_model_registry(ROOT / "experiments" / "models.cpu-vllm.yaml")
    check_adapter(registry.get("smollm2-135m"), load_experiment(EXP).cases, "vllm")
    with pytest.raises(ConfigError):
        check_adapter(registry.get("smollm2-135m-pycode-lora").model_copy(
            update={"adapter": registry.get("smollm2-135m-pycode-lora").adapter.model_copy(
                update={"vllm": "/nonexistent/adapter"})}),
            load_experiment(EXP).cases, "vllm")
