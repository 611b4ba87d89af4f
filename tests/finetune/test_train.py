"""The trainer on the real base model (SmolLM2 135M, PEFT on the CPU), and the adapter through
the real vLLM engine. Runs in the vLLM venv (torch, transformers, peft): `make vllm`.

A tiny configuration (16 examples, 2 steps) trains twice: the two adapters must be
byte-identical (that is what lets `--check` compare hashes), the manifest must describe what
was trained, and vLLM must load the adapter, answer through it and record its hash and
training manifest in the run's provenance. Marked `vllm_venv`: the main run (no torch)
deselects it, and `make vllm` runs it with `--require-all`, where a missing part fails.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from helpers import ROOT
from pipeline.config.training import Expected, load_training_config
from pipeline.errors import ConfigError
from pipeline.finetune.train import TrainReport, check

pytestmark = pytest.mark.vllm_venv

CONFIG = ROOT / "experiments" / "lora_pycode" / "train.yaml"
BASE = Path.home() / ".cache/llmx/hf/smollm2-135m"


def _tiny(tmp: Path):
    if not (BASE / "config.json").is_file():
        pytest.fail(f"{BASE} missing: python -m pipeline.tools.gguf_to_hf --model smollm2-135m")
    cfg = load_training_config(CONFIG)
    return cfg.model_copy(update={"limit": 16, "epochs": 1, "warmup_steps": 1,
                                  "output": tmp / "adapter"})


_TRAIN_TINY = (
    "import sys; from pathlib import Path; "
    "from pipeline.config.training import load_training_config; "
    "from pipeline.finetune.train import train; "
    "cfg = load_training_config(Path(sys.argv[1])).model_copy("
    "update={'limit': 16, 'epochs': 1, 'warmup_steps': 1}); "
    "train(cfg, output=Path(sys.argv[2]), progress=False)")


def _train_in_process(out: Path, hash_seed: str) -> TrainReport:
    """Train the tiny config in a fresh interpreter with the given PYTHONHASHSEED (the seed
    that once made PEFT write target_modules in another order)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _TRAIN_TINY, str(CONFIG), str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONHASHSEED": hash_seed})
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = json.loads((out / "training.json").read_text())
    return TrainReport(out, m["adapter_sha256"], m["final_loss"], m["steps"],
                       m["wall_time_s"], m["examples"], m["tokens"])


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainReport, TrainReport]:
    tmp = tmp_path_factory.mktemp("train")
    _tiny(tmp)  # the base model is there
    return _train_in_process(tmp / "a", "1"), _train_in_process(tmp / "b", "2")


def test_training_is_deterministic(trained: tuple[TrainReport, TrainReport]) -> None:
    a, b = trained
    assert a.adapter_sha256 == b.adapter_sha256
    assert (a.output / "adapter_model.safetensors").read_bytes() == \
        (b.output / "adapter_model.safetensors").read_bytes()


def test_the_manifest_says_what_was_trained(trained: tuple[TrainReport, TrainReport]) -> None:
    a, _ = trained
    m = json.loads((a.output / "training.json").read_text())
    assert m["base_model"] == "smollm2-135m" and m["examples"] == 16 and m["steps"] == 2
    assert [p["step"] for p in m["loss_curve"]] == [1, 2]
    assert all(p["loss"] > 0 for p in m["loss_curve"])
    assert m["adapter_sha256"] == a.adapter_sha256
    assert m["hyperparameters"]["lora"]["r"] == 8 and m["trainable_parameters"] > 0
    cfg = json.loads((a.output / "adapter_config.json").read_text())
    assert cfg["base_model_name_or_path"] == "smollm2-135m"  # no local path in the bytes


def test_check_compares_hash_then_loss(trained: tuple[TrainReport, TrainReport],
                                       tmp_path: Path) -> None:
    a, _ = trained
    cfg = _tiny(tmp_path)
    same = cfg.model_copy(update={"expected": Expected(adapter_sha256=a.adapter_sha256,
                                                       final_loss=a.final_loss)})
    assert check(same, a).startswith("reproduced: identical")
    near = cfg.model_copy(update={"expected": Expected(
        adapter_sha256="0" * 64, final_loss=a.final_loss + 0.01, loss_tolerance=0.05)})
    assert "within tolerance" in check(near, a)
    far = cfg.model_copy(update={"expected": Expected(
        adapter_sha256="0" * 64, final_loss=a.final_loss + 1.0, loss_tolerance=0.05)})
    with pytest.raises(ConfigError, match="not reproduced"):
        check(far, a)


POST = ROOT / "posts" / "posts" / "lora-fine-tune-small-model.md"


def test_limit_5_run_of_the_adapter_reaches_the_post(trained: tuple[TrainReport, TrainReport],
                                                     tmp_path: Path) -> None:
    """The CLI runs the adapter on the first 5 cases (greedy) on vLLM with LoRARequest: the
    run's identity carries the adapter's hash and its provenance the training manifest, and
    post 02's queries, rendered from that database, show the run: the partial-data note and
    the training of exactly the adapter that ran."""
    pytest.importorskip("vllm")
    import subprocess
    import sys

    import duckdb
    import yaml

    from pipeline.site.core.render import render_markdown

    a, _ = trained
    registry = yaml.safe_load((ROOT / "experiments" / "models.cpu-vllm.yaml").read_text())
    for entry in registry["models"]:
        if entry["id"] == "smollm2-135m-pycode-lora":
            entry["adapter"]["vllm"] = str(a.output)
    reg = tmp_path / "models.yaml"
    reg.write_text(yaml.safe_dump(registry))
    db = tmp_path / "r.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "experiments/lora_pycode.yaml", "--engine",
         "vllm", "--registry", str(reg), "--models", "smollm2-135m-pycode-lora",
         "--variants", "greedy", "--limit", "5", "--db", str(db), "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "VLLM_NO_USAGE_STATS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the post's data section reads the measured train/test overlap too
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "overlap", "experiments/lora_pycode/train.yaml",
         "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute("SELECT model_id, adapter_sha256, engine_extra->'adapter_training'"
                           "->>'adapter_sha256', count(*) FROM runs JOIN results USING (run_id) "
                           "GROUP BY ALL").fetchall()
        assert runs == [("smollm2-135m-pycode-lora", a.adapter_sha256, a.adapter_sha256, 5)]
        errors = con.execute("SELECT count(*) FROM results WHERE error IS NOT NULL "
                             "OR completion_tokens = 0").fetchone()[0]
        assert errors == 0
        text = POST.read_text(encoding="utf-8")
        # the data and training sections: what follows compares the base model with the
        # adapter (paired tests, claims) and needs both runs, which this test does not make
        body = text.split("---", 2)[2].split("## Bad outputs, base vs adapter")[0]
        out = render_markdown(body, con, experiments=["lora_pycode"]).markdown
    finally:
        con.close()
    assert "Partial data" in out and "5 of 134 cases" in out
    manifest = json.loads((a.output / "training.json").read_text())
    text = re.sub(r"<[^>]+>", "", out)  # inline values are wrapped in a span
    assert f"{manifest['wall_time_s'] / 60:.1f} minutes" in text
