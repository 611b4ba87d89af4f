#!/usr/bin/env bash
# The exact commands behind the RAG compliance series (posts 07–10): every CPU model of the
# lineup, every guard, the full case set, greedy, into results.duckdb, on vLLM's CPU backend
# (see run_lineup.sh for why vLLM-CPU). The five guards share one generated draft per case and
# model (the variants' prompts are identical; the runner generates each once). The NeMo guard
# judges with the same loaded model, served to NeMo by the run itself (pipeline/engines/serve.py).
# Resumable: kill it at any moment and run it again; committed batches are skipped.
# On a GPU box: python -m pipeline run experiments/rag_compliance.yaml --engine vllm
#   --models <registry ids>   (the registry's GPU lineup; Llama Guard 3 itself is not in it)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv-vllm/bin/python}
export VLLM_NO_USAGE_STATS=1
for model in smollm2-135m gemma3-270m qwen2.5-coder-1.5b; do
  "$PY" -m pipeline.tools.gguf_to_hf --model "$model"
  "$PY" -m pipeline run experiments/rag_compliance.yaml --models "$model" --engine vllm \
    --registry experiments/models.cpu-vllm.yaml --batch-size 40 --no-progress
done
# free blocks out before the file is committed (same rows, a smaller file)
"$PY" -m pipeline compact
