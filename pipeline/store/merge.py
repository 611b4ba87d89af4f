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

from pipeline.errors import StoreError
from pipeline.store.db import open_read, open_write
from pipeline.store.schema import RESULT_KEY, SCORE_KEY
from pipeline.store.writer import IDENTITY_COLUMNS, insert_new, refresh_status

_KEY = "(run_id, case_id, sample_idx)"


@dataclass(frozen=True)
class MergeReport:
    sources: int
    results_added: int
    runs: dict[str, str]  # run_id -> status after the merge


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def merge_databases(sources: Sequence[Path | str], target: Path | str) -> MergeReport:
    target = Path(target)
    paths = [Path(p) for p in sources]
    if not paths:
        raise StoreError("merge: no shard files given")
    for p in paths:
        if p.resolve() == target.resolve():
            raise StoreError(f"merge: {p} is the target itself")
        open_read(p).close()  # exists, is a results DB, same schema version
    con = open_write(target)
    try:
        aliases = []
        for i, p in enumerate(paths):
            alias = f"shard{i}"
            con.execute(f"ATTACH {_quote(p.resolve())} AS {alias} (READ_ONLY)")
            aliases.append(alias)
        _check_consistent(con, aliases, paths)
        con.execute("BEGIN TRANSACTION")
        added = 0
        touched: set[str] = set()
        for alias in aliases:
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


def _check_consistent(con, aliases: list[str], paths: list[Path]) -> None:  # noqa: ANN001
    ident = ", ".join(IDENTITY_COLUMNS)
    runs = " UNION ALL ".join(
        f"SELECT {i} AS src, run_id, {ident} FROM {a}.runs" for i, a in enumerate(aliases))
    groups = con.execute(f"""
        SELECT experiment_id, experiment_version, model_id, variant,
               list(DISTINCT run_id ORDER BY run_id)
        FROM ({runs}) GROUP BY ALL HAVING count(DISTINCT run_id) > 1""").fetchall()
    if groups:
        exp, ver, model, variant, run_ids = groups[0]
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
                         "case_hash")
    if bad:
        names = ", ".join(f"{e} v{v} case {c!r}" for e, v, c in bad)
        raise StoreError(f"merge refused: case content differs between files for {names}; "
                         "bump the experiment version. Nothing was written.")
    clash = _disagreements(con, aliases, "results", "run_id, case_id, sample_idx",
                           "raw_output", where="error IS NULL")
    if clash:
        names = ", ".join(f"run {r} case {c!r} sample {s}" for r, c, s in clash)
        raise StoreError(f"merge refused: two files hold different outputs for {names} "
                         "(overlapping shards?). Nothing was written.")


def _disagreements(con, aliases: list[str], table: str, key: str, value: str,  # noqa: ANN001
                   where: str = "TRUE") -> list[tuple]:
    """Up to 3 keys whose *value* differs between the target and the shards' *table*."""
    sources = [f"{a}.{table}" for a in aliases] + [table]
    union = " UNION ALL ".join(f"SELECT {key}, {value} FROM {t} WHERE {where}"
                               for t in sources)
    return con.execute(f"SELECT {key} FROM ({union}) GROUP BY ALL "
                       f"HAVING count(DISTINCT {value}) > 1 LIMIT 3").fetchall()
