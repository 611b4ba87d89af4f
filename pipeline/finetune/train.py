"""Train a LoRA adapter on the CPU with PEFT, from a `train.yaml` (pipeline.config.training).

What a caller may rely on:
- The examples are rendered with the evaluation's own prompt (an experiment's variant,
  through the base model's chat template); the loss is taken on the answer's tokens only
  (the prompt's labels are masked), and the answer is the reference solution in one
  ```python block, exactly the shape the variant asks for.
- Training is seeded and single-process with a fixed thread count and deterministic torch
  algorithms, so the same config on the same machine and library versions writes a
  byte-identical adapter; `--check` compares against the committed one (same hash, or the
  final loss within the stated tolerance elsewhere).
- The adapter folder holds PEFT's `adapter_config.json` + `adapter_model.safetensors` and a
  `training.json` manifest (base model and its weights hash, the training set's hash, the
  prompt, every hyperparameter, the loss curve, wall time, library versions). The engines
  hash the first two into every run's identity and copy the manifest into the run's
  provenance, so the post can chart the loss curve of exactly the adapter it evaluates.
- The base model's registry id, not a local path, is written as PEFT's
  `base_model_name_or_path`, so the adapter's bytes do not depend on where the base lives.

torch, transformers and peft are imported inside `train`: they live in the vLLM venv.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.adapter_manifest import MANIFEST, adapter_files, adapter_files_sha256
from pipeline.config import load_model_registry
from pipeline.config.experiment import Case
from pipeline.config.training import TrainingConfig
from pipeline.errors import ConfigError, PrerequisiteError
from pipeline.finetune.dataset import TrainExample, load_training_set, training_set_sha256
from pipeline.hashing import file_sha256, files_sha256, sha256_hex
from pipeline.loading import load_experiment

INSTALL_HINT = ("training needs torch, transformers and peft: they are in the vLLM venv "
                "(`make vllm`), run `.venv-vllm/bin/python -m pipeline train ...`")


@dataclass(frozen=True)
class TrainReport:
    output: Path
    adapter_sha256: str
    final_loss: float
    steps: int
    wall_time_s: float
    examples: int
    tokens: int


def answer_text(example: TrainExample) -> str:
    """The assistant turn trained on: the solution alone in one python block."""
    return f"```python\n{example.solution.strip()}\n```"


@dataclass(frozen=True)
class _Base:
    source: str            # a local folder, or a hub id on a box that can download
    revision: str | None
    folder: Path | None    # set when local: its weights are hashed into the manifest


def _base(cfg: TrainingConfig) -> _Base:
    registry = load_model_registry(cfg.registry)
    base = registry.get(cfg.base)
    if base.adapter is not None:
        raise ConfigError(f"{cfg.registry}: model {cfg.base!r} is an adapter; train on a base")
    src = base.weights.vllm
    if src is None:
        raise ConfigError(f"{base.where()}: no 'weights.vllm' (a Hugging Face model) to "
                          "train on")
    path = Path(os.path.expandvars(os.path.expanduser(src.hf_id)))
    if (path / "config.json").is_file():
        return _Base(str(path), None, path)
    if src.hf_id.startswith(("~", "/", ".", "$")):
        raise PrerequisiteError(f"{base.where()}: {path} is not a Hugging Face model folder; "
                                f"write it with `python -m pipeline.tools.gguf_to_hf --model "
                                f"{cfg.base}`")
    return _Base(src.hf_id, src.revision, None)  # a hub id, pinned by the registry


def _encode(tokenizer: Any, messages: list[dict[str, str]], answer: str,
            max_length: int, where: str) -> tuple[list[int], list[int]]:
    """Token ids and labels (-100 over the prompt) of one chat example."""
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                           tokenize=True, return_dict=False)
    full = tokenizer.apply_chat_template(messages + [{"role": "assistant", "content": answer}],
                                         tokenize=True, return_dict=False)
    prompt, full = list(prompt), list(full)
    if full[:len(prompt)] != prompt:
        raise ConfigError(f"{where}: the chat template renders the prompt differently once an "
                          "answer follows; cannot mask the prompt's tokens")
    if len(full) > max_length:
        raise ConfigError(f"{where}: {len(full)} tokens, above max_length {max_length}")
    return full, [-100] * len(prompt) + full[len(prompt):]


def _examples(cfg: TrainingConfig, tokenizer: Any) -> tuple[list[tuple[list[int], list[int]]],
                                                           list[TrainExample]]:
    exp = load_experiment(cfg.prompt.experiment)
    variant = exp.variant(cfg.prompt.variant)
    examples = load_training_set(cfg.training_set)
    if cfg.limit is not None:
        examples = examples[:cfg.limit]
    encoded = []
    for ex in examples:
        case = Case(id=ex.id, input=ex.input.model_dump())
        system, user = exp.render(variant, case)
        messages = ([{"role": "system", "content": system}] if system else [])
        messages.append({"role": "user", "content": user})
        encoded.append(_encode(tokenizer, messages, answer_text(ex), cfg.max_length,
                               f"{cfg.training_set}: example {ex.id!r}"))
    return encoded, examples


def train(cfg: TrainingConfig, *, output: Path | None = None, progress: bool = True
          ) -> TrainReport:
    """Train the adapter of `cfg` into `output` (default `cfg.output`), replacing it whole
    only once training has finished (a killed run leaves the old adapter in place)."""
    try:
        import peft
        import torch
        import transformers
    except ImportError as exc:
        raise PrerequisiteError(f"{INSTALL_HINT} ({exc})") from None
    from tqdm import tqdm

    out = output or cfg.output
    base = _base(cfg)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
    torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)

    tokenizer = transformers.AutoTokenizer.from_pretrained(base.source, revision=base.revision)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    encoded, examples = _examples(cfg, tokenizer)
    # float32 on the CPU (bf16 matmuls are slow there); bf16 weights on a GPU
    model = transformers.AutoModelForCausalLM.from_pretrained(
        base.source, revision=base.revision,
        dtype=torch.float32 if device == "cpu" else torch.bfloat16).to(device)
    lora = peft.LoraConfig(r=cfg.lora.r, lora_alpha=cfg.lora.alpha,
                           lora_dropout=cfg.lora.dropout,
                           target_modules=list(cfg.lora.target_modules), task_type="CAUSAL_LM")
    model = peft.get_peft_model(model, lora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    model.train()

    steps_per_epoch = math.ceil(len(encoded) / cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs
    optim = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                              lr=cfg.learning_rate, weight_decay=0.0)
    sched = transformers.get_linear_schedule_with_warmup(optim, cfg.warmup_steps, total_steps)
    order = random.Random(cfg.seed)
    curve: list[dict[str, float | int]] = []
    tokens = 0
    t0 = time.perf_counter()
    bar = tqdm(total=total_steps, desc=f"train {cfg.adapter}", disable=not progress)
    for epoch in range(cfg.epochs):
        idx = list(range(len(encoded)))
        order.shuffle(idx)
        for step in range(steps_per_epoch):
            batch = [encoded[i] for i in idx[step * cfg.batch_size:(step + 1) * cfg.batch_size]]
            width = max(len(ids) for ids, _ in batch)
            pad = tokenizer.pad_token_id
            input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in batch],
                                     device=device)
            labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in batch],
                                  device=device)
            mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in batch],
                                device=device)
            loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            optim.step()
            sched.step()
            optim.zero_grad(set_to_none=True)
            tokens += int(mask.sum())
            curve.append({"step": len(curve) + 1, "epoch": epoch + 1,
                          "loss": round(loss.item(), 6), "lr": sched.get_last_lr()[0],
                          "tokens": tokens,
                          "elapsed_s": round(time.perf_counter() - t0, 3)})
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    wall = time.perf_counter() - t0

    model.peft_config["default"].base_model_name_or_path = cfg.base
    staging = Path(tempfile.mkdtemp(prefix=".adapter-", dir=out.parent if out.parent.exists()
                                    else None))
    try:
        model.save_pretrained(staging)
        _normalise_config(staging / "adapter_config.json")
        sha = adapter_files_sha256(staging)
        manifest = {
            "adapter": cfg.adapter, "base_model": cfg.base,
            "base_weights_sha256": _weights_sha256(base.folder) if base.folder else None,
            "base_revision": base.revision, "device": device,
            "training_set": str(cfg.training_set),
            "training_set_sha256": training_set_sha256(cfg.training_set),
            "examples": len(examples), "example_ids_sha256": _ids_sha(examples),
            "prompt": {"experiment": str(cfg.prompt.experiment),
                       "variant": cfg.prompt.variant},
            "hyperparameters": cfg.model_dump(mode="json", exclude={"expected"}),
            "trainable_parameters": trainable, "steps": total_steps, "tokens": tokens,
            "wall_time_s": round(wall, 1), "tokens_per_s": round(tokens / wall, 1),
            "final_loss": curve[-1]["loss"], "loss_curve": curve,
            "adapter_sha256": sha,
            "weights_sha256": file_sha256(staging / "adapter_model.safetensors"),
            "adapter_bytes": sum(f.stat().st_size for f in adapter_files(staging)),
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "peft": peft.__version__},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        (staging / "README.md").unlink(missing_ok=True)  # PEFT's model-card template
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return TrainReport(out, sha, float(curve[-1]["loss"]), total_steps, wall, len(examples),
                       tokens)


def _normalise_config(path: Path) -> None:
    """PEFT keeps `target_modules` in a set and writes it in the set's order, which changes
    with Python's string-hash seed: the same training gave two adapter hashes. Sorted, in
    PEFT's own layout (indent 2, sorted keys), the file's bytes depend on the config only."""
    cfg = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(cfg.get("target_modules"), list):
        cfg["target_modules"] = sorted(cfg["target_modules"])
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True), encoding="utf-8")


def _canonical_config(folder: Path) -> dict[str, Any]:
    cfg = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    if isinstance(cfg.get("target_modules"), list):
        cfg["target_modules"] = sorted(cfg["target_modules"])
    return cfg


def check(cfg: TrainingConfig, report: TrainReport) -> str:
    """Did this training reproduce the committed adapter? A sentence, or ConfigError.

    In order: the same adapter hash; the same weights (`expected.weights_sha256`) with a
    config equal up to the order of `target_modules` (adapters written before the trainer
    sorted it); the final loss within the tolerance."""
    exp = cfg.expected
    if exp is None:
        raise ConfigError("the config has no 'expected:' block to check against")
    if report.adapter_sha256 == exp.adapter_sha256:
        return f"reproduced: identical adapter (sha256 {report.adapter_sha256[:16]})"
    weights = file_sha256(report.output / "adapter_model.safetensors")
    if exp.weights_sha256 is not None and weights == exp.weights_sha256 and (
            not (cfg.output / "adapter_config.json").is_file()
            or _canonical_config(cfg.output) == _canonical_config(report.output)):
        return (f"reproduced: identical weights (sha256 {weights[:16]}); adapter_config.json "
                "differs only in the order of target_modules")
    diff = abs(report.final_loss - exp.final_loss)
    if diff <= exp.loss_tolerance:
        return (f"reproduced within tolerance: final loss {report.final_loss:.4f} vs "
                f"{exp.final_loss:.4f} (|diff| {diff:.4f} <= {exp.loss_tolerance}); the adapter's "
                "bytes differ (other hardware or library versions sum floats differently)")
    raise ConfigError(f"not reproduced: final loss {report.final_loss:.4f} vs expected "
                      f"{exp.final_loss:.4f} (tolerance {exp.loss_tolerance}); adapter sha256 "
                      f"{report.adapter_sha256[:16]} vs {exp.adapter_sha256[:16]}")


def _weights_sha256(model_dir: Path) -> str | None:
    from pipeline.engines.vllm import WEIGHT_SUFFIXES

    return files_sha256([p for p in model_dir.iterdir()
                         if p.is_file() and p.suffix in WEIGHT_SUFFIXES])


def _ids_sha(examples: list[TrainExample]) -> str:
    return sha256_hex("\n".join(e.id for e in examples))
