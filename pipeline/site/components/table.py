"""Tables from a query: formatted numbers, optional 95% Wilson CI column."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from pipeline.site import tradeoffs
from pipeline.site.components.base import (
    DataOptions,
    RenderState,
    cases_links,
    component,
    render_template,
    require_columns,
)
from pipeline.site.errors import RenderError
from pipeline.site.escaping import clip
from pipeline.site.formatting import FORMATS, Format, format_ci, format_value
from pipeline.site.query import QueryScope
from pipeline.stats import wilson_interval


class TableOptions(DataOptions):
    columns: dict[str, str] | list[str] | None = Field(
        default=None, description="columns to show, in order; a mapping renames them")
    format: dict[str, Format] = {}
    successes: str | None = None
    trials: str | None = None
    ci_title: str | None = Field(
        default=None, description="header of the CI column; default: the rate's column title "
        "and '95% CI' (e.g. 'Pass rate, 95% CI'), or '95% CI of successes/trials'")
    caption: str | None = None
    sortable: bool = Field(default=True, description="click a header to sort in the browser")
    highlight: dict[str, Literal["max", "min"]] = Field(
        default={}, description="mark the best value per column: {column: max|min}")


def shown_labels(df: pd.DataFrame, cols: list[str | None], titles: list[str]) -> list[str]:
    """What a table or chart puts before a reader's eyes, for the trade-off rule: column
    names and titles, and the distinct values of its text columns (long-form metrics)."""
    out = [str(c) for c in cols if c] + [t for t in titles if t]
    for c in cols:
        text = c in df.columns and (df[c].dtype == object or pd.api.types.is_string_dtype(df[c]))
        if c and text:
            values = {v for v in df[c].dropna() if isinstance(v, str)}  # lists are not labels
            out += sorted(values)[:200]
    return out


def _sort_key(v: object) -> str:
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(int(v))
    if isinstance(v, (int, float)):
        return "" if v != v else repr(float(v))
    return str(v)


CELL_CHARS = 500


def _cell_text(text: str) -> str:
    """A cell shows at most CELL_CHARS characters of a value; the CSV download has it all."""
    head, cut = clip(text, CELL_CHARS)
    return f"{head}… ({len(text):,} characters; all of them in the CSV)" if cut else head


def _ci_title(df: pd.DataFrame, cols: list[str], titles: list[str], o: TableOptions) -> str:
    """Say which rate the interval belongs to: the shown column whose values are
    successes/trials, else the two columns it is computed from."""
    assert o.successes is not None and o.trials is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = df[o.successes].astype(float) / df[o.trials].astype(float)
    for col, title in zip(cols, titles, strict=True):
        if col in (o.successes, o.trials) or df[col].dtype.kind not in "iuf":
            continue
        if np.allclose(df[col].astype(float), rate, equal_nan=True):
            return f"{title}, 95% CI"
    return f"95% CI of {o.successes}/{o.trials}"


@component("table", TableOptions)
def table(o: TableOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    df, sql = o.load(scope, line)
    if isinstance(o.columns, dict):
        cols, titles = list(o.columns), list(o.columns.values())
    else:
        cols = list(o.columns) if o.columns else [str(c) for c in df.columns]
        titles = cols
    require_columns(df, {f"columns[{c}]": c for c in cols}, line)
    tradeoffs.require_both_sides(shown_labels(df, cols, [*titles, o.caption or "",
                                                         o.ci_title or ""]), "table", line)
    require_columns(df, {f"format[{c}]": c for c in o.format}, line)
    require_columns(df, {"successes": o.successes, "trials": o.trials}, line)
    require_columns(df, {f"highlight[{c}]": c for c in o.highlight}, line)
    best = {c: (df[c].max() if how == "max" else df[c].min()) for c, how in o.highlight.items()}
    for col, fmt in o.format.items():
        if fmt not in FORMATS:  # guarded by the Literal type too; kept for a clear message
            raise RenderError(f"table: format {fmt!r} for {col!r}; valid: {FORMATS}", line)
    with_ci = o.successes is not None and o.trials is not None
    if (o.successes is None) != (o.trials is None):
        raise RenderError("table: 'successes' and 'trials' go together", line)
    rows = []
    for rec in df.to_dict("records"):
        # (text, sort key, is best): the browser sorts on the raw value, not the text
        cells = [(_cell_text(format_value(rec[c], o.format.get(c, "auto"))),
                  _sort_key(rec[c])[:CELL_CHARS], c in best and rec[c] == best[c])
                 for c in cols]
        if with_ci:
            lo, hi = wilson_interval(int(rec[o.successes]), int(rec[o.trials]))
            cells.append((format_ci(lo, hi), _sort_key(lo), False))
        rows.append(cells)
    header = titles + ([o.ci_title or _ci_title(df, cols, titles, o)] if with_ci else [])
    numeric = [o.format.get(c, "auto") != "text" and df[c].dtype.kind in "iuf" for c in cols]
    numeric += [True] if with_ci else []
    return render_template("table.html", header=header, rows=rows, numeric=numeric,
                           ci_index=len(cols) if with_ci else None, caption=o.caption,
                           sortable=o.sortable, sql=sql, n_rows=len(df),
                           csv_url=state.publish_csv(df[cols]),
                           cases=cases_links(scope, state, sql))
