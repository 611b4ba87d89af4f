#!/usr/bin/env bash
# The exact commands behind the enterprise-suite posts (03 and 04): every CPU model of the
# lineup on the eight suites, full case sets, greedy, into results.duckdb, on vLLM's CPU
# backend (see run_lineup.sh for why vLLM-CPU, and experiments/models.cpu-vllm.yaml).
# One process per model loads it once for all eight suites; one model job at a time.
# Resumable: kill it at any moment and run it again; committed batches are skipped.
# On a GPU box, the seed's Gemma lineup runs the same suites with:
#   python -m pipeline run experiments/{function_calling,...}.yaml --engine vllm \
#     --models gemma4-e4b-it,gemma4-e2b-it,gemma3-12b-it,gemma3-4b-it,gemma3-1b-it,gemma2-2b-it
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv-vllm/bin/python}
export VLLM_NO_USAGE_STATS=1
SUITES=(function_calling rag_grounding classification code_generation summarization
        information_extraction multilingual multi_turn)
for model in smollm2-135m gemma3-270m qwen2.5-coder-1.5b; do
  "$PY" -m pipeline.tools.gguf_to_hf --model "$model"
  "$PY" -m pipeline run $(printf "experiments/%s.yaml " "${SUITES[@]}") --models "$model" --engine vllm \
    --registry experiments/models.cpu-vllm.yaml --batch-size 40 --no-progress
done
# free blocks out before the file is committed (same rows, a smaller file)
"$PY" -m pipeline compact
