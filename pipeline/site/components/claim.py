"""Claims: a post asserts something in SQL; when the data stops supporting it, the build fails.

The query must return one row with a boolean column `holds`; any other columns are the
numbers behind the claim, printed in the failure message (and on the page, if shown).
"""

from __future__ import annotations

import pandas as pd

from pipeline.site.components.base import DataOptions, RenderState, component, render_template
from pipeline.site.errors import RenderError
from pipeline.site.formatting import format_value
from pipeline.site.query import QueryScope


class ClaimOptions(DataOptions):
    statement: str
    show: bool = True


@component("claim", ClaimOptions)
def claim(o: ClaimOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    df, sql = o.load(scope, line)
    if "holds" not in df.columns:
        raise RenderError(f"claim {o.statement!r}: the query must return one row with a "
                          f"boolean column 'holds' (columns: {', '.join(map(str, df.columns))})",
                          line, sql)
    if len(df) == 0:  # nothing to check is not support: say so, distinctly from "false"
        raise RenderError(f"claim cannot be checked: {o.statement!r}: the query returned no "
                          "rows", line, sql)
    if len(df) != 1:
        raise RenderError(f"claim {o.statement!r}: the query must return exactly one row "
                          f"(got {len(df)} rows)", line, sql)
    row = df.iloc[0]
    numbers = {str(k): format_value(v) for k, v in row.items() if k != "holds"}
    shown = ", ".join(f"{k} = {'NULL' if _null(row[k]) else v}" for k, v in numbers.items())
    shown = shown or "no numbers returned"
    holds = row["holds"]
    if _null(holds):  # NULL (e.g. a comparison with a missing number) does not support it
        nulls = [str(k) for k, v in row.items() if _null(v)]
        raise RenderError(f"claim cannot be checked: {o.statement!r}: the query returned NULL "
                          f"for {', '.join(nulls)} ({shown})", line, sql)
    if not bool(holds):
        raise RenderError(f"claim no longer holds: {o.statement!r} ({shown})", line, sql)
    if not o.show:
        return ""
    return render_template("claim.html", statement=o.statement, numbers=numbers, sql=sql)


def _null(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))
