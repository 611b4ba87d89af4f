"""Running a post's queries against the results database.

Named queries become temporary tables on the page's connection, so a later query (and every
component) can select from an earlier one by name. All queries of a page run on one
read-only connection: one consistent snapshot of the file.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from pipeline.site.errors import RenderError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_POSITION = re.compile(r"LINE (\d+):")


class QueryScope:
    """The named queries of one document, over one connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.sql: dict[str, str] = {}
        self._frames: dict[str, pd.DataFrame] = {}
        self._tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}

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
        try:
            self.con.execute(f'CREATE TEMP TABLE "{name}" AS {body}')
            self._frames[name] = self.con.execute(f'SELECT * FROM "{name}"').df()
        except duckdb.Error as exc:
            self._drop(name)
            raise RenderError(f"query {name!r} failed: {_message(exc)}", line, body) from None
        self.sql[name] = body

    def frame(self, name: str, line: int) -> pd.DataFrame:
        if name not in self._frames:
            known = ", ".join(self.sql) or "none defined above this line"
            raise RenderError(f"unknown query {name!r}; queries: {known}", line)
        return self._frames[name]

    def run(self, sql: str, line: int) -> pd.DataFrame:
        """Run an anonymous query (a component's `sql:` option)."""
        try:
            return self.con.execute(sql).df()
        except duckdb.Error as exc:
            raise RenderError(f"query failed: {_message(exc)}", line, sql) from None

    def _drop(self, name: str) -> None:
        try:
            self.con.execute(f'DROP TABLE IF EXISTS "{name}"')
        except duckdb.Error:
            pass

    def close(self) -> None:
        for name in self.sql:
            self._drop(name)


def _message(exc: duckdb.Error) -> str:
    """DuckDB's message, which already carries a caret under the position when it has one."""
    return str(exc).strip()
