"""Command line: run experiments, inspect and repeat runs, merge shards.

    python -m pipeline run EXPERIMENT.yaml [--models ...] [--limit N] [--shard i/N] [--ray ADDR]
    python -m pipeline check EXPERIMENT.yaml... [--models ...] [--engine E] [--limit N] [--db]
    python -m pipeline show RUN            python -m pipeline rerun RUN
    python -m pipeline runs [EXPERIMENT] [--db results.duckdb]
    python -m pipeline drop RUN [--db results.duckdb] [--yes]
    python -m pipeline merge shard-*.duckdb [--into results.duckdb]
    python -m pipeline migrate [--db results.duckdb]
    python -m pipeline overlap TRAIN.yaml [--db results.duckdb]
    python -m pipeline build [--generator mkdocs|zensical] [-f mkdocs.yml] [-d SITE_DIR]
    python -m pipeline import inspect|lm-eval|promptfoo PATH... [--experiment ID] [--model ID]
    python -m pipeline export eee [--experiments ...] [--models ...] [--runs ...] [--out DIR]

User errors (bad files, unknown ids, a newer database) print one message and exit 2, never
a traceback; Ctrl-C exits 130 after the last committed batch, saying how many cases were
kept and the command that resumes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError, PipelineError, located

if TYPE_CHECKING:
    from pipeline.store.merge import MergeReport

DEFAULT_DB = Path("results.duckdb")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run (or resume) an experiment into the results database")
    run.add_argument("experiment", type=Path, nargs="+",
                     help="experiment YAML(s), e.g. experiments/x.yaml; with several, each "
                          "model is loaded once and runs them all in turn")
    run.add_argument("--models", type=_csv, help="comma-separated registry ids (default: the "
                     "experiment's list)")
    run.add_argument("--variants", type=_csv, help="comma-separated prompt variants")
    run.add_argument("--limit", type=int, help="run only the first N cases")
    run.add_argument("--sample", type=int, help="run a seeded random sample of N cases")
    run.add_argument("--sample-seed", type=int, default=0, help="seed of --sample (default 0)")
    run.add_argument("--repeat", type=int, default=0,
                     help="K >= 1: store the K-th repeat of the runs (the noise floor: which "
                     "outputs and verdicts the engine alone changes); 0 (default) measures")
    run.add_argument("--db", type=Path, default=DEFAULT_DB, help="results DuckDB file")
    run.add_argument("--registry", type=Path, default=Path("experiments/models.yaml"),
                     help="model registry YAML")
    run.add_argument("--engine", default="auto", help="engine name (default: auto → llama_cpp "
                     "on a CPU box)")
    run.add_argument("--batch-size", type=int, help="cases per committed batch (default: the "
                     "engine's preferred size: 8 for llama.cpp, large for vLLM)")
    run.add_argument("--retry-errors", action="store_true", help="generate again the samples "
                     "stored as engine errors (they are otherwise kept and skipped)")
    run.add_argument("--shard", help="run only shard i of N (e.g. 2/3), partitioned by case id; "
                     "writes results.shard-i-of-N.duckdb unless --db is given")
    run.add_argument("--ray", metavar="ADDRESS", help="run the shards as Ray tasks on the "
                     "cluster at ADDRESS ('auto' for the configured cluster, 'local' for a "
                     "cluster on this machine) and merge them into --db")
    run.add_argument("--shards", type=int, help="with --ray: number of shards (default: one per "
                     "GPU node, or per node for CPU engines)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")

    check = sub.add_parser("check", help="check everything a run checks before a model loads "
                           "(files, cases, names, engine, model files, adapters, database), "
                           "loading no engine, and estimate the run; exit 2 on any problem")
    check.add_argument("experiment", type=Path, nargs="+", help="experiment YAML(s)")
    check.add_argument("--models", type=_csv, help="comma-separated registry ids (default: "
                       "the experiment's list)")
    check.add_argument("--variants", type=_csv, help="comma-separated prompt variants")
    check.add_argument("--engine", default="auto", help="the engine the run would use "
                       "(default: auto)")
    check.add_argument("--limit", type=int, help="estimate only the first N cases")
    check.add_argument("--db", type=Path, default=DEFAULT_DB, help="results DuckDB file: "
                       "checked writable, and the source of the measured speeds and "
                       "chars/token (read only)")
    check.add_argument("--registry", type=Path, default=Path("experiments/models.yaml"),
                       help="model registry YAML")

    show = sub.add_parser("show", help="print the full provenance of a run")
    show.add_argument("run", help="run id (a unique prefix of at least 4 characters)")
    show.add_argument("--db", type=Path, default=DEFAULT_DB)
    show.add_argument("--json", action="store_true", help="machine-readable output")

    rerun = sub.add_parser("rerun", help="re-create a run from its provenance and compare "
                           "outputs with the original")
    rerun.add_argument("run", help="run id (a unique prefix of at least 4 characters)")
    rerun.add_argument("--db", type=Path, default=DEFAULT_DB, help="database holding the run")
    rerun.add_argument("--out", type=Path, help="database for the new run (default: "
                       "rerun-RUN.duckdb)")
    rerun.add_argument("--engine", help="override the recorded engine")
    rerun.add_argument("--limit", type=int, help="repeat only the first N of the run's cases")
    rerun.add_argument("--no-progress", action="store_true")

    runs = sub.add_parser("runs", help="list the runs of the database (or of one experiment): "
                          "version, model, variant, sampling, cases done, status, and which "
                          "run of each slot posts read (current) or not (superseded)")
    runs.add_argument("experiment", nargs="?", help="an experiment id or its YAML file "
                      "(default: every experiment)")
    runs.add_argument("--db", type=Path, default=DEFAULT_DB)

    drop = sub.add_parser("drop", help="remove a run with its results and scores (one "
                          "transaction; refused while another process writes the file)")
    drop.add_argument("run", help="run id (a unique prefix of at least 4 characters)")
    drop.add_argument("--db", type=Path, default=DEFAULT_DB)
    drop.add_argument("--yes", action="store_true", help="do not ask (required when stdin "
                      "is not a terminal)")

    merge = sub.add_parser("merge", help="fold shard databases into one (idempotent)")
    merge.add_argument("shards", nargs="+", type=Path, help="shard DuckDB files")
    merge.add_argument("--into", type=Path, default=DEFAULT_DB, help="target database")

    train = sub.add_parser("train", help="train a LoRA adapter from a train.yaml (PEFT, CPU "
                           "or GPU; run it with the vLLM venv's python)")
    train.add_argument("config", type=Path, help="e.g. experiments/lora_pycode/train.yaml")
    train.add_argument("--output", type=Path, help="adapter folder to write (default: the "
                       "config's output)")
    train.add_argument("--check", action="store_true", help="train into a scratch folder and "
                       "compare with the config's expected adapter hash / final loss")
    train.add_argument("--no-progress", action="store_true")

    compact = sub.add_parser("compact", help="rewrite a results database without its free "
                             "blocks (same rows; a smaller file to commit)")
    compact.add_argument("--db", type=Path, default=DEFAULT_DB)

    migrate = sub.add_parser("migrate", help="upgrade a results database to this schema")
    migrate.add_argument("--db", type=Path, default=DEFAULT_DB)

    overlap = sub.add_parser("overlap", help="measure how close each test case is to a "
                             "training set (prompt template, renamed solution, a training "
                             "solution that passes its tests) and store it")
    overlap.add_argument("config", type=Path, help="e.g. experiments/lora_pycode/train.yaml")
    overlap.add_argument("--solutions", type=Path, help="the test cases' reference solutions "
                         "(JSONL of {id, solution}; default: test_solutions.jsonl next to "
                         "the cases file)")
    overlap.add_argument("--workers", type=int, help="sandbox runs at once (default: the "
                         "CPU count)")
    overlap.add_argument("--db", type=Path, default=DEFAULT_DB)

    build = sub.add_parser("build", help="build the site from the results database, with "
                           "MkDocs (the `pipeline` plugin) or Zensical (staged by the same "
                           "build session); --strict either way")
    build.add_argument("--generator", choices=("mkdocs", "zensical"), default="mkdocs",
                       help="the site generator: MkDocs (default) or Zensical (`make "
                            "site-zensical` installs it); both run the same build session")
    build.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"),
                       help="the site's config, read by both generators (default: mkdocs.yml)")
    build.add_argument("-d", "--site-dir", type=Path, default=None,
                       help="where the site goes (default: the config's site_dir)")

    imp = sub.add_parser("import", help="import another harness's logs (Inspect .eval/.json, "
                         "lm-eval results_*.json, promptfoo eval -o output) as runs; "
                         "idempotent, all files in one transaction")
    imp.add_argument("tool", choices=("inspect", "lm-eval", "promptfoo"),
                     help="the harness that wrote the files")
    imp.add_argument("paths", nargs="+", type=Path, help="log files (lm-eval: a results_*.json "
                     "or its output folder)")
    imp.add_argument("--db", type=Path, default=DEFAULT_DB)
    imp.add_argument("--experiment", help="a stored experiment whose cases the log's samples "
                     "are (matched by id), so the runs pair with its other runs (default: a "
                     "new experiment <tool>-<task> with the log's own cases)")
    imp.add_argument("--model", help="the registry id of the log's model (default: the model "
                     "name as the log writes it)")
    imp.add_argument("--registry", type=Path, default=Path("experiments/models.yaml"),
                     help="model registry YAML, for --model")
    imp.add_argument("--variant", help="the runs' variant name (default: the tool's name)")
    imp.add_argument("--replace", action="store_true", help="replace a run imported before "
                     "from a file whose content has changed (refused otherwise)")

    exp = sub.add_parser("export", help="write results in a shared format: eee = Every Eval "
                         "Ever records (aggregate and instance-level)")
    exp.add_argument("format", choices=("eee",))
    exp.add_argument("--db", type=Path, default=DEFAULT_DB)
    exp.add_argument("--out", type=Path, default=Path("export/eee"), help="output folder")
    exp.add_argument("--experiments", type=_csv, help="experiment ids (default: all)")
    exp.add_argument("--models", type=_csv, help="model ids (default: all)")
    exp.add_argument("--runs", type=_csv, help="run ids (default: every current run)")
    return p


def _cmd_import(args: argparse.Namespace) -> int:
    from pipeline.importers import importers
    from pipeline.store.imports import ImportOptions, import_logs

    model = None
    if args.model is not None:
        from pipeline.config.models import load_model_registry

        model = load_model_registry(args.registry).get(args.model)
    read = importers.get(args.tool)
    logs = [log for path in args.paths for log in read(path)]  # every file read before a write
    outcomes = import_logs(args.db, logs, ImportOptions(
        experiment=args.experiment, model=model, variant=args.variant, replace=args.replace))
    for o in outcomes:
        log = o.log
        head = (f"{o.action} run {o.run_id}: {log.tool} {log.tool_version} task {log.task!r} "
                f"on {o.model_id} -> {o.experiment_id} v{o.experiment_version}/{o.variant}")
        if o.action != "unchanged":
            passed = sum(s.passed for s in log.samples)
            head += (f", {o.samples} sample(s) of {len({s.case_id for s in log.samples})} "
                     f"case(s), passed {passed}/{o.samples}")
        print(head + "".join(f"\n  note: {n}" for n in o.notes))
    new = sum(o.action != "unchanged" for o in outcomes)
    print(f"{new} run(s) written, {len(outcomes) - new} unchanged, in {args.db}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from pipeline.exporters.eee import export_eee

    summary = export_eee(args.db, args.out, experiments=args.experiments, models=args.models,
                         runs=args.runs)
    print(summary.describe() if hasattr(summary, "describe") else summary)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from pipeline.preflight import preflight
    from pipeline.run_options import RunOptions
    from pipeline.sharding import parse_shard

    # Validate every input first, files and options, before importing the runner (pandas,
    # engines: most of a second), so a bad input fails fast and before any database is opened:
    # the checks `check` makes, all of them, every problem listed (pipeline/preflight.py).
    checked = preflight(args.experiment, args.registry, models=args.models,
                        variants=args.variants, engine=args.engine,
                        db=None if args.shard else args.db)
    checked.raise_problems()
    assert checked.registry is not None  # no problem: the registry loaded
    registry, exps = checked.registry, checked.experiments

    if len(exps) > 1 and (args.ray or args.shard):
        raise ConfigError("--ray and --shard take one experiment at a time")
    if args.ray and args.shard:
        raise ConfigError("--ray decides the shards itself; drop --shard (use --shards N)")
    options = RunOptions(
        models=args.models, variants=args.variants, engine=args.engine, limit=args.limit,
        sample=args.sample, sample_seed=args.sample_seed, repeat=args.repeat,
        shard=parse_shard(args.shard) if args.shard else None,
        retry_errors=args.retry_errors, batch_size=args.batch_size,
        progress=False if args.no_progress else None)

    from pipeline.runner import run_experiment, run_experiments

    if len(exps) > 1:
        summaries = run_experiments(exps, registry, args.db, options)
        for s in summaries:
            print(s.describe())
        written = sum(s.written for s in summaries)
        print(f"{len(summaries)} run(s), {written} new result row(s) in {args.db}")
        return 0
    exp = exps[0]
    args.experiment = args.experiment[0]

    if args.ray:
        from pipeline.ray_launcher import run_on_ray

        report = run_on_ray(args.experiment, args.registry, args.db, options,
                            address=args.ray, shards=args.shards)
        _print_merge(report, args.db)
        return 0
    shard = options.shard
    db = args.db
    if shard and db == DEFAULT_DB:
        db = Path(f"results.shard-{shard.index}-of-{shard.count}.duckdb")
    summaries = run_experiment(exp, registry, db, options)
    for s in summaries:  # each run's totals, earlier sessions included
        print(s.describe())
    written = sum(s.written for s in summaries)
    print(f"{len(summaries)} run(s), {written} new result row(s) in {db}")
    return 0


def _print_merge(report: MergeReport, target: Path) -> None:
    print(f"merged {report.sources} file(s) into {target}: {report.results_added} new result "
          f"row(s)")
    for run_id, status in report.runs.items():
        print(f"  run {run_id}: {status}")


def _cmd_check(args: argparse.Namespace) -> int:
    from pipeline.check import check

    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit: {args.limit} is not a positive number of cases")
    checked, text = check(args.experiment, args.registry, models=args.models,
                          variants=args.variants, engine=args.engine, limit=args.limit,
                          db=args.db)
    checked.raise_problems()
    print(text)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    import json

    from pipeline.provenance import find_run, format_run

    run = find_run(args.db, args.run)
    print(json.dumps(run, default=str, indent=2) if args.json else format_run(run))
    return 0


def _cmd_rerun(args: argparse.Namespace) -> int:
    from pipeline.provenance import find_run, rerun

    out = args.out or Path(f"rerun-{find_run(args.db, args.run)['run_id']}.duckdb")
    r = rerun(args.db, args.run, out, engine=args.engine, limit=args.limit,
              progress=False if args.no_progress else None,
              log=lambda s: print(s, file=sys.stderr))
    same = "the same run id" if r.same_id else f"a new run id {r.new} (engine or weights differ)"
    print(f"re-ran {r.original} into {out} as {same}: {r.identical} of {r.compared} outputs "
          "identical to the original")
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    from pipeline.store.runs import format_runs, list_runs

    experiment = args.experiment
    if experiment is not None and experiment.endswith((".yaml", ".yml")):
        from pipeline.config._yaml import load_yaml

        data, _ = load_yaml(Path(experiment), "experiment")
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ConfigError(located(experiment, key="id", message="missing (an experiment "
                                      "file names its id)"))
        experiment = data["id"]
    runs = list_runs(args.db, experiment)
    print(format_runs(runs) if runs else f"{args.db}: no runs")
    return 0


def _cmd_drop(args: argparse.Namespace) -> int:
    from pipeline.store.runs import DROP_LOCK_WAIT_S, drop_run, find_run_info

    info = find_run_info(args.db, args.run, wait_s=DROP_LOCK_WAIT_S)
    what = (f"run {info.run_id}: {info.experiment_id} v{info.experiment_version} "
            f"{info.model_id}/{info.variant}, {info.engine}, {info.sampling}, "
            f"{info.cases_done}/{info.cases_total} cases, {info.status}, {info.role}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigError(f"drop {what}: pass --yes to drop it (stdin is not a terminal, "
                              "so there is nobody to ask)")
        answer = input(f"drop {what}, with its {info.results} result(s)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing dropped")
            return 1
    report = drop_run(args.db, info.run_id)
    slot = f"{info.experiment_id} v{info.experiment_version} {info.model_id}/{info.variant}"
    print(f"dropped {what}: {report.results} result(s), {report.scores} score(s)")
    if info.repeat:
        return 0
    print(f"now current for {slot}: " + (f"run {report.now_current}" if report.now_current
                                         else "none (no run of that slot has results)"))
    return 0


def _cmd_merge(args: argparse.Namespace) -> int:
    from pipeline.store.merge import merge_databases

    _print_merge(merge_databases(args.shards, args.into), args.into)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from pipeline.config.training import load_training_config

    cfg = load_training_config(args.config)
    from pipeline.finetune.train import check, train

    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="adapter-check-") as tmp:
            report = train(cfg, output=Path(tmp) / "adapter", progress=not args.no_progress)
            print(check(cfg, report))
        return 0
    report = train(cfg, output=args.output, progress=not args.no_progress)
    print(f"adapter {cfg.adapter}: {report.output} ({report.examples} examples, "
          f"{report.steps} steps, {report.tokens} tokens, {report.wall_time_s:.0f} s, final "
          f"loss {report.final_loss:.4f}, sha256 {report.adapter_sha256})")
    return 0


def _cmd_compact(args: argparse.Namespace) -> int:
    from pipeline.store.compact import compact

    report = compact(args.db)
    print(f"{args.db}: {report.before_bytes / 1e6:.1f} MB -> {report.after_bytes / 1e6:.1f} MB "
          f"({sum(report.rows.values())} rows in {len(report.rows)} tables, unchanged)")
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from pipeline.store import SCHEMA_VERSION, open_write

    if not args.db.is_file():
        raise ConfigError(f"{args.db}: no such database")
    open_write(args.db).close()
    print(f"{args.db}: schema version {SCHEMA_VERSION}")
    return 0


def _cmd_overlap(args: argparse.Namespace) -> int:
    from pipeline.finetune.overlap import measure_overlap, store_overlap
    from pipeline.store.db import check_writable

    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers {args.workers}: must be at least 1")
    check_writable(args.db)  # a newer or foreign database fails before minutes of sandbox
    report = measure_overlap(args.config, args.solutions, workers=args.workers)
    n = store_overlap(args.db, report)
    cases = len({r.case_id for r in report.rows})
    print(f"overlap of {report.experiment_id} v{report.experiment_version} with "
          f"{report.training_set} (sha256 {report.training_sha256[:12]}): {cases} cases, "
          f"{n} rows written to {args.db} in {report.wall_s:.1f} s")
    for line in report.summary():
        print(f"  {line}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    if args.generator == "zensical":
        from pipeline.site.adapters.zensical.__main__ import main as zensical_main

        return zensical_main(["-f", str(args.config_file)]
                             + (["--site-dir", str(args.site_dir)] if args.site_dir else []))
    import os
    import subprocess

    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(args.config_file)]
    if args.site_dir is not None:
        cmd += ["-d", str(args.site_dir)]
    return subprocess.run(cmd, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}).returncode


COMMANDS = {"run": _cmd_run, "check": _cmd_check, "show": _cmd_show, "rerun": _cmd_rerun,
            "merge": _cmd_merge,
            "runs": _cmd_runs, "drop": _cmd_drop,
            "migrate": _cmd_migrate, "train": _cmd_train,
            "compact": _cmd_compact, "overlap": _cmd_overlap, "build": _cmd_build,
            "import": _cmd_import, "export": _cmd_export}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        import shlex

        from pipeline.progress import RunInterrupted

        again = "python -m pipeline " + shlex.join(sys.argv[1:] if argv is None else argv)
        if isinstance(exc, RunInterrupted):
            print(exc.message(again), file=sys.stderr)
        elif args.command in ("run", "rerun"):
            print(f"interrupted: committed batches are kept; run the same command to resume: "
                  f"{again}", file=sys.stderr)
        else:
            print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `runs | head`: the reader left. Python's documented recipe: point stdout at devnull
        # so the interpreter's final flush does not raise again, and exit quietly.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
