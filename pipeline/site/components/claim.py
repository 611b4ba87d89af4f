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
    if "holds" not in df.columns or len(df) != 1:
        raise RenderError(f"claim {o.statement!r}: the query must return exactly one row with a "
                          f"boolean column 'holds' (got {len(df)} rows, columns: "
                          f"{', '.join(map(str, df.columns))})", line, sql)
    row = df.iloc[0]
    numbers = {str(k): format_value(v) for k, v in row.items() if k != "holds"}
    shown = ", ".join(f"{k} = {v}" for k, v in numbers.items()) or "no numbers returned"
    holds = row["holds"]
    if pd.isna(holds) or not bool(holds):  # NULL (no data) does not support a claim
        raise RenderError(f"claim no longer holds: {o.statement!r} ({shown})", line, sql)
    if not o.show:
        return ""
    return render_template("claim.html", statement=o.statement, numbers=numbers, sql=sql)
