"""Benchmark: the runner's throughput vs the raw engine, and result ingest into DuckDB.

    python bench/runner_throughput.py [--engine llama_cpp] [--model smollm2-135m] [--cases 24]
    python bench/runner_throughput.py --engine vllm --model smollm2-135m --hf-dir DIR  # vLLM

Same prompts, same sampling, same loaded engine (model load is outside both timings):
"raw" hands every request to `engine.generate` in one call, as a hand-written script would;
"runner" is `run_experiment` (batching, scoring, a committed DuckDB transaction per batch)
into a fresh database. With a conversation experiment (`--experiment
experiments/multi_turn.yaml --variant as_given`) "raw" is a hand-written lockstep loop over
the turns, so the ratio measures the task seam itself. Each is timed twice, alternating,
and the faster of each is kept.
Ingest writes synthetic result rows through `Store.write_results` in batches.
Targets (issue 5): runner >= 0.95 x raw, ingest >= 100k rows/s. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pipeline.config import load_model_registry
from pipeline.config.models import ModelRegistry
from pipeline.engines import SamplingParams, load_engine
from pipeline.loading import load_experiment
from pipeline.runner import RunOptions, build_request, run_experiment
from pipeline.store import ResultRow, RunContext, RunSpec, Store

ROOT = Path(__file__).resolve().parents[1]


class _Keep:
    """The loaded engine, lent to the runner without letting it close the engine."""

    def __init__(self, eng):
        self._eng = eng
        self.preferred_batch_size = eng.preferred_batch_size

    def info(self):
        return self._eng.info()

    def generate(self, requests, params):
        return self._eng.generate(requests, params)

    def close(self):
        pass


def throughput(args) -> None:
    exp = load_experiment(ROOT / args.experiment)
    registry = load_model_registry(ROOT / "experiments" / "models.yaml")
    spec = registry.get(args.model)
    if args.hf_dir:
        vllm = spec.weights.vllm.model_copy(update={
            "hf_id": args.hf_dir, "gpu_memory_utilization": args.gpu_memory_utilization,
            "max_model_len": 2048, "enforce_eager": args.enforce_eager})
        spec = spec.model_copy(update={"weights": spec.weights.model_copy(
            update={"vllm": vllm})})
    registry = ModelRegistry([spec])
    variant = exp.variant(args.variant)
    cases = exp.cases[:args.cases]
    s = exp.spec.sampling
    params = SamplingParams(temperature=s.temperature, top_p=s.top_p, max_tokens=s.max_tokens,
                            seed=s.seed, n=s.n)
    t = time.perf_counter()
    eng = load_engine(args.engine, spec)
    print(f"engine {args.engine}, model {spec.id}: loaded in {time.perf_counter() - t:.1f} s; "
          f"{len(cases)} cases x {params.n} sample(s), variant {variant.name}, "
          f"max_tokens {params.max_tokens}")
    requests = [build_request(exp, variant, spec, c, c.id) for c in cases]
    eng.generate(requests[:2], params)  # warm-up

    def raw() -> tuple[float, int]:
        if "conversation" in exp.spec.steps:
            return raw_conversation(eng, cases, params)
        t0 = time.perf_counter()
        gens = eng.generate(requests, params)
        return time.perf_counter() - t0, sum(g.completion_tokens or 0 for s in gens for g in s)

    def runner() -> tuple[float, int]:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_experiment(exp, registry, Path(tmp) / "r.duckdb", RunOptions(
                models=[spec.id], variants=[variant.name], engine=args.engine,
                limit=args.cases, progress=False, engine_loader=lambda name, m: _Keep(eng),
                log=lambda s: None))
            elapsed = time.perf_counter() - t0
            from pipeline.store import open_read

            con = open_read(Path(tmp) / "r.duckdb")
            [(tokens,)] = con.execute("SELECT sum(completion_tokens) FROM results").fetchall()
            con.close()
        return elapsed, int(tokens or 0)

    timings = {"raw": [], "runner": []}
    for _ in range(args.repeat):
        timings["raw"].append(raw())
        timings["runner"].append(runner())
    eng.close()
    best = {k: min(v) for k, v in timings.items()}
    for k, (sec, tok) in best.items():
        print(f"  {k:<7} {sec:7.2f} s  {tok:6d} tokens  {tok / sec:8.1f} tok/s  "
              f"(all: {', '.join(f'{x:.2f}' for x, _ in timings[k])} s)")
    ratio = (best["runner"][1] / best["runner"][0]) / (best["raw"][1] / best["raw"][0])
    print(f"runner / raw throughput: {ratio:.3f} (target >= 0.95)"
          + ("" if best["runner"][1] == best["raw"][1] else
             "  [token counts differ between raw and runner]"))


def raw_conversation(eng, cases, params) -> tuple[float, int]:
    """A hand-written multi-turn loop, the baseline for the `conversation` step: the same
    rounds in lockstep (every conversation's next turn in one call), no scoring, no store."""
    from pipeline.engines import GenerationRequest
    from pipeline.tasks.steps import conversation_rounds

    plans = {c.id: (c.input["messages"], conversation_rounds(c.input["messages"]))
             for c in cases}
    history: dict[str, list] = {c.id: [] for c in cases}
    cursor = {c.id: 0 for c in cases}
    tokens, t0 = 0, time.perf_counter()
    for r in range(max(len(rounds) for _, rounds in plans.values())):
        todo = [cid for cid, (_, rounds) in plans.items() if r < len(rounds)]
        reqs = []
        for cid in todo:
            msgs, rounds = plans[cid]
            history[cid] += [dict(m) for m in msgs[cursor[cid]:rounds[r] + 1]]
            cursor[cid] = rounds[r] + 1
            reqs.append(GenerationRequest(cid, messages=list(history[cid])))
        for cid, samples in zip(todo, eng.generate(reqs, params), strict=True):
            history[cid].append({"role": "assistant", "content": samples[0].text})
            tokens += samples[0].completion_tokens or 0
    return time.perf_counter() - t0, tokens


def ingest(rows: int, batch: int) -> None:
    text = '{"name": "Ada Park", "age": 31}'
    data = [ResultRow(case_id=f"c{i}", sample_idx=0, prompt="p" * 200, raw_output=text,
                      parsed_output={"name": "Ada Park", "age": 31}, passed=i % 3 == 0,
                      failure_mode=None if i % 3 == 0 else "wrong_content", error=None,
                      prompt_tokens=60, completion_tokens=12, latency_ms=40.0,
                      finish_reason="stop",
                      metrics={"parses": 1.0, "schema_valid": 1.0, "field_accuracy": 0.5})
            for i in range(rows)]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "ingest.duckdb")
        # a batch lands only for a run the database holds (a dropped run's batch is refused)
        run_id = store.start_run(
            RunSpec(experiment_id="bench", experiment_version=1, model_id="bench-model",
                    variant="plain", engine="bench", engine_version="0", model_sha256=None,
                    model_revision=None, temperature=0.0, top_p=1.0, max_tokens=64, seed=0,
                    n_samples=1, constrained=False, prompt_template_hash="bench"),
            RunContext(model_file=None, git_commit=None, git_dirty=None, host="bench",
                       hardware="cpu", engine_extra={}))
        t0 = time.perf_counter()
        for i in range(0, rows, batch):
            store.write_results(run_id, data[i:i + batch])
        elapsed = time.perf_counter() - t0
    print(f"ingest: {rows:,} result rows (+{3 * rows:,} score rows) in batches of {batch:,}: "
          f"{elapsed:.2f} s = {rows / elapsed:,.0f} rows/s (target >= 100,000)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--engine", default="llama_cpp")
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--experiment", default="experiments/structured_json.yaml")
    p.add_argument("--variant", default="instructed")
    p.add_argument("--cases", type=int, default=24)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--hf-dir", help="vLLM: a local HF model dir for --model")
    p.add_argument("--gpu-memory-utilization", type=float, default=0.25)
    p.add_argument("--ingest-rows", type=int, default=1_000_000)
    p.add_argument("--ingest-batch", type=int, default=50_000)
    p.add_argument("--enforce-eager", action=argparse.BooleanOptionalAction, default=True,
                   help="vLLM: skip graph compilation (loads in about 30 s instead of 90 on CPU)")
    p.add_argument("--skip-engine", action="store_true", help="ingest only")
    p.add_argument("--skip-ingest", action="store_true", help="engine comparison only")
    args = p.parse_args()
    if not args.skip_ingest:
        ingest(args.ingest_rows, args.ingest_batch)
    if not args.skip_engine:
        throughput(args)


if __name__ == "__main__":
    main()
