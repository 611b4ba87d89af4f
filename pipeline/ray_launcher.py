"""`python -m pipeline run ... --ray ADDRESS`: shards as Ray tasks, merged at the end.

Ray does the scheduling, placement and transport; this module only decides the shards and
what each task asks for. Each task runs one `--shard i/N` of the experiment with the normal
runner into a DuckDB file on its node and returns the file's bytes, which the driver keeps
under `<db>.shards/` and then merges into the results database (store/merge.py). A task that
asks for GPUs gets them from Ray (`num_gpus` = the model's tensor × pipeline parallel size),
and vLLM spreads a big model over them inside the task.

Re-running the same command resumes: a shard file already on the driver is sent back to its
task, which skips every committed case, so a lost node costs only its unfinished batches.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, PipelineError, PrerequisiteError
from pipeline.run_options import RunOptions
from pipeline.sharding import Shard
from pipeline.store.merge import MergeReport, merge_databases

# Never shipped to the cluster: environments, build output, result files.
EXCLUDES = [".venv*", ".git", "site", "*.duckdb", "*.duckdb.wal", "*.shards", "__pycache__",
            ".pytest_cache", ".ruff_cache", ".llmx-cache"]


@dataclass(frozen=True)
class ShardJob:
    """What one Ray task runs: the normal runner's files and options, its shard set in them
    (`options.shard`), progress off."""

    experiment: str
    registry: str
    options: RunOptions


def run_shard(job: ShardJob, previous: bytes | None) -> tuple[bytes, str | None]:
    """Body of a Ray task (plain function, so it is testable without Ray).

    Returns the shard file and the error that stopped it, if any: batches committed before
    a failure still travel back and are kept."""
    from pipeline.config import load_model_registry
    from pipeline.loading import load_experiment
    from pipeline.runner import run_experiment

    shard = job.options.shard
    assert shard is not None, "a shard job runs one shard"
    with tempfile.TemporaryDirectory(prefix="llmx-shard-") as tmp:
        db = Path(tmp) / f"shard-{shard.index}-of-{shard.count}.duckdb"
        if previous:
            db.write_bytes(previous)
        error = None
        try:
            run_experiment(
                load_experiment(job.experiment), load_model_registry(Path(job.registry)), db,
                job.options)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        return (db.read_bytes() if db.exists() else b""), error


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())  # outside the shipped working dir: only a local cluster


def _task_resources(engine: str, models: Sequence[Any]) -> tuple[float, float]:
    """(num_cpus, num_gpus) one shard task needs: vLLM tasks ask for the largest model's
    tensor × pipeline parallel size in GPUs; CPU engines for one CPU."""
    if engine != "vllm":
        return 1.0, 0.0
    gpus = max((m.weights.vllm.gpus for m in models if m.weights.vllm), default=1)
    return 1.0, float(gpus)


def run_on_ray(experiment: Path, registry: Path, db: Path, options: RunOptions, *,
               address: str | None, shards: int | None = None,
               log: Callable[[str], None] = print) -> MergeReport:
    """Run *experiment* with *options* as `shards` Ray tasks, one shard each, and merge them
    into *db*. `options.shard` must be None (the launcher decides the shards; each task gets
    its own) and `options.log` runs inside the tasks; *log* gets the launcher's own lines."""
    if options.shard is not None:
        raise ConfigError("--ray decides the shards itself; drop --shard (use --shards N)")
    try:
        import ray
    except ImportError:
        raise PrerequisiteError("--ray needs Ray: pip install 'ray>=2.40' (or the 'ray' "
                                "extra of this package)") from None
    from pipeline.config import load_model_registry
    from pipeline.loading import load_experiment

    reg = load_model_registry(registry)
    exp = load_experiment(experiment, None if options.models else reg)
    specs = [reg.get(m) for m in (options.models or exp.spec.models)]
    local = address in (None, "", "local")
    ray.init(address=None if local else address, log_to_driver=False,
             runtime_env={"working_dir": str(Path.cwd()), "excludes": EXCLUDES,
                          "env_vars": {"LLMX_FROM_RAY": "1"}},
             **({"num_cpus": os.cpu_count()} if local else {}))
    try:
        gpu_nodes = [n for n in ray.nodes() if n.get("Alive") and n["Resources"].get("GPU")]
        alive = [n for n in ray.nodes() if n.get("Alive")]
        engine = options.engine
        if engine == "auto":
            engine = "vllm" if gpu_nodes else "llama_cpp"
        num_cpus, num_gpus = _task_resources(engine, specs)
        if shards is None:
            shards = len(gpu_nodes) if num_gpus else len(alive)
        shards = max(1, shards)
        folder = db.with_name(db.name + ".shards")
        folder.mkdir(parents=True, exist_ok=True)
        log(f"ray: {len(alive)} node(s), {len(gpu_nodes)} with GPUs; {shards} shard task(s), "
            f"each num_cpus={num_cpus:g} num_gpus={num_gpus:g}, engine {engine}")
        task = ray.remote(run_shard).options(num_cpus=num_cpus, num_gpus=num_gpus,
                                             max_retries=1)
        files = {i: folder / f"shard-{i}-of-{shards}.duckdb" for i in range(1, shards + 1)}
        pending = {}
        for i, path in files.items():
            job = ShardJob(_relative(experiment), _relative(registry), dataclasses.replace(
                options, engine=engine, shard=Shard(i, shards), progress=False))
            previous = path.read_bytes() if path.exists() else None
            pending[task.remote(job, previous)] = i
        failures: list[str] = []
        while pending:
            [ready], _ = ray.wait(list(pending), num_returns=1)
            i = pending.pop(ready)
            try:
                data, error = ray.get(ready)
            except Exception as exc:  # a lost node must not lose the other shards
                failures.append(f"shard {i}/{shards}: {type(exc).__name__}: {exc}")
                continue
            if error:
                failures.append(f"shard {i}/{shards}: {error}")
            if not data:
                continue
            tmp = files[i].with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(files[i])  # atomic: a killed driver never leaves half a shard file
            log(f"ray: shard {i}/{shards} done ({len(data):,} bytes)")
    finally:
        ray.shutdown()
    done = [p for p in files.values() if p.exists()]
    report = merge_databases(done, db) if done else MergeReport(0, 0, {})
    if failures:
        raise PipelineError("some shards failed (batches they committed are kept and merged; "
                            "run the same command to resume):\n  " + "\n  ".join(failures))
    return report
