#!/usr/bin/env bash
# The harness comparison for one model: this project's runner, Inspect, lm-evaluation-harness
# and promptfoo send the same 64 prompts to the same local OpenAI-compatible server, and the
# three other harnesses' logs are imported into harness_compare as variants of their own.
#
#   experiments/harnesses/run_all.sh MODEL PORT
#   e.g. experiments/harnesses/run_all.sh smollm2-135m 8101
#
# Needs: the model's llama.cpp server on PORT (see experiments/harnesses/models.yaml), the main
# venv (.venv, with inspect-ai), lm-eval 0.4.13 in .venv-harness (python3 -m venv .venv-harness
# && .venv-harness/bin/pip install "lm_eval[api]==0.4.13") and promptfoo 0.121.20 from npm
# ($PROMPTFOO, default: promptfoo on the PATH). Runs one harness at a time (2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1
port=$2
promptfoo=${PROMPTFOO:-promptfoo}
logs=experiments/harnesses/logs
service=${model//[^a-zA-Z0-9]/}
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 OPENAI_API_KEY=local \
  PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1 \
  PROMPTFOO_CONFIG_DIR=${PROMPTFOO_CONFIG_DIR:-/tmp/promptfoo-config} PROMPTFOO_REQUEST_BACKOFF_MS=10

.venv/bin/python -m pipeline run experiments/harness_compare.yaml --models "$model" \
  --engine openai --registry experiments/harnesses/models.yaml

mkdir -p "$logs/inspect/$model"
env "${service^^}_BASE_URL=http://127.0.0.1:$port/v1" "${service^^}_API_KEY=local" \
  .venv/bin/inspect eval experiments/harnesses/inspect/harness_compare.py \
  --model "openai-api/$service/$model" --log-dir "$logs/inspect/$model" --log-format eval \
  --display plain

.venv-harness/bin/lm-eval run --include_path experiments/harnesses/lm_eval \
  --tasks kelvora_routing --model local-chat-completions --apply_chat_template \
  --model_args "base_url=http://127.0.0.1:$port/v1/chat/completions,model=$model,tokenizer_backend=None,tokenized_requests=False,seed=0,max_gen_toks=24,num_concurrent=1" \
  --output_path "$logs/lm_eval" --log_samples

config=experiments/harnesses/promptfoo/promptfooconfig.yaml
[ "$model" = qwen2.5-coder-1.5b ] || config=experiments/harnesses/promptfoo/promptfooconfig.$model.yaml
out=$logs/promptfoo/out.json
[ "$model" = qwen2.5-coder-1.5b ] || out=$logs/promptfoo/out.$model.json
rm -f "$out"  # promptfoo exits 100 when a test fails: the written file is what counts
"$promptfoo" eval -c "$config" -o "$out" --no-cache -j 1 --no-table --no-progress-bar || [ -s "$out" ]

.venv/bin/python -m pipeline import inspect "$logs/inspect/$model"/*.eval \
  --experiment harness_compare --model "$model"
.venv/bin/python -m pipeline import lm-eval "$logs/lm_eval/$model" \
  --experiment harness_compare --model "$model"
.venv/bin/python -m pipeline import promptfoo "$out" --experiment harness_compare --model "$model"
