"""Running a post's queries against the results database.

Named queries become temporary tables on the page's connection, so a later query (and every
component) can select from an earlier one by name. All queries of a page run on one
read-only connection: one consistent snapshot of the file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import TypeVar

import duckdb
import pandas as pd

from pipeline.site.core import sql_functions, stat_guard
from pipeline.site.core.cache import QueryCache, read_cached
from pipeline.site.core.errors import RenderError
from pipeline.site.core.lineage import Lineage
from pipeline.site.core.palette import Model, Palette
from pipeline.site.core.store_queries import (
    current_run_ids,
    drop_experiment_shadows,
    experiment_ids,
    model_lineage,
    relation_columns,
    relation_names,
    run_keys,
    shadow_experiments,
)

T = TypeVar("T")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_POSITION = re.compile(r"LINE (\d+):")


class QueryScope:
    """The named queries of one document, over one connection.

    With a QueryCache, a query whose SQL and inputs are unchanged is read from the cache
    instead of being run; `executed` counts the queries that really ran.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, cache: QueryCache | None = None,
                 experiments: list[str] | None = None) -> None:
        self.con = con
        sql_functions.register(con)
        self.cache = cache
        self.executed = 0
        self.partition: tuple[str, ...] | None = None
        if experiments:
            self._restrict(sorted(set(experiments)))
        self.sql: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._frames: dict[str, pd.DataFrame] = {}
        self._tables = relation_names(con)
        self._lineage: Lineage | None = None
        # run ids each query of the page can read (see pipeline.site.core.lineage), in order
        self.reads: list[frozenset[str]] = []
        # (query name or None, SQL, cache key) of the data read, in order, and whether an
        # output read data no key describes: the page cache keys the page on these
        self.keys_read: list[tuple[str | None, str, str]] = []
        self.unkeyed = False
        self._palette: Palette | None = None

    def _fact(self, what: str, compute: Callable[[duckdb.DuckDBPyConnection], T],
              per_page: bool = True) -> T:
        """A catalog fact of this connection, once per build when there is a build's cache.
        *per_page*: it reads a table the page's restriction to some experiments shadows, so
        it is kept per set of experiments; False for what no restriction changes (the main
        schema's columns, the model registry)."""
        if self.cache is None:
            return compute(self.con)
        return self.cache.fact(self.con, what, self.partition if per_page else None, compute)

    @property
    def palette(self) -> Palette:
        """The site's fixed model colours (the same on every page of a build)."""
        if self._palette is None:
            try:
                rows = self._fact("models", model_lineage, per_page=False)
                models = [Model(*row) for row in rows]
            except duckdb.CatalogException:  # a database with no model registry
                models = []
            self._palette = Palette(models)
        return self._palette

    def define(self, name: str, sql: str, line: int) -> None:
        if not _NAME.match(name):
            raise RenderError(f"query name {name!r} must be a plain identifier "
                              "(letters, digits, underscore)", line)
        if name in self.sql:
            raise RenderError(f"query {name!r} is defined twice in this post", line)
        if name in self._tables:
            raise RenderError(f"query name {name!r} would hide the database table of the same "
                              "name; choose another", line)
        body = sql.strip().rstrip(";")
        if not body:
            raise RenderError(f"query {name!r} is empty", line)
        stat_guard.check(sql, line, f"query {name!r}")  # a statistic by hand fails the page
        try:
            key = (self.cache.key(self.con, body, self._keys, self.partition)
                   if self.cache else None)
            cached = self.cache.load(self.con, key) if self.cache and key else None
            if cached:
                self.con.execute(f'CREATE TEMP TABLE "{name}" AS SELECT * FROM read_parquet(?)',
                                 [cached])
            else:
                self.con.execute(f'CREATE TEMP TABLE "{name}" AS {body}')
                self._count_run()
                if self.cache and key:
                    self.cache.store(self.con, key, f'"{name}"')
            self._frames[name] = self.con.execute(f'SELECT * FROM "{name}"').df()
        except duckdb.Error as exc:
            self._drop(name)
            raise RenderError(f"query {name!r} failed: {_message(exc)}", line, body) from None
        self.sql[name] = body
        if key:
            self._keys[name] = key
            self.keys_read.append((name, body, key))
        self.lineage.named[name] = self.lineage.runs_of(body)
        self.reads.append(self.lineage.named[name])

    def frame(self, name: str, line: int) -> pd.DataFrame:
        if name not in self._frames:
            known = ", ".join(self.sql) or "none defined above this line"
            raise RenderError(f"unknown query {name!r}; queries: {known}", line)
        return self._frames[name]

    @property
    def lineage(self) -> Lineage:
        if self._lineage is None:
            candidates = [key._asdict() for key in self._fact("run_keys", run_keys)]
            columns = self._fact("relation_columns", relation_columns, per_page=False)
            current = (self._fact("current_run_ids", current_run_ids)
                       if "current_runs" in columns else None)
            self._lineage = Lineage(self.con, candidates, columns, current)
        return self._lineage

    def runs_read(self) -> frozenset[str]:
        """Every run the page's queries so far can read."""
        return frozenset().union(*self.reads)

    def run(self, sql: str, line: int, author: bool = True) -> pd.DataFrame:
        """Run an anonymous query (a component's `sql:` option; *author* False: the site's own
        SQL, which the statistics guard does not read)."""
        if author:
            stat_guard.check(sql, line, "the sql: option")
        self.reads.append(self.lineage.runs_of(sql))
        try:
            key = (self.cache.key(self.con, sql, self._keys, self.partition)
                   if self.cache else None)
            cached = self.cache.load(self.con, key) if self.cache and key else None
            if cached:
                return read_cached(self.con, cached)
            df = self.con.execute(sql).df()
            self._count_run()
        except duckdb.Error as exc:
            raise RenderError(f"query failed: {_message(exc)}", line, sql) from None
        if self.cache and key:
            self.con.register("_llmx_result", df)
            try:
                self.cache.store(self.con, key, "_llmx_result")
            finally:
                self.con.unregister("_llmx_result")
        return df

    def _restrict(self, experiments: list[str]) -> None:
        """Shadow the experiment-keyed tables with temporary views of these experiments' rows.

        The page's queries then cannot read any other experiment, which makes their cache
        dependency exact: a change to another experiment's rows re-runs none of them.
        (Views such as `outcomes` resolve their tables to the shadows too.)
        """
        known = self._fact("experiment_ids", experiment_ids)
        unknown = [e for e in experiments if e not in known]
        if unknown:
            close = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f". Did you mean {close[0]!r}?" if close else "."
            err = RenderError(f"unknown experiment id(s) {', '.join(map(repr, unknown))} in the "
                              f"front matter{hint} Known: {', '.join(known)}")
            err.front_matter_key = "experiments"
            raise err
        shadow_experiments(self.con, experiments)
        self.partition = tuple(experiments)

    def data_key(self, query: str | None, sql: str | None) -> str | None:
        """Cache key of the data a component reads (a named query or inline SQL), if cached."""
        if self.cache is None:
            return None
        if query is not None:
            return self._keys.get(query)
        if sql is not None:
            try:
                key = self.cache.key(self.con, sql, self._keys, self.partition)
            except duckdb.Error:
                return None
            self.keys_read.append((None, sql, key))
            return key
        return None

    @property
    def experiment_ids(self) -> list[str]:
        """Experiment ids in the database (for links from charts/tables to cases pages)."""
        if self.partition is not None:  # restricted: its experiments (all known, sorted)
            return list(self.partition)
        if not hasattr(self, "_experiment_ids"):
            self._experiment_ids = self._fact("experiment_ids", experiment_ids)
        return self._experiment_ids

    def experiments_in(self, sql: str) -> list[str]:
        """The experiment ids a query names (quoted), following the named queries it uses."""
        text = sql + "\n" + "\n".join(body for name, body in self.sql.items()
                                      if re.search(rf"\b{re.escape(name)}\b", sql))
        return [e for e in self.experiment_ids if f"'{e}'" in text]

    def _count_run(self) -> None:
        self.executed += 1
        if self.cache is not None:
            self.cache.stats["run"] += 1

    def _drop(self, name: str) -> None:
        try:
            self.con.execute(f'DROP TABLE IF EXISTS "{name}"')
        except duckdb.Error:
            pass

    def close(self) -> None:
        for name in self.sql:
            self._drop(name)
        if self.partition is not None:
            drop_experiment_shadows(self.con)


def _message(exc: duckdb.Error) -> str:
    """DuckDB's message, which already carries a caret under the position when it has one."""
    return str(exc).strip()
