#!/usr/bin/env bash
# The exact commands behind post 02 (LoRA fine-tune): train the adapter on the CPU, then run
# base and adapter on the 134 cases, greedy and sampled, on vLLM's CPU backend (LoRARequest).
# Resumable: the runner skips committed batches; training rewrites the adapter only when it
# finishes, and is skipped when the committed adapter is there (delete the folder to retrain,
# or use `python -m pipeline train experiments/lora_pycode/train.yaml --check` to reproduce it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv-vllm/bin/python}
export VLLM_NO_USAGE_STATS=1
"$PY" -m pipeline.tools.gguf_to_hf --model smollm2-135m
if [ ! -f experiments/lora_pycode/adapter/training.json ]; then
  "$PY" -m pipeline train experiments/lora_pycode/train.yaml --no-progress
fi
"$PY" -m pipeline run experiments/lora_pycode.yaml --engine vllm \
  --registry experiments/models.cpu-vllm.yaml --models smollm2-135m,smollm2-135m-pycode-lora \
  --no-progress
# free blocks out before the file is committed (same rows, a smaller file)
"$PY" -m pipeline compact
