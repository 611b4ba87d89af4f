"""A LoRA fine-tune, declared as data: `experiments/<name>/train.yaml`.

Why a file and not flags: the adapter is a result like any other, so everything that shaped
it (base model, training set, the prompt it was trained on, every hyperparameter, the seed,
the thread count) must be written down where a reader of the post can find it, and the
training command must be able to say whether it reproduced the committed adapter.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from pipeline.config._yaml import load_yaml, validate
from pipeline.config.base import StrictModel


class PromptSource(StrictModel):
    """Train on exactly the prompt the evaluation sends: an experiment's variant, rendered by
    the same code and chat template (a fine-tune on another wording would test a prompt
    mismatch, not the adapter)."""

    experiment: Path
    variant: str


class LoraSettings(StrictModel):
    r: int = Field(default=8, ge=1, le=256, description="LoRA rank")
    alpha: int = Field(default=16, ge=1, description="LoRA scaling numerator (alpha / r)")
    dropout: float = Field(default=0.0, ge=0.0, lt=1.0)
    target_modules: list[str] = Field(default=["q_proj", "v_proj"], min_length=1)


class Expected(StrictModel):
    """What the committed adapter's training gave, for `--check`: the same adapter hash, or
    (on other hardware or library versions, where float sums differ) a final loss within
    `loss_tolerance`."""

    adapter_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    weights_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$",
                                       description="adapter_model.safetensors alone")
    final_loss: float
    loss_tolerance: float = Field(default=0.05, gt=0.0)


class TrainingConfig(StrictModel):
    adapter: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$",
                         description="the adapter's registry id")
    base: str = Field(description="registry id of the base model (its weights.vllm folder)")
    registry: Path = Path("experiments/models.cpu-vllm.yaml")
    training_set: Path
    prompt: PromptSource
    output: Path = Field(description="adapter folder written (PEFT layout + training.json)")
    lora: LoraSettings = LoraSettings()
    learning_rate: float = Field(default=2e-4, gt=0.0, le=1.0)
    epochs: int = Field(default=1, ge=1, le=100)
    batch_size: int = Field(default=8, ge=1, le=512)
    warmup_steps: int = Field(default=5, ge=0)
    max_length: int = Field(default=512, ge=16, description="tokens per example; longer "
                            "examples are an error, never silently cut")
    seed: int = Field(default=0, ge=0)
    threads: int = Field(default=2, ge=1, description="torch threads (part of the result: "
                         "float sums depend on it)")
    limit: int | None = Field(default=None, ge=1, description="train on the first N "
                              "examples only (tests)")
    expected: Expected | None = None


def load_training_config(path: Path) -> TrainingConfig:
    data, lines = load_yaml(path)
    return validate(TrainingConfig, data, str(path), lines)
