"""Fold shard databases into one results database: `python -m pipeline merge shard-*.duckdb`.

Each `--shard i/N` run writes its own DuckDB file (DuckDB allows one writer per file, and a
cluster node has its own disk). Merging is one transaction on the target, so it is all or
nothing, and idempotent: merging the same shards again adds nothing. It refuses, writing
nothing, when the shards disagree about what they ran:

- two runs of the same experiment, model and variant with different configurations (engine
  version, weights, sampling, prompts) across the shards: their results must not be pooled;
- a case whose content differs between files under the same experiment version;
- the same sample with two different non-error outputs (overlapping, non-deterministic runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.errors import StoreError
from pipeline.store.db import check_writable, open_read, open_write
from pipeline.store.schema import RESULT_KEY, SCHEMA_VERSION, SCORE_KEY
from pipeline.store.writer import IDENTITY_COLUMNS, insert_new, refresh_status

_KEY = "(run_id, case_id, sample_idx)"
_CASE = "(experiment_id, experiment_version, case_id)"
# a case of the target that some run of its version has a result for (frozen)
_HAS_RESULTS = (f"{_CASE} IN (SELECT ru.experiment_id, ru.experiment_version, r.case_id "
                "FROM main.results r JOIN main.runs ru USING (run_id))")


@dataclass(frozen=True)
class MergeReport:
    sources: int
    results_added: int
    runs: dict[str, str]  # run_id -> status after the merge


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def merge_databases(sources: Sequence[Path | str], target: Path | str) -> MergeReport:
    """Fold *sources* into *target* in one transaction.

    Every file is validated and every consistency check runs before the target is opened
    for writing, so a refusal leaves the target exactly as it was, or not created at all.
    """
    target = Path(target)
    paths = [Path(p) for p in sources]
    if not paths:
        raise StoreError("merge: no shard files given")
    for p in paths:
        if p.resolve() == target.resolve():
            raise StoreError(f"merge: {p} is the target itself")
        open_read(p).close()  # exists, is a results DB, same schema version
    current = check_writable(target) == SCHEMA_VERSION
    _preflight(paths, target if current else None)
    con = open_write(target)
    try:
        aliases = _attach(con, paths)
        if not current:  # the target was just created or migrated: compare against it now
            _check_consistent(con, aliases, paths, target)
        con.execute("BEGIN TRANSACTION")
        added = 0
        touched: set[str] = set()
        for alias in aliases:
            # a target case no run has a result for gives way to the shard's (cases are
            # frozen only once results exist: a fixed case file after a failed run)
            con.execute(f"DELETE FROM cases WHERE {_CASE} IN (SELECT {_CASE} FROM "
                        f"{alias}.cases s WHERE NOT EXISTS (SELECT 1 FROM cases t WHERE "
                        f"t.experiment_id = s.experiment_id AND t.experiment_version = "
                        f"s.experiment_version AND t.case_id = s.case_id AND t.case_hash = "
                        f"s.case_hash)) AND NOT ({_HAS_RESULTS})")
            for table in ("experiments", "models", "cases"):
                con.execute(f"INSERT OR IGNORE INTO {table} BY NAME SELECT * FROM {alias}.{table}")
            con.execute(f"INSERT OR IGNORE INTO runs BY NAME SELECT * REPLACE (NULL AS shard, "
                        f"0.0 AS wall_time_s) FROM {alias}.runs")
            # a stored error row gives way to a real output from a shard
            con.execute(f"DELETE FROM scores WHERE {_KEY} IN (SELECT {_KEY} FROM results "
                        f"WHERE error IS NOT NULL AND {_KEY} IN (SELECT {_KEY} FROM "
                        f"{alias}.results WHERE error IS NULL))")
            con.execute(f"DELETE FROM results WHERE error IS NOT NULL AND {_KEY} IN (SELECT "
                        f"{_KEY} FROM {alias}.results WHERE error IS NULL)")
            new = con.execute(
                f"SELECT run_id, count(*) FROM {alias}.results WHERE {_KEY} NOT IN "
                f"(SELECT {_KEY} FROM results) GROUP BY run_id").fetchall()
            con.execute(insert_new("results", f"{alias}.results", RESULT_KEY))
            con.execute(insert_new("scores", f"{alias}.scores", SCORE_KEY))
            for run_id, n in new:
                added += n
                touched.add(run_id)
                # wall time counts once per shard that contributed rows: idempotent
                con.execute(
                    f"UPDATE runs SET wall_time_s = coalesce(runs.wall_time_s, 0) + "
                    f"coalesce(s.wall_time_s, 0), started_at = least(runs.started_at, "
                    f"s.started_at) FROM {alias}.runs s WHERE runs.run_id = s.run_id "
                    f"AND runs.run_id = ?", [run_id])
        statuses = {}
        for run_id in sorted(touched):
            statuses[run_id] = "complete" if refresh_status(con, run_id) else "partial"
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except Exception:
            pass
        raise
    finally:
        con.close()
    return MergeReport(len(paths), added, statuses)


def _attach(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> list[str]:
    aliases = []
    for i, p in enumerate(paths):
        alias = f"shard{i}"
        try:
            con.execute(f"ATTACH {_quote(p.resolve())} AS {alias} (READ_ONLY)")
        except duckdb.Error as exc:
            raise StoreError(f"{p}: cannot attach for merging: {exc}") from None
        aliases.append(alias)
    return aliases


def _preflight(paths: list[Path], target: Path | None) -> None:
    """Run the consistency checks on read-only connections: against *target* when it is a
    current results database, else among the shards alone."""
    con = open_read(target) if target is not None else duckdb.connect(":memory:")
    try:
        _check_consistent(con, _attach(con, paths), paths, target)
    finally:
        con.close()


def _check_consistent(con, aliases: list[str], paths: list[Path],  # noqa: ANN001
                      target: Path | None) -> None:
    """Refuse, naming the files, shards that disagree with each other or with *target*
    (the connection's own database; None: compare the shards alone)."""
    files = [str(p) for p in paths] + [f"{target} (the target)"]
    ident = ", ".join(IDENTITY_COLUMNS)
    runs = " UNION ALL ".join(
        f"SELECT {i} AS src, run_id, {ident} FROM {a}.runs" for i, a in enumerate(aliases))
    groups = con.execute(f"""
        SELECT experiment_id, experiment_version, model_id, variant, repeat,
               list(DISTINCT run_id ORDER BY run_id)
        FROM ({runs}) GROUP BY ALL HAVING count(DISTINCT run_id) > 1""").fetchall()
    if groups:
        exp, ver, model, variant, _repeat, run_ids = groups[0]
        rows = con.execute(f"SELECT src, run_id, {ident} FROM ({runs}) WHERE run_id IN "
                           f"(SELECT unnest(?::VARCHAR[]))", [run_ids]).fetchall()
        cols = ["src", "run_id", *IDENTITY_COLUMNS]
        differ = [c for j, c in enumerate(cols[2:], start=2)
                  if len({r[j] for r in rows}) > 1]
        detail = "; ".join(
            f"{paths[r[0]]}: " + ", ".join(f"{c}={r[cols.index(c)]!r}" for c in differ)
            for r in rows)
        raise StoreError(
            f"merge refused: the shards ran {exp} v{ver} / {model} / {variant} with different "
            f"configurations ({', '.join(differ)} differ): {detail}. Re-run the odd shard with "
            "the same engine, weights and sampling; nothing was written.")
    bad = _disagreements(con, aliases, "cases", "experiment_id, experiment_version, case_id",
                         "case_hash", with_target=target is not None,
                         target_where=_HAS_RESULTS)
    if bad:
        names = ", ".join(f"{e} v{v} case {c!r}" for e, v, c, _ in bad)
        raise StoreError(f"merge refused: case content differs between files for {names} "
                         f"(in {', '.join(files[i] for i in bad[0][-1])}); bump the experiment "
                         "version. Nothing was written.")
    clash = _disagreements(con, aliases, "results", "run_id, case_id, sample_idx",
                           "raw_output", where="error IS NULL", with_target=target is not None)
    if clash:
        names = ", ".join(f"run {r} case {c!r} sample {s}" for r, c, s, _ in clash)
        raise StoreError(f"merge refused: two files hold different outputs for {names} "
                         f"(in {', '.join(files[i] for i in clash[0][-1])}; overlapping "
                         "shards?). Nothing was written.")


def _disagreements(con, aliases: list[str], table: str, key: str, value: str,  # noqa: ANN001
                   where: str = "TRUE", with_target: bool = True,
                   target_where: str = "TRUE") -> list[tuple]:
    """Up to 3 keys whose *value* differs between the target and the shards' *table*, each
    with the indexes of the files that hold it (the target's is len(aliases)); the target's
    rows are those *target_where* also keeps."""
    sources = [f"{a}.{table}" for a in aliases] + ([table] if with_target else [])
    union = " UNION ALL ".join(
        f"SELECT {i} AS src, {key}, {value} FROM {t} WHERE {where}"
        + (f" AND {target_where}" if i == len(aliases) else "")
        for i, t in enumerate(sources))
    return con.execute(f"SELECT {key}, list(DISTINCT src ORDER BY src) FROM ({union}) "
                       f"GROUP BY {key} HAVING count(DISTINCT {value}) > 1 ORDER BY {key} "
                       "LIMIT 3").fetchall()
