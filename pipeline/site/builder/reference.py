"""The database reference page (`reference/database.md`), generated at every build from the
schema of the database being built: tables and views, every column with its type, whether it
may be NULL, the keys, and how the tables join. Only the prose is written here, keyed by
table and column; tests/site/test_docs.py fails when a column of the store's schema has
none, so the page cannot fall behind a migration.
"""

from __future__ import annotations

import duckdb

from pipeline.site.core.store_queries import (
    experiment_scorers,
    primary_keys,
    schema_columns,
    view_names,
)
from pipeline.store.schema import RESULT_KEY, SCHEMA_VERSION, SCORE_KEY

REFERENCE_PATH = "reference/database.md"

TABLES: dict[str, str] = {
    "experiments": "One row per version of an experiment definition (experiments/*.yaml).",
    "models": "One row per model of the registry (experiments/models.yaml) that ever ran.",
    "runs": "One row per run: an experiment version × model × variant with one engine, "
            "weights and sampling. Its id is a hash of all of that, so a run resumes.",
    "cases": "One row per test case of an experiment version (its cases file).",
    "results": "One row per generated output: a case × sample of a run, with its verdict.",
    "scores": "One row per (output, metric): the scorer's numbers, tidy.",
    "outcomes": "View: every result of the current runs (one run per experiment version, "
                "model and variant: see `current_runs`) with its run's experiment, model, "
                "variant and engine. What posts query most: a case counts once per sample.",
    "current_runs": "View: the current run of every slot (experiment version × model × "
                    "variant, measurements only): its most recently started run that has "
                    "at least one result (ties: the larger `run_id`). The run `outcomes`, the "
                    "cases pages and the scope boxes read; the same columns as `runs`.",
    "all_outcomes": "View: every measurement run's results (a slot with two runs has both), "
                    "the columns of `outcomes` and `is_current`. For comparing a slot's runs; "
                    "filter `WHERE is_current` to get `outcomes`.",
    "meta": "Key/value facts about the file itself.",
    "repeats": "View: each sample of a repeated run next to the same sample of the "
               "measurement it repeats (the run with the same identity and repeat 0): did the "
               "output change, did the verdict flip.",
    "overlap": "One row per (test case, measure) of how close a fine-tuning experiment's test "
               "case is to a training set (`python -m pipeline overlap TRAIN.yaml`; "
               "pipeline/finetune/overlap.py). A re-run replaces the rows of the same "
               "experiment version and training-file hash.",
}

# Keys the store keeps unique without an index (see pipeline/store/schema.py, version 3).
UNINDEXED_KEYS: dict[str, tuple[str, ...]] = {"results": RESULT_KEY, "scores": SCORE_KEY}

COLUMNS: dict[str, dict[str, str]] = {
    "experiments": {
        "experiment_id": "Experiment id (the YAML's `id`).",
        "version": "The YAML's `version`; bumped when cases, prompts or scoring change.",
        "title": "Human title.",
        "description": "What the experiment measures.",
        "category": "Category shown on the site.",
        "scorer": "Name of the scorer that judges each output.",
        "definition": "The validated experiment YAML, as JSON.",
        "first_seen": "When this version was first written.",
    },
    "models": {
        "model_id": "Registry id, e.g. `smollm2-135m`.",
        "name": "Display name.",
        "family": "Model family.",
        "params": "Parameter count.",
        "kind": "`chat` or `base` (a base model gets a plain completion prompt).",
        "quantization": "Quantization of the weights, e.g. `Q4_K_M`.",
        "license": "Licence of the weights.",
        "spec": "The registry entry, as JSON.",
    },
    "runs": {
        "run_id": "Hash of everything that defines the run.",
        "experiment_id": "The experiment (joins `experiments.experiment_id`).",
        "experiment_version": "Its version (joins `experiments.version`).",
        "model_id": "The model (joins `models.model_id`).",
        "variant": "The experiment's prompt variant, e.g. `naive`, `constrained`.",
        "engine": "`llama_cpp`, `vllm` or `openai`.",
        "engine_version": "Version of the engine package.",
        "model_sha256": "sha256 of the weights file (GGUF) or a hash of the weight files.",
        "model_revision": "Hub revision (commit) of the weights, when from a hub.",
        "model_file": "Weights file or directory used.",
        "temperature": "Sampling temperature (0 = greedy).",
        "top_p": "Nucleus sampling threshold.",
        "max_tokens": "Most tokens generated per output.",
        "seed": "Seed; sample i of a case uses seed + i.",
        "n_samples": "Outputs per case.",
        "constrained": "Whether decoding was constrained (JSON schema or choice).",
        "prompt_template_hash": "Hash of the prompt template.",
        "git_commit": "Commit of the experiments when the run started.",
        "git_dirty": "Whether the working tree had uncommitted changes.",
        "host": "Machine name.",
        "hardware": "CPU or GPU model and count.",
        "engine_extra": "Engine-specific settings, as JSON.",
        "started_at": "When the run started.",
        "finished_at": "When it completed (NULL while running).",
        "status": "`running` or `complete`.",
        "tokenizer_hash": "Hash of the tokenizer.",
        "chat_template_hash": "Hash of the chat template.",
        "adapter_name": "LoRA adapter name, if any.",
        "adapter_sha256": "Hash of the LoRA adapter, if any.",
        "dtype": "Weights dtype on the engine.",
        "quantization": "Quantization on the engine.",
        "max_model_len": "Context length the engine allowed.",
        "tensor_parallel_size": "Tensor-parallel GPUs (vLLM).",
        "pipeline_parallel_size": "Pipeline-parallel stages (vLLM).",
        "accelerator_count": "GPUs used.",
        "model_spec": "The registry entry as it was when the run started, as JSON.",
        "experiment_path": "The experiment YAML, relative to the working directory.",
        "wall_time_s": "Seconds of generation, summed over resumes and shards.",
        "shard": "`i/N` while the run lives in a shard file, else NULL.",
        "repeat": "0 for a measurement; k >= 1 for the k-th repeat of the same run (same "
                  "engine, weights, sampling and template) on a seeded sample of its cases, "
                  "the noise floor. `outcomes` holds measurements only.",
        "source_tool": "Which tool wrote the run: `runner` (this project's runner) or the "
                       "harness whose log was imported (`inspect`, `lm-eval`, `promptfoo`; "
                       "`python -m pipeline import`).",
        "source_version": "That tool's version, as its log states it (`unknown` where an "
                          "old log does not say); NULL for the runner's runs.",
        "source_format": "The imported log format's own version (Inspect log version, "
                         "lm-eval layout, promptfoo `results.version`).",
        "source_file": "The imported log file, as given on the command line.",
        "source_sha256": "The imported file's sha256: a second import of the same bytes "
                         "changes nothing.",
        "source_key": "The run's identity inside the imported file (an eval id, a task and "
                      "start time, an eval id with prompt and provider).",
        "source_created_at": "The imported log's own creation time (also `started_at`).",
        "source_note": "Why an imported run is partial (a log with status error or "
                       "cancelled), in the tool's words.",
        "task_params": "The imported task's parameters as logged (task arguments, solver, "
                       "scorers, filters, assertions), as JSON.",
    },
    "cases": {
        "experiment_id": "The experiment.",
        "experiment_version": "Its version.",
        "case_id": "Case id, unique within the experiment version.",
        "position": "Order in the case file (0 first).",
        "input": "The case's input, as JSON (read fields with `input->>'name'`).",
        "expected": "The expected answer, as JSON (NULL when the scorer needs none).",
        "tags": "Tags of the case.",
        "case_hash": "Hash of the case's content.",
    },
    "results": {
        "run_id": "The run (joins `runs.run_id`).",
        "case_id": "The case (joins `cases.case_id` with the run's experiment and version).",
        "sample_idx": "Which sample of the case (0 .. n_samples - 1).",
        "prompt": "The prompt as sent (for chat models, the messages as JSON).",
        "raw_output": "The model's output, verbatim.",
        "parsed_output": "The output as the scorer parsed it, as JSON.",
        "passed": "The scorer's verdict: one of the outcomes its scorer declares, the one it "
                  "names `passed=` (most scorers: the same verdict as their `correct` metric; "
                  "multi_turn: *every turn correct*, while `correct` is *final answer "
                  "correct*). Cases and experiment pages name the outcome they show.",
        "failure_mode": "Why it failed (NULL when passed; `error` when the engine failed).",
        "error": "The engine's message when it failed.",
        "prompt_tokens": "Tokens in the prompt.",
        "completion_tokens": "Tokens generated.",
        "latency_ms": "Milliseconds for this output.",
        "finish_reason": "Why generation stopped (`stop`, `length`, ...).",
        "created_at": "When the result was written.",
        "transcript": "Every turn of a multi-step case, as a JSON list (NULL for one-prompt "
                      "tasks).",
    },
    "scores": {
        "run_id": "The run.",
        "case_id": "The case.",
        "sample_idx": "The sample.",
        "metric": "Metric name, e.g. `field:name`.",
        "value": "The metric's value.",
    },
    "meta": {
        "key": "Name, e.g. `schema_version`.",
        "value": "Its value, as text.",
    },
    "overlap": {
        "experiment_id": "The evaluated experiment (its test cases).",
        "experiment_version": "Its version.",
        "case_id": "The test case (joins `cases.case_id` with the experiment and version).",
        "training_set": "The training file, as the trainer config (train.yaml) names it.",
        "training_sha256": "sha256 of the training file's bytes: another set is another "
                           "measurement.",
        "measure": "`prompt_template` (the prompt equals a training prompt once names, quoted "
                   "strings and numbers are placeholders), `solution_renamed` (the reference "
                   "solution equals a training solution after renaming its function, "
                   "parameters and locals) or `solution_passes` (a training solution, renamed "
                   "to the case's function, passes the case's hidden tests in the sandbox).",
        "matched": "Whether any training example matched under the measure.",
        "example_ids": "The ids of the training examples that matched (empty when none).",
        "detail": "JSON: the case's `split` and `family` (from its tags), and per measure "
                  "the prompt's `template`, or the sandbox run's `candidates` tried, "
                  "`sandbox_s` and any `timed_out` candidates.",
        "measured_at": "When the measurement was written (UTC).",
    },
}
COLUMNS["repeats"] = {
    "experiment_id": COLUMNS["runs"]["experiment_id"],
    "experiment_version": COLUMNS["runs"]["experiment_version"],
    "model_id": COLUMNS["runs"]["model_id"],
    "variant": COLUMNS["runs"]["variant"],
    "engine": COLUMNS["runs"]["engine"],
    "repeat": "Which repeat (1, 2, ...).",
    "original_run_id": "The measured run (repeat 0).",
    "repeat_run_id": "The repeated run.",
    "case_id": "The case.",
    "sample_idx": "The sample.",
    "same_output": "Whether the repeat's output is the measurement's, byte for byte.",
    "passed_original": "The measurement's verdict.",
    "passed_repeat": "The repeat's verdict.",
    "flipped": "Whether the verdict changed.",
}
# The view's columns mean what they mean in the tables it reads.
COLUMNS["outcomes"] = {
    c: (COLUMNS["runs"] if c in ("experiment_id", "experiment_version", "model_id", "variant",
                                 "engine") else COLUMNS["results"])[c]
    for c in ("experiment_id", "experiment_version", "model_id", "variant", "engine", "run_id",
              "case_id", "sample_idx", "passed", "failure_mode", "prompt_tokens",
              "completion_tokens", "latency_ms")
}

COLUMNS["current_runs"] = dict(COLUMNS["runs"])
COLUMNS["all_outcomes"] = {
    **COLUMNS["outcomes"],
    "is_current": "Whether the output's run is its slot's current run (the one `outcomes` "
                  "reads).",
}

# How to join: (table, other table, [(column, other column)], what the join gives).
JOINS: list[tuple[str, str, list[tuple[str, str]], str]] = [
    ("results", "runs", [("run_id", "run_id")], "each output with its run"),
    ("runs", "models", [("model_id", "model_id")], "each run with its model"),
    ("runs", "experiments", [("experiment_id", "experiment_id"),
                             ("experiment_version", "version")],
     "each run with its experiment version"),
    ("outcomes", "cases", [("experiment_id", "experiment_id"),
                           ("experiment_version", "experiment_version"),
                           ("case_id", "case_id")],
     "each output with its case (`USING (experiment_id, experiment_version, case_id)`)"),
    ("outcomes", "results", [("run_id", "run_id"), ("case_id", "case_id"),
                             ("sample_idx", "sample_idx")],
     "the output text, prompt and transcript"),
    ("outcomes", "scores", [("run_id", "run_id"), ("case_id", "case_id"),
                            ("sample_idx", "sample_idx")],
     "every metric of each output (one row per metric)"),
    ("outcomes", "models", [("model_id", "model_id")], "model size, family, kind"),
    ("overlap", "cases", [("experiment_id", "experiment_id"),
                          ("experiment_version", "experiment_version"),
                          ("case_id", "case_id")],
     "each overlap measurement with its test case"),
]

ORDER = ["outcomes", "current_runs", "all_outcomes", "experiments", "models", "runs", "cases",
         "results", "scores", "overlap", "meta"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def metrics_reference(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The metrics section: every metric the database's scorers declare (the values of
    `scores.metric`), what it means and which way is better (`Metric.higher_is_better`), so
    a post that charts `fp` or `guard_ms` knows a lower number is the good one."""
    from pipeline.scoring import scorers  # registers the built-in scorers

    used: dict[str, list[str]] = {}
    for (experiment, _), name in experiment_scorers(con).items():
        if name and name in scorers and experiment not in used.setdefault(name, []):
            used[name].append(experiment)
    if not used:
        return []
    out = ["## Metrics (`scores.metric`)", "",
           "What each scorer writes to `scores`, as it declares it (`pipeline/scoring`). A name "
           "ending in `:` is a family: `field:` is `field:total`, `field:due_date`, ... "
           "(`metric LIKE 'field:%'`).", "",
           "| scorer (experiments) | metric | better | meaning |", "|---|---|---|---|"]
    for name in sorted(used):
        where = f"`{name}` ({', '.join(used[name])})"
        for m in scorers.get(name).metrics:
            better = {True: "higher", False: "lower", None: "neither"}[m.higher_is_better]
            out.append(f"| {where} | `{m.name}` | {better} | {_cell(m.description)} |")
    return [*out, ""]


def database_reference(con: duckdb.DuckDBPyConnection) -> str:
    """The reference page, as Markdown, from *con*'s schema."""
    tables = schema_columns(con)
    keys, views = {**UNINDEXED_KEYS, **primary_keys(con)}, view_names(con)
    names = [t for t in ORDER if t in tables] + sorted(set(tables) - set(ORDER))
    out = ["---", "title: Database reference", "---", "", "# Database reference", "",
           f"Generated from the schema of the results database when this site was built "
           f"(schema version {SCHEMA_VERSION}; `pipeline/store/schema.py`). Posts query these "
           "tables and views by name in their `sql` blocks. Most posts need only "
           "`outcomes`, joined to `cases` for a case's input.", "",
           "Which run a query reads: an experiment version, model and variant (a *slot*) may "
           "hold several runs (a second run with other settings). `outcomes` reads only each "
           "slot's current run (`current_runs`: the most recently started one with a "
           "result), and so do the cases pages and the scope boxes; `all_outcomes`, `runs` "
           "and `results` hold every run.", ""]
    out += ["## How to join", "", "| from | to | on | gives |", "|---|---|---|---|"]
    for left, right, cols, what in JOINS:
        on = " AND ".join(f"`{left}.{a} = {right}.{b}`" for a, b in cols)
        out.append(f"| `{left}` | `{right}` | {on} | {_cell(what)} |")
    out.append("")
    for table in names:
        kind = "view" if table in views else "table"
        out += [f"## `{table}` ({kind})", "", _cell(TABLES.get(table, "")), ""]
        if table in keys:
            out += [f"Key: {', '.join(f'`{c}`' for c in keys[table])} (one row per value).",
                    ""]
        out += ["| column | type | NULL | meaning |", "|---|---|---|---|"]
        for column, dtype, nullable in tables[table]:
            meaning = COLUMNS.get(table, {}).get(column, "")
            null = "—" if kind == "view" else "yes" if nullable else "no"
            out.append(f"| `{column}` | `{dtype}` | {null} | "
                       f"{_cell(meaning)} |")
        out.append("")
    out += metrics_reference(con)
    return "\n".join(out)
