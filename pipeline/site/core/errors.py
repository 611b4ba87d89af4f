"""Errors raised while rendering a post. They carry the line so adapters can say path:line."""

from __future__ import annotations

import re

from pipeline.errors import PipelineError, located

_SQL_LINE = re.compile(r"LINE (\d+):")


class RenderError(PipelineError):
    """A query or component failed; publishing the page would show a wrong or missing number."""

    def __init__(self, message: str, line: int | None = None, sql: str | None = None) -> None:
        self.message = message
        self.line = line
        self.sql = sql
        self.where: str | None = None  # a part of the page other than its body ("headline")
        # the front-matter key the error is about ("experiments"): the caller, which has the
        # page's key lines, sets `line` to that key's line
        self.front_matter_key: str | None = None
        super().__init__(message)

    def describe(self, path: str) -> str:
        """The error in the one format, `path:line: message` (`pipeline.errors.located`;
        `path:line: key: message` for a front-matter key), *path* being the page's file as
        the author opens it; then the SQL that failed, if any."""
        message = self.message
        if self.line and self.sql:
            # DuckDB numbers lines within the SQL; the SQL starts the line after the fence.
            message = _SQL_LINE.sub(
                lambda m: f"LINE {m.group(1)} (file line {self.line + int(m.group(1))}):",
                message)
        text = located(path, self.line or None, self.front_matter_key, message)
        if self.sql:
            text += "\n  SQL:\n" + "\n".join("    " + s for s in self.sql.strip().splitlines())
        if self.where:
            text += f"\n  (while rendering the {self.where})"
        return text
