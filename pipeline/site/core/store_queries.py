"""Every statement the site runs against the results store's own tables and views.

The one module of `pipeline.site` that knows the store's schema (`pipeline.store.schema`):
which tables exist, their columns and keys, and how they join. Components, generated pages,
the query scope and the database reference call these functions; a schema change is made
here (and in the templates of `templates/pages/`, which are Markdown posts in our syntax and
query the store like any author's post). Posts' own SQL is not here: it is the author's.

Which run of a slot the site shows follows the store's one rule (schema v6,
`pipeline.store.schema`): a slot (experiment, version, model, variant) may hold several
measurement runs, and its *current run* (view `current_runs`: the most recently started one
with a result) is the one the cases pages, the scope boxes and the generated pages read,
as `outcomes` is for posts; the other runs stay in `runs`, `results` and `all_outcomes`.

Every function takes an open connection (read-only is enough) and runs its statement on it
as is: on a page whose queries are restricted to some experiments (`shadow_experiments`),
`experiments`, `runs`, `cases`, `results` and `scores` are that restriction's views (and the
store's views over them, `current_runs`, `outcomes`, `all_outcomes`, read them). Results
are plain Python values, named tuples or pandas DataFrames, as each docstring says; an empty
database gives empty results, never an error. Kept import-light: DuckDB and pandas are only
named in annotations, so importing this module imports neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = [
    "CASE_INDEX_SQL",
    "EXPERIMENT_PARTITIONED",
    "ExperimentSummary",
    "ModelName",
    "RunKey",
    "SiteStats",
    "case_count",
    "case_outputs",
    "case_page",
    "current_run_ids",
    "drop_experiment_shadows",
    "experiment_ids",
    "experiment_run_dates",
    "experiment_summaries",
    "experiments_by_model",
    "experiments_of_runs",
    "latest_version",
    "model_names",
    "primary_keys",
    "relation_columns",
    "relation_names",
    "run_keys",
    "run_provenance",
    "samples_per_case",
    "schema_columns",
    "shadow_experiments",
    "site_stats",
    "view_names",
]

# -- the catalog: which relations the database has, with which columns and keys ------------


def relation_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of every table and view the connection sees (any schema or catalog, temporary
    ones included): a page's query may not take one of these names."""
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}


def relation_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """{relation: its columns} for the database's own tables and views (not the page's
    named queries, which are temporary)."""
    cols: dict[str, set[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = 'main'").fetchall():
        cols.setdefault(table, set()).add(column)
    return cols


def schema_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, bool]]]:
    """{table or view: [(column, type, nullable)]} of the database's main schema, tables in
    name order and each one's columns in their declared order."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal "
        "ORDER BY table_name, column_index").fetchall()
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, dtype, nullable in rows:
        out.setdefault(table, []).append((column, dtype, bool(nullable)))
    return out


def primary_keys(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """{table: its PRIMARY KEY columns} of the main schema; tables without one are absent."""
    return {t: tuple(cols) for t, cols in con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND constraint_type = 'PRIMARY KEY'").fetchall()}


def view_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The views (not tables) of the main schema, such as `outcomes`."""
    return {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT internal").fetchall()}


# -- restricting a page to some experiments ----------------------------------------------

# Tables holding rows of one experiment each, and how to select some experiments' rows
# ({ids}: a list literal of experiment ids; {runs}: a SELECT of those experiments' run ids).
EXPERIMENT_PARTITIONED = {
    "experiments": "experiment_id IN (SELECT unnest({ids}))",
    "runs": "experiment_id IN (SELECT unnest({ids}))",
    "cases": "experiment_id IN (SELECT unnest({ids}))",
    "results": "run_id IN ({runs})",
    "scores": "run_id IN ({runs})",
    "overlap": "experiment_id IN (SELECT unnest({ids}))",
}


def shadow_experiments(con: duckdb.DuckDBPyConnection, experiments: Sequence[str]) -> None:
    """Shadow each table of EXPERIMENT_PARTITIONED with a temporary view of the same name
    holding only these experiments' rows. Later statements on *con* that name the table
    (views such as `current_runs`, `outcomes` and `all_outcomes` included) read the view,
    until `drop_experiment_shadows`. A slot belongs to one experiment, so its current run
    is the same whether all experiments are seen or only its own."""
    db = con.execute("SELECT current_database()").fetchall()[0][0]
    ids = "[" + ", ".join("'" + e.replace("'", "''") + "'" for e in experiments) + "]"
    runs = f'SELECT run_id FROM "{db}".main.runs WHERE experiment_id IN (SELECT unnest({ids}))'
    for table, where in EXPERIMENT_PARTITIONED.items():
        cond = where.format(ids=ids, runs=runs)
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{table}" AS '
                    f'SELECT * FROM "{db}".main."{table}" WHERE {cond}')


def drop_experiment_shadows(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the views `shadow_experiments` made (a no-op for those that do not exist)."""
    for table in EXPERIMENT_PARTITIONED:
        con.execute(f'DROP VIEW IF EXISTS temp."{table}"')


# -- experiments, models, runs -----------------------------------------------------------


def experiment_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every experiment id in the database, once each, sorted."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT experiment_id FROM experiments ORDER BY 1").fetchall()]


def latest_version(con: duckdb.DuckDBPyConnection, experiment: str) -> int | None:
    """The highest version of *experiment* in the database, or None if it has none."""
    version = con.execute("SELECT max(version) FROM experiments WHERE experiment_id = ?",
                          [experiment]).fetchall()[0][0]
    return None if version is None else int(version)


class ExperimentSummary(NamedTuple):
    experiment_id: str
    version: int  # the latest
    title: str  # the latest version's (may be empty, never None in a valid store)
    description: str | None  # the latest version's
    older_versions: list[int] | None  # ascending; None when there is only the latest


def experiment_summaries(con: duckdb.DuckDBPyConnection) -> list[ExperimentSummary]:
    """One row per experiment id, in id order: its latest version with that version's title
    and description, and its earlier versions."""
    return [ExperimentSummary(*r) for r in con.execute(
        "SELECT experiment_id, max(version), arg_max(title, version), "
        "arg_max(description, version), list(version ORDER BY version) FILTER "
        "(WHERE version < (SELECT max(version) FROM experiments x WHERE x.experiment_id = "
        "experiments.experiment_id)) FROM experiments GROUP BY 1 ORDER BY 1").fetchall()]


class ModelName(NamedTuple):
    model_id: str
    name: str


def model_names(con: duckdb.DuckDBPyConnection) -> list[ModelName]:
    """Every registered model (run or not) with its display name, in id order."""
    return [ModelName(*r) for r in con.execute(
        "SELECT model_id, name FROM models ORDER BY model_id").fetchall()]


# Every case of the latest version of the given experiments among the given ids, with what
# decides its page: its position and the outputs each case of that version gets.
CASE_INDEX_SQL = """
WITH latest AS (
  SELECT experiment_id, max(version) AS version FROM experiments
  WHERE list_contains(?::VARCHAR[], experiment_id) GROUP BY experiment_id),
outputs AS (
  SELECT experiment_id, experiment_version, coalesce(sum(n_samples), 0) AS outputs
  FROM current_runs GROUP BY ALL)
SELECT c.experiment_id, c.experiment_version AS version, c.case_id, c.position,
       coalesce(o.outputs, 0) AS outputs
FROM cases c
JOIN latest l ON c.experiment_id = l.experiment_id AND c.experiment_version = l.version
LEFT JOIN outputs o ON o.experiment_id = c.experiment_id
                   AND o.experiment_version = c.experiment_version
WHERE list_contains(?::VARCHAR[], c.case_id)
"""


def model_lineage(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    """(model id, display name, base model id of an adapter or None) of every registered
    model: what the site's fixed model colours are assigned from."""
    return [(r[0], r[1], r[2]) for r in con.execute(
        "SELECT model_id, name, json_extract_string(spec, '$.adapter.base') FROM models "
        "ORDER BY model_id").fetchall()]


def experiments_by_model(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """{model id: the experiment ids it has a current run of (a measurement with results),
    sorted}; models without one are absent."""
    return dict(con.execute(
        "SELECT model_id, list(DISTINCT experiment_id ORDER BY experiment_id) "
        "FROM current_runs GROUP BY 1").fetchall())


class RunKey(NamedTuple):
    """What identifies a run's rows, every field as text (the version too)."""
    experiment_id: str
    experiment_version: str
    model_id: str
    variant: str
    run_id: str


def run_keys(con: duckdb.DuckDBPyConnection) -> list[RunKey]:
    """Every run's key fields, as text, in no particular order; none on a connection
    without a `runs` table (a page's queries over other tables)."""
    if "runs" not in relation_names(con):
        return []
    return [RunKey(*map(str, r)) for r in con.execute(
        "SELECT experiment_id, experiment_version, model_id, variant, "
        "run_id FROM runs").fetchall()]


def current_run_ids(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The run ids of `current_runs`: the run of each slot that `outcomes` reads (none on a
    connection without that view: a page's queries over other tables)."""
    if "current_runs" not in relation_names(con):
        return frozenset()
    return frozenset(r[0] for r in con.execute("SELECT run_id FROM current_runs").fetchall())


def experiments_of_runs(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str]) -> list[str]:
    """The experiment ids these runs belong to, once each, sorted (unknown ids are
    ignored)."""
    return sorted({r[0] for r in con.execute(
        "SELECT DISTINCT experiment_id FROM runs WHERE run_id IN (SELECT unnest(?))",
        [list(run_ids)]).fetchall()})


RUN_PROVENANCE_SQL = """
SELECT r.experiment_id, r.experiment_version, m.name AS model, r.variant, r.engine,
       r.engine_version, r.model_file, left(r.model_sha256, 12) AS sha256,
       r.model_revision, r.temperature, r.top_p, r.max_tokens, r.seed, r.n_samples,
       r.constrained, r.repeat, r.hardware, left(r.git_commit, 8) AS git_commit, r.git_dirty,
       strftime(r.started_at, '%Y-%m-%d %H:%M') AS started,
       strftime(r.finished_at, '%Y-%m-%d %H:%M') AS finished, r.status,
       (SELECT count(DISTINCT case_id) FROM results x WHERE x.run_id = r.run_id) AS cases,
       (SELECT count(*) FROM results x WHERE x.run_id = r.run_id) AS outputs,
       (SELECT count(*) FROM cases c WHERE c.experiment_id = r.experiment_id
          AND c.experiment_version = r.experiment_version) AS total_cases,
       r.repeat > 0 OR r.run_id IN (SELECT run_id FROM current_runs) AS is_current,
       r.source_tool, r.source_version, r.source_format, r.source_file,
       left(r.source_sha256, 12) AS source_sha256, r.source_note,
       json_extract_string(r.engine_extra, '$.model_in_log') AS model_in_log
FROM runs r JOIN models m USING (model_id)
WHERE r.experiment_id IN (SELECT unnest(?::VARCHAR[]))
  AND (?::VARCHAR[] IS NULL OR r.model_id IN (SELECT unnest(?::VARCHAR[])))
  AND (?::VARCHAR[] IS NULL OR r.run_id IN (SELECT unnest(?::VARCHAR[])))
  -- without a list of runs: the current run of each slot, and the repeats (the noise floor)
  AND (?::VARCHAR[] IS NOT NULL OR r.repeat > 0
       OR r.run_id IN (SELECT run_id FROM current_runs))
ORDER BY r.experiment_id, m.name, r.variant, r.repeat
"""


def run_provenance(con: duckdb.DuckDBPyConnection, experiments: Sequence[str],
                   models: Sequence[str] | None = None,
                   run_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per run of *experiments* (only of *models* and only *run_ids*, when given;
    without *run_ids*, the current run of each slot and the repeats, as the default-run rule
    has it), ordered by experiment, model name and variant: its model name, engine, weights
    (`sha256`: 12 hex digits), sampling, seed, `repeat` (0: a measurement; k: the k-th
    repeat of the noise floor), hardware, git state (`git_commit`: 8 digits),
    `started`/`finished` as 'YYYY-MM-DD HH:MM' text, `status`, and `cases` (distinct cases
    with an output), `outputs` (rows in results), `total_cases` (cases of its experiment
    version) and `is_current` (false for a measurement another run of its slot replaces:
    a page reading every run, through `all_outcomes` or `runs`, lists it too); `source_tool`
    ('runner', or the harness an imported run came from) with its version, log format, file,
    `source_sha256` (12 digits) and `source_note` (why an imported log is partial)."""
    models = list(models) if models is not None else None
    run_ids = list(run_ids) if run_ids is not None else None
    return con.execute(RUN_PROVENANCE_SQL,
                       [list(experiments), models, models, run_ids, run_ids, run_ids]).df()


# -- cases and their outputs -------------------------------------------------------------


def experiment_scorer(con: duckdb.DuckDBPyConnection, experiment: str,
                      version: int) -> str | None:
    """The name of the scorer the experiment version was scored with (None: unknown)."""
    rows = con.execute("SELECT scorer FROM experiments WHERE experiment_id = ? AND version = ?",
                       [experiment, version]).fetchall()
    return rows[0][0] if rows else None


def experiment_scorers(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], str | None]:
    """{(experiment id, version): the name of the scorer it was stored with}, every version."""
    return {(e, int(v)): s for e, v, s in con.execute(
        "SELECT experiment_id, version, scorer FROM experiments ORDER BY 1, 2").fetchall()}


def outcome_sql(field: str, alias: str, results: str = "o") -> tuple[str, str]:
    """(a LEFT JOIN, a boolean expression) reading the outcome stored in *field* for each row
    aliased *results* (of `results` or `outcomes`: run_id, case_id, sample_idx, passed): the
    `passed` column (no join), or the 0/1 metric's value from `scores` joined as *alias*, an
    output without that metric (an engine error) counting as false, as the posts count it.
    (Outcome fields are plain names, `declare_outcomes` checks, so the literal is one line
    that no fence can be ended by.) An imported run's outputs count their harness's own
    verdict, `passed`, for every outcome: its log has none of our scorer's metrics."""
    if field == "passed":  # the results' column (pipeline.scoring.base.PASSED), no join
        return "", f"coalesce({results}.passed, false)"
    join = (f"LEFT JOIN scores {alias} ON {alias}.run_id = {results}.run_id "
            f"AND {alias}.case_id = {results}.case_id "
            f"AND {alias}.sample_idx = {results}.sample_idx AND {alias}.metric = '{field}'")
    # A run imported from another harness's log holds that tool's metrics, not our scorer's:
    # its verdict on every outcome is the tool's own, the `passed` column (pipeline/importers)
    return join, (f"coalesce(CASE WHEN {results}.run_id IN ({IMPORTED_RUNS_SQL}) "
                  f"THEN {results}.passed ELSE {alias}.value = 1 END, false)")


#: The runs written by another harness (`python -m pipeline import`), as a subquery.
IMPORTED_RUNS_SQL = "SELECT run_id FROM runs WHERE coalesce(source_tool, 'runner') <> 'runner'"


def imported_tools(con: duckdb.DuckDBPyConnection, experiment: str, version: int) -> list[str]:
    """The harnesses whose imported runs are current runs of the experiment version (their
    verdicts are the tools' own: the experiment page says so above its table)."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT source_tool FROM current_runs WHERE experiment_id = ? AND "
        "experiment_version = ? AND coalesce(source_tool, 'runner') <> 'runner' ORDER BY 1",
        [experiment, version]).fetchall()]


def case_count(con: duckdb.DuckDBPyConnection, experiment: str, version: int) -> int:
    """How many cases the version of the experiment has (0 for an unknown one)."""
    return int(con.execute(
        "SELECT count(*) FROM cases WHERE experiment_id = ? AND experiment_version = ?",
        [experiment, version]).fetchall()[0][0])


def samples_per_case(con: duckdb.DuckDBPyConnection, experiment: str, version: int) -> int:
    """Outputs each case of the experiment version gets: the sum of its current runs'
    n_samples (every model and variant, one run each; 0 without runs)."""
    [(outputs,)] = con.execute(
        "SELECT coalesce(sum(n_samples), 0) FROM current_runs WHERE experiment_id = ? AND "
        "experiment_version = ?", [experiment, version]).fetchall()
    return int(outputs)


CASE_PAGE_SQL = """
SELECT c.case_id, c.position, c.input::VARCHAR AS input, c.expected::VARCHAR AS expected,
       c.tags
FROM cases c
WHERE c.experiment_id = ? AND c.experiment_version = ?
ORDER BY c.position LIMIT ? OFFSET ?
"""


def case_page(con: duckdb.DuckDBPyConnection, experiment: str, version: int, page: int,
              per_page: int) -> pd.DataFrame:
    """Page *page* (from 1) of the experiment version's cases, *per_page* of them in
    position order: case_id, position (from 0), input and expected (JSON text), tags (a
    list, or None)."""
    return con.execute(CASE_PAGE_SQL,
                       [experiment, version, per_page, (page - 1) * per_page]).df()


CASE_OUTPUTS_SQL = """
SELECT r.case_id, ru.model_id, ru.variant, r.sample_idx, r.raw_output, r.passed,
       r.failure_mode, r.error, r.completion_tokens, r.finish_reason,
       coalesce(ru.source_tool, 'runner') AS source_tool,
       ru.engine_extra->>'$.primary_metric' AS primary_metric,
       r.transcript::VARCHAR AS transcript,
       (SELECT list({'metric': s.metric, 'value': s.value} ORDER BY s.metric) FROM scores s
        WHERE s.run_id = r.run_id AND s.case_id = r.case_id AND s.sample_idx = r.sample_idx
          AND list_contains(?::VARCHAR[], s.metric)) AS scores
FROM results r JOIN current_runs ru USING (run_id)
WHERE ru.experiment_id = ? AND ru.experiment_version = ?
  AND r.case_id IN (SELECT unnest(?::VARCHAR[]))
ORDER BY ru.model_id, ru.variant, r.sample_idx
"""


def case_outputs(con: duckdb.DuckDBPyConnection, experiment: str, version: int,
                 case_ids: Sequence[str], metrics: Sequence[str] = ()) -> pd.DataFrame:
    """Every output of these cases in the experiment version's current runs (one run per
    model and variant, the one `outcomes` reads: a replaced run and the noise floor's
    repeats are left out), by model, variant and sample: case_id, model_id,
    variant, sample_idx, raw_output, passed, failure_mode, error, completion_tokens,
    finish_reason, source_tool ('runner', or the harness an imported run came from) and its
    primary_metric (the score an imported verdict follows), transcript (JSON text, or None)
    and scores: the output's stored values of *metrics*, a list of {metric, value} (None when
    it has none of them)."""
    return con.execute(CASE_OUTPUTS_SQL, [list(metrics), experiment, version,
                                          list(case_ids)]).df()


# -- the site's headline numbers ---------------------------------------------------------

# Only runs with at least one stored output count: a registry entry or a run that was started
# and produced nothing is not a model "tested".
SITE_STATS_SQL = """
WITH tested AS (SELECT * FROM runs r WHERE EXISTS (
    SELECT 1 FROM results x WHERE x.run_id = r.run_id)),
-- a model is a fine-tuned adapter when its registry entry has one (models.spec.adapter, a
-- LoRA on a base model); a model the registry does not know counts as a base model
tested_models AS (
  SELECT DISTINCT t.model_id, coalesce(json_type(m.spec, '$.adapter') = 'OBJECT', false)
    AS is_adapter
  FROM tested t LEFT JOIN models m ON m.model_id = t.model_id)
SELECT
  (SELECT count(DISTINCT experiment_id) FROM tested) AS experiments,
  (SELECT count(*) FROM tested_models WHERE NOT is_adapter) AS models,
  (SELECT count(*) FROM cases c WHERE EXISTS (
      SELECT 1 FROM tested r WHERE r.experiment_id = c.experiment_id
      AND r.experiment_version = c.experiment_version)) AS cases,
  (SELECT count(*) FROM results) AS outputs,
  (SELECT count(*) FROM tested_models WHERE is_adapter) AS adapters
"""


class SiteStats(NamedTuple):
    experiments: int  # with at least one stored output
    models: int  # base models tested (with at least one stored output), adapters apart
    cases: int  # of the experiment versions some tested run belongs to
    outputs: int  # rows in results: every output stored, replaced runs' and repeats' too
    adapters: int  # fine-tuned adapters tested (a LoRA on a base model: its own model id)


def site_stats(run: Callable[[str], pd.DataFrame]) -> SiteStats:
    """The site's headline counts. *run* executes the statement and returns its frame: a
    page's `QueryScope.run` (so the query is cached and counts as read by the page), or
    `lambda sql: con.execute(sql).df()`."""
    row = run(SITE_STATS_SQL).iloc[0]
    return SiteStats(*(int(row[k]) for k in SiteStats._fields))


def experiment_run_dates(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{experiment id: the day (ISO) its latest run with stored outputs finished}: when an
    archive card's data was last run (`pipeline.site.builder.cards`). Experiments without a finished
    run with outputs are absent."""
    return {e: d.isoformat() for e, d in con.execute(
        "SELECT experiment_id, max(finished_at)::DATE FROM runs r WHERE finished_at IS NOT "
        "NULL AND EXISTS (SELECT 1 FROM results x WHERE x.run_id = r.run_id) GROUP BY 1 "
        "ORDER BY 1").fetchall()}
