#!/usr/bin/env bash
# The exact commands behind posts 05 and 06: every CPU model of the lineup on the full case
# sets, greedy, into results.duckdb. One model job at a time (two at once on 2 cores are ~9x
# slower), fastest model first, so each model's results land complete before the next starts;
# position bias (one prompt, 240 cases) before structured JSON (three prompts, 320 cases).
# Resumable: kill it at any moment and run it again; committed cases are skipped.
# Wall time on 2 cores: minutes for SmolLM2 and Gemma 3 270M, hours for Qwen2.5-Coder-1.5B.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
for experiment in position_bias structured_json; do
  for model in smollm2-135m gemma3-270m qwen2.5-coder-1.5b; do
    "$PY" -m pipeline run "experiments/$experiment.yaml" --models "$model" --no-progress
  done
done
