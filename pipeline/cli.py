"""Command line: `python -m pipeline run EXPERIMENT.yaml [--models ...] [--limit N] [--db ...]`.

User errors (bad files, unknown ids, a newer database) print one message and exit 2, never
a traceback; Ctrl-C exits 130 after the last committed batch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import PipelineError

DEFAULT_DB = Path("results.duckdb")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run (or resume) an experiment into the results database")
    run.add_argument("experiment", type=Path, help="experiment YAML, e.g. experiments/x.yaml")
    run.add_argument("--models", type=_csv, help="comma-separated registry ids (default: the "
                     "experiment's list)")
    run.add_argument("--variants", type=_csv, help="comma-separated prompt variants")
    run.add_argument("--limit", type=int, help="run only the first N cases")
    run.add_argument("--db", type=Path, default=DEFAULT_DB, help="results DuckDB file")
    run.add_argument("--registry", type=Path, default=Path("experiments/models.yaml"),
                     help="model registry YAML")
    run.add_argument("--engine", default="auto", help="engine name (default: auto → llama_cpp "
                     "on a CPU box)")
    run.add_argument("--batch-size", type=int, default=8, help="cases per committed batch")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _cmd_run(args: argparse.Namespace) -> int:
    from pipeline.config import load_experiment, load_model_registry
    from pipeline.runner import run_experiment

    exp = load_experiment(args.experiment)
    registry = load_model_registry(args.registry)
    for m in args.models or exp.spec.models:
        registry.get(m)  # fail on an unknown id before loading any model
    summaries = run_experiment(
        exp, registry, args.db, models=args.models, variants=args.variants,
        engine=args.engine, limit=args.limit, batch_size=args.batch_size,
        progress=False if args.no_progress else None,
    )
    written = sum(s.written for s in summaries)
    print(f"{len(summaries)} run(s), {written} new result row(s) in {args.db}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: committed batches are kept; run the same command to resume",
              file=sys.stderr)
        return 130
    return 1
