"""A data-aware cache of query results.

A query's result is cached under a key made of its SQL text and the content of everything it
reads: a fingerprint (row count + order-independent hash of every row) of each base table it
references, views expanded to their tables, and the keys of the named queries it selects from.
So a prose edit re-runs nothing, and a new run in results.duckdb re-runs only the queries that
read a table it changed. A query DuckDB cannot serialise (e.g. with PIVOT) is keyed on every
table, which is always correct, only less precise.

Results are stored as Parquet files, written by DuckDB itself, one per key.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import duckdb
import pandas as pd

from pipeline.hashing import chunks_sha256, sha256_hex
from pipeline.site.core.version import code_version

T = TypeVar("T")

_FUNCTIONS_VERSION: str | None = None


def functions_version() -> str:
    """Hash of the code behind the SQL statistics functions (pipeline/stats.py and their SQL
    bindings): a query's cached result was computed by that code, so a change to it (a new
    bootstrap, a corrected interval) must not reuse results computed by the old one."""
    global _FUNCTIONS_VERSION
    if _FUNCTIONS_VERSION is None:
        root = Path(__file__).resolve().parents[2]  # pipeline/
        _FUNCTIONS_VERSION = chunks_sha256(
            f.read_bytes() for f in (root / "stats.py", root / "site" / "core" / "sql_functions.py")
        )[:16]
    return _FUNCTIONS_VERSION


def _walk_tables(node: object, out: set[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE" and isinstance(node.get("table_name"), str):
            out.add(node["table_name"])
        for v in node.values():
            _walk_tables(v, out)
    elif isinstance(node, list):
        for v in node:
            _walk_tables(v, out)


def referenced_names(con: duckdb.DuckDBPyConnection, sql: str) -> set[str] | None:
    """Names a SELECT reads from (tables, views, CTE names), or None if it cannot be parsed."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchall()[0][0])
    if tree.get("error"):
        return None
    names: set[str] = set()
    _walk_tables(tree, names)
    return names


class QueryCache:
    """One instance per site build: fingerprints are computed once per build, lazily."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.stats: Counter[str] = Counter()
        self._fingerprints: dict[str, str] = {}
        self._facts: dict[tuple[str, tuple[str, ...] | None], object] = {}
        self._base: dict[str, str | None] | None = None  # name -> view SQL (None for tables)

    # -- catalog facts ------------------------------------------------------------------
    def fact(self, con: duckdb.DuckDBPyConnection, what: str,
             partition: tuple[str, ...] | None, compute: Callable[[Any], T]) -> T:
        """*compute(con)*, once per build for each *what* and partition (a page restricted to
        some experiments sees only their runs): the snapshot does not change during a build,
        and asking DuckDB's catalog on every page cost a tenth of a cold build."""
        memo = (what, partition)
        if memo not in self._facts:
            self._facts[memo] = compute(con)
        return cast(T, self._facts[memo])

    # -- fingerprints -------------------------------------------------------------------
    def _relations(self, con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
        if self._base is None:
            rows = con.execute(
                "SELECT table_name, NULL FROM duckdb_tables() WHERE NOT temporary "
                "UNION ALL SELECT view_name, sql FROM duckdb_views() "
                "WHERE NOT internal AND NOT temporary").fetchall()
            self._base = {r[0]: r[1] for r in rows}
        return self._base

    def fingerprint(self, con: duckdb.DuckDBPyConnection, name: str,
                    partition: tuple[str, ...] | None = None) -> str:
        if partition is not None:
            # A page restricted to some experiments reads shadow views of their rows: hash
            # exactly those rows (views included), memoised per set of experiments.
            memo = f"{name}@{','.join(partition)}"
            if memo not in self._fingerprints:
                n, h = con.execute(f'SELECT count(*), bit_xor(hash(t)) FROM "{name}" t'
                                   ).fetchall()[0]
                self._fingerprints[memo] = f"{n}:{h}"
            return self._fingerprints[memo]
        if name not in self._fingerprints:
            sql = self._relations(con)[name]
            if sql is None:
                n, h = con.execute(f'SELECT count(*), bit_xor(hash(t)) FROM "{name}" t'
                                   ).fetchall()[0]
                self._fingerprints[name] = f"{n}:{h}"
            else:
                body = sql.split(" AS ", 1)[1] if " AS " in sql else sql
                deps = (referenced_names(con, body.rstrip(";")) or set(self._relations(con)))
                parts = [self.fingerprint(con, d) for d in sorted(deps)
                         if d in self._relations(con) and d != name]
                self._fingerprints[name] = sha256_hex("|".join(parts))
        return self._fingerprints[name]

    def key(self, con: duckdb.DuckDBPyConnection, sql: str, named: dict[str, str],
            partition: tuple[str, ...] | None = None) -> str:
        """*named*: key of every named query defined so far on the page, by name.
        *partition*: the experiments the page is restricted to, if any."""
        relations = self._relations(con)
        names = referenced_names(con, sql)
        if names is None:  # cannot tell: depend on everything
            names = set(relations) | set(named)
        parts = [duckdb.__version__, functions_version(), sql]
        for n in sorted(names):
            if n in named:
                parts.append(f"q:{n}:{named[n]}")
            elif n in relations:
                parts.append(f"t:{n}:{self.fingerprint(con, n, partition)}")
        return sha256_hex("\n".join(parts))[:32]

    # -- storage -------------------------------------------------------------------------
    def path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.parquet"

    def load(self, con: duckdb.DuckDBPyConnection, key: str) -> str | None:
        """The Parquet path holding this key's result, if cached."""
        p = self.path(key)
        if p is not None and p.is_file():
            self.stats["cached"] += 1
            return str(p)
        return None

    def store(self, con: duckdb.DuckDBPyConnection, key: str, relation: str) -> None:
        """Write *relation* (a table name or a parenthesised query) under *key*, atomically."""
        p = self.path(key)
        if p is None:
            return
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(f".{os.getpid()}.tmp")
        con.execute(f"COPY (SELECT * FROM {relation}) TO '{tmp}' (FORMAT parquet)")
        os.replace(tmp, p)


def read_cached(con: duckdb.DuckDBPyConnection, path: str) -> pd.DataFrame:
    return con.execute("SELECT * FROM read_parquet(?)", [path]).df()


class RenderedComponent:
    """A component's cached output: its HTML, the data files it published, charts drawn."""

    def __init__(self, html: str, files: dict[str, bytes], charts: int) -> None:
        self.html, self.files, self.charts = html, files, charts


def component_key(kind: str, options_json: str, data_key: str, root_url: str) -> str:
    blob = "\n".join(["component", code_version(), kind, options_json, data_key, root_url])
    return sha256_hex(blob)[:32]


def load_component(cache: QueryCache, key: str) -> RenderedComponent | None:
    if cache.directory is None:
        return None
    p = cache.directory / "components" / f"{key}.json"
    if not p.is_file():
        return None
    data = json.loads(p.read_text(encoding="utf-8"))
    cache.stats["components_cached"] += 1
    return RenderedComponent(data["html"], {k: bytes.fromhex(v) for k, v in
                                            data["files"].items()}, data["charts"])


def store_component(cache: QueryCache, key: str, out: RenderedComponent) -> None:
    if cache.directory is None:
        return
    folder = cache.directory / "components"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{key}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"html": out.html, "charts": out.charts,
                               "files": {k: v.hex() for k, v in out.files.items()}}),
                   encoding="utf-8")
    os.replace(tmp, folder / f"{key}.json")
