"""The DuckDB schema of results.duckdb, versioned.

Bump SCHEMA_VERSION whenever a table or view changes, and add a migration from the previous
version to MIGRATIONS. A database written by a newer version of this code is never touched:
opening it fails with a clear error instead of silently migrating someone's results.
"""

from __future__ import annotations

SCHEMA_VERSION = 7

# Written so that DuckDB readers from 1.3 on (the CLI, other tools) can open the file; 1.3's
# storage compresses strings (outputs, transcripts): the committed file is half the size of
# v1.0.0's (18 vs 40 MB for the same rows, measured 2026-11-26).
STORAGE_COMPATIBILITY = "v1.3.0"

DDL_V1 = """
CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE experiments (
    experiment_id VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    title         VARCHAR NOT NULL,
    description   VARCHAR,
    category      VARCHAR,
    scorer        VARCHAR NOT NULL,
    definition    JSON NOT NULL,      -- the validated experiment YAML
    first_seen    TIMESTAMP NOT NULL,
    PRIMARY KEY (experiment_id, version)
);

CREATE TABLE models (
    model_id      VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    family        VARCHAR NOT NULL,
    params        BIGINT NOT NULL,
    kind          VARCHAR NOT NULL,   -- 'chat' or 'base'
    quantization  VARCHAR,
    license       VARCHAR,
    spec          JSON NOT NULL
);

CREATE TABLE runs (
    run_id               VARCHAR PRIMARY KEY,  -- hash of everything that defines the run
    experiment_id        VARCHAR NOT NULL,
    experiment_version   INTEGER NOT NULL,
    model_id             VARCHAR NOT NULL,
    variant              VARCHAR NOT NULL,
    engine               VARCHAR NOT NULL,
    engine_version       VARCHAR NOT NULL,
    model_sha256         VARCHAR,
    model_revision       VARCHAR,
    model_file           VARCHAR,
    temperature          DOUBLE NOT NULL,
    top_p                DOUBLE NOT NULL,
    max_tokens           INTEGER NOT NULL,
    seed                 INTEGER NOT NULL,
    n_samples            INTEGER NOT NULL,
    constrained          BOOLEAN NOT NULL,
    prompt_template_hash VARCHAR NOT NULL,
    git_commit           VARCHAR,
    git_dirty            BOOLEAN,
    host                 VARCHAR,
    hardware             VARCHAR,
    engine_extra         JSON,
    started_at           TIMESTAMP NOT NULL,
    finished_at          TIMESTAMP,
    status               VARCHAR NOT NULL   -- 'running' | 'complete'
);

CREATE TABLE cases (
    experiment_id      VARCHAR NOT NULL,
    experiment_version INTEGER NOT NULL,
    case_id            VARCHAR NOT NULL,
    position           INTEGER NOT NULL,   -- order in the case file
    input              JSON NOT NULL,
    expected           JSON,
    tags               VARCHAR[] NOT NULL,
    case_hash          VARCHAR NOT NULL,
    PRIMARY KEY (experiment_id, experiment_version, case_id)
);

CREATE TABLE results (
    run_id            VARCHAR NOT NULL,
    case_id           VARCHAR NOT NULL,
    sample_idx        INTEGER NOT NULL,
    prompt            VARCHAR NOT NULL,
    raw_output        VARCHAR NOT NULL,
    parsed_output     JSON,
    passed            BOOLEAN NOT NULL,
    failure_mode      VARCHAR,            -- NULL when passed; 'error' when the engine failed
    error             VARCHAR,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    latency_ms        DOUBLE,
    finish_reason     VARCHAR,
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, case_id, sample_idx)
);

-- One row per (result, metric): tidy, so SQL aggregates metrics without JSON paths.
CREATE TABLE scores (
    run_id     VARCHAR NOT NULL,
    case_id    VARCHAR NOT NULL,
    sample_idx INTEGER NOT NULL,
    metric     VARCHAR NOT NULL,
    value      DOUBLE NOT NULL,
    PRIMARY KEY (run_id, case_id, sample_idx, metric)
);

-- What authors query most: every result with its run's experiment, model and variant.
CREATE VIEW outcomes AS
SELECT ru.experiment_id, ru.experiment_version, ru.model_id, ru.variant, ru.engine,
       r.run_id, r.case_id, r.sample_idx, r.passed, r.failure_mode,
       r.prompt_tokens, r.completion_tokens, r.latency_ms
FROM results r JOIN runs ru USING (run_id);
"""

# Version 2: full provenance of a run (issue 5), so `python -m pipeline show RUN` can print
# everything needed to reproduce it and `rerun` can re-create it. Columns are added, never
# repurposed, so version-1 files migrate in place with their run ids unchanged.
PROVENANCE_V2 = {
    "tokenizer_hash": "VARCHAR",
    "chat_template_hash": "VARCHAR",
    "adapter_name": "VARCHAR",
    "adapter_sha256": "VARCHAR",
    "dtype": "VARCHAR",
    "quantization": "VARCHAR",
    "max_model_len": "INTEGER",
    "tensor_parallel_size": "INTEGER",
    "pipeline_parallel_size": "INTEGER",
    "accelerator_count": "INTEGER",
    "model_spec": "JSON",  # the registry entry as it was when the run started
    "experiment_path": "VARCHAR",  # the experiment YAML, relative to the working directory
    "wall_time_s": "DOUBLE DEFAULT 0",  # summed over every session that worked on the run
    "shard": "VARCHAR",  # 'i/N' while a run lives in a shard file, else NULL
}
MIGRATION_V2 = "\n".join(f"ALTER TABLE runs ADD COLUMN {name} {sql_type};"
                         for name, sql_type in PROVENANCE_V2.items())

# Version 3: results and scores lose their primary-key indexes. DuckDB rewrites an ART index
# at every checkpoint, which made ingest slow down as the file grew (measured: 55k rows/s
# for 1M rows with the keys, over 200k without). Uniqueness is kept by the only writers,
# store/writer.py and store/merge.py, which insert with an anti-join on the key inside the
# same transaction; the file lock makes them the only writer at any moment.
_RESULTS_V3 = """
CREATE TABLE results_v3 (
    run_id VARCHAR NOT NULL, case_id VARCHAR NOT NULL, sample_idx INTEGER NOT NULL,
    prompt VARCHAR NOT NULL, raw_output VARCHAR NOT NULL, parsed_output JSON,
    passed BOOLEAN NOT NULL, failure_mode VARCHAR, error VARCHAR, prompt_tokens INTEGER,
    completion_tokens INTEGER, latency_ms DOUBLE, finish_reason VARCHAR,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE scores_v3 (
    run_id VARCHAR NOT NULL, case_id VARCHAR NOT NULL, sample_idx INTEGER NOT NULL,
    metric VARCHAR NOT NULL, value DOUBLE NOT NULL
);
"""
MIGRATION_V3 = ("DROP VIEW outcomes;" + _RESULTS_V3 + """
INSERT INTO results_v3 BY NAME SELECT * FROM results ORDER BY run_id, case_id, sample_idx;
INSERT INTO scores_v3 BY NAME SELECT * FROM scores ORDER BY run_id, case_id, sample_idx;
DROP TABLE results;
DROP TABLE scores;
ALTER TABLE results_v3 RENAME TO results;
ALTER TABLE scores_v3 RENAME TO scores;
""" + DDL_V1[DDL_V1.index("-- What authors query most"):])

# The key of each keyless table: what the writers' anti-joins keep unique.
RESULT_KEY = ("run_id", "case_id", "sample_idx")
SCORE_KEY = ("run_id", "case_id", "sample_idx", "metric")

# Version 4: cases that are more than one prompt (tasks, issue 11). `transcript` holds every
# message of the case in order, given and generated, tool calls and sandbox executions
# included (a JSON list of turns, pipeline/tasks/state.py Turn); NULL for one-prompt tasks,
# whose `prompt` and `raw_output` already say everything.
MIGRATION_V4 = "ALTER TABLE results ADD COLUMN transcript JSON;"

# Version 5 (issue 19): the noise floor and measured train/test overlap.
# - `runs.repeat`: 0 for a measurement; k >= 1 for the k-th repeat of the same run (same
#   engine, weights, sampling, template) on a seeded sample of its cases, run to measure what
#   the engine alone changes. It joins the run id only when non-zero, so every existing run
#   keeps its id. `outcomes` holds measurements only (a repeat never double-counts a case);
#   `repeats` pairs each repeated sample with the measurement it repeats.
# - `overlap`: one row per (test case, measure) of how close a test case is to a training set
#   (pipeline/finetune/overlap.py), written by `python -m pipeline overlap`, read by posts.
_VIEWS_V5 = """
CREATE OR REPLACE VIEW outcomes AS
SELECT ru.experiment_id, ru.experiment_version, ru.model_id, ru.variant, ru.engine,
       r.run_id, r.case_id, r.sample_idx, r.passed, r.failure_mode,
       r.prompt_tokens, r.completion_tokens, r.latency_ms
FROM results r JOIN runs ru USING (run_id)
WHERE ru.repeat = 0;

-- Each repeated sample next to the measurement it repeats (the run with the same identity
-- and repeat 0): did the output change, did the verdict flip.
CREATE OR REPLACE VIEW repeats AS
SELECT rp.experiment_id, rp.experiment_version, rp.model_id, rp.variant, rp.engine,
       rp.repeat, o.run_id AS original_run_id, rp.run_id AS repeat_run_id,
       b.case_id, b.sample_idx,
       a.raw_output = b.raw_output AS same_output,
       a.passed AS passed_original, b.passed AS passed_repeat,
       a.passed <> b.passed AS flipped
FROM runs rp
JOIN runs o ON o.repeat = 0 AND o.experiment_id = rp.experiment_id
           AND o.experiment_version = rp.experiment_version AND o.model_id = rp.model_id
           AND o.variant = rp.variant AND o.engine = rp.engine
           AND o.engine_version = rp.engine_version
           AND o.model_sha256 IS NOT DISTINCT FROM rp.model_sha256
           AND o.model_revision IS NOT DISTINCT FROM rp.model_revision
           AND o.temperature = rp.temperature AND o.top_p = rp.top_p
           AND o.max_tokens = rp.max_tokens AND o.seed = rp.seed
           AND o.n_samples = rp.n_samples AND o.constrained = rp.constrained
           AND o.prompt_template_hash = rp.prompt_template_hash
           AND o.adapter_sha256 IS NOT DISTINCT FROM rp.adapter_sha256
JOIN results b ON b.run_id = rp.run_id
JOIN results a ON a.run_id = o.run_id AND a.case_id = b.case_id AND a.sample_idx = b.sample_idx
WHERE rp.repeat > 0;
"""
MIGRATION_V5 = """
ALTER TABLE runs ADD COLUMN repeat INTEGER DEFAULT 0;
CREATE TABLE overlap (
    experiment_id       VARCHAR NOT NULL,  -- the evaluated experiment (its test cases)
    experiment_version  INTEGER NOT NULL,
    case_id             VARCHAR NOT NULL,
    training_set        VARCHAR NOT NULL,  -- the training file, as the trainer config names it
    training_sha256     VARCHAR NOT NULL,  -- its content hash: a new set is a new measurement
    measure             VARCHAR NOT NULL,  -- what was compared (see pipeline/finetune/overlap.py)
    matched             BOOLEAN NOT NULL,
    example_ids         VARCHAR[] NOT NULL,  -- the training examples that matched
    detail              JSON,
    measured_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (experiment_id, experiment_version, case_id, training_sha256, measure)
);
""" + _VIEWS_V5

# Version 6 (issue 22): one rule decides which run a post reads. A *slot* is
# (experiment_id, experiment_version, model_id, variant) among measurements (repeat = 0); its
# *current run* is the most recently started run that has at least one result (ties: the
# larger run_id). A run row with no result is nobody's current run (a failed start).
# - `current_runs`: the current run of every slot (all `runs` columns);
# - `outcomes`: what posts query, now the current runs' results only (columns unchanged), so
#   a second run of a slot (other max_tokens, another engine) never double-counts a case;
# - `all_outcomes`: every measurement's results, the same columns plus `is_current`.
# Plain SQL over `runs` and `results`: the site may shadow those two with views of its own.
_VIEWS_V6 = """
CREATE OR REPLACE VIEW current_runs AS
SELECT * FROM runs
WHERE repeat = 0 AND run_id IN (SELECT DISTINCT run_id FROM results)
QUALIFY row_number() OVER (
    PARTITION BY experiment_id, experiment_version, model_id, variant
    ORDER BY started_at DESC, run_id DESC) = 1;

CREATE OR REPLACE VIEW outcomes AS
SELECT ru.experiment_id, ru.experiment_version, ru.model_id, ru.variant, ru.engine,
       r.run_id, r.case_id, r.sample_idx, r.passed, r.failure_mode,
       r.prompt_tokens, r.completion_tokens, r.latency_ms
FROM results r JOIN current_runs ru USING (run_id);

CREATE OR REPLACE VIEW all_outcomes AS
SELECT ru.experiment_id, ru.experiment_version, ru.model_id, ru.variant, ru.engine,
       r.run_id, r.case_id, r.sample_idx, r.passed, r.failure_mode,
       r.prompt_tokens, r.completion_tokens, r.latency_ms,
       r.run_id IN (SELECT run_id FROM current_runs) AS is_current
FROM results r JOIN runs ru USING (run_id)
WHERE ru.repeat = 0;
"""
MIGRATION_V6 = _VIEWS_V6

# Version 7 (issue 23): runs imported from other harnesses' logs (pipeline/importers).
# - `runs.source_tool` says which tool wrote a run: 'runner' (this project's runner, every run
#   before version 7) or the importer's name ('inspect', 'lm-eval', 'promptfoo'); the scope box
#   prints it. `source_version` is that tool's version, `source_format` its log format's version,
#   `source_file` / `source_sha256` the imported file as given and its content hash (what makes
#   a second import of the same file a no-op), `source_key` the run's identity inside the file,
#   `source_created_at` the log's own creation time, `source_note` why an imported run is
#   partial (an errored or cancelled log), `task_params` the task's parameters as logged.
# - A log need not state every sampling parameter, and a made-up default would be a claim the
#   log never made: temperature, top_p, max_tokens, seed and constrained become nullable, and
#   so does `models.params` (an imported model the registry does not know).
# Every statement is idempotent (IF NOT EXISTS; DROP NOT NULL twice is a no-op), so a file
# whose version was set back by hand migrates too.
MIGRATION_V7 = """
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source_tool VARCHAR DEFAULT 'runner';
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source_version VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source_format VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source_file VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source_sha256 VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source_key VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source_created_at TIMESTAMP;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source_note VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS task_params JSON;
ALTER TABLE runs ALTER COLUMN temperature DROP NOT NULL;
ALTER TABLE runs ALTER COLUMN top_p DROP NOT NULL;
ALTER TABLE runs ALTER COLUMN max_tokens DROP NOT NULL;
ALTER TABLE runs ALTER COLUMN seed DROP NOT NULL;
ALTER TABLE runs ALTER COLUMN constrained DROP NOT NULL;
ALTER TABLE models ALTER COLUMN params DROP NOT NULL;
""" + _VIEWS_V6

# version -> SQL that upgrades a database from version-1 to version.
MIGRATIONS: dict[int, str] = {2: MIGRATION_V2, 3: MIGRATION_V3, 4: MIGRATION_V4,
                              5: MIGRATION_V5, 6: MIGRATION_V6, 7: MIGRATION_V7}
