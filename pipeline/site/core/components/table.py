"""Tables from a query: formatted numbers, optional 95% Wilson CI column.

A table must fit the text column of a post, so its cells are built to wrap: text that holds
line breaks (code, a model's output) is shown as code with its lines (`<pre>` in the cell),
and a long value is collapsed (`<details>`: its first line shows, a click opens the rest).
A `case_id` column links each id to the case on its experiment's cases page. On a screen too
narrow for the table, tables.js lays its rows out as labelled cards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from pipeline.site.core import tradeoffs
from pipeline.site.core.case_links import case_index, page_experiments
from pipeline.site.core.components.base import (
    DataOptions,
    RenderState,
    cases_links,
    component,
    render_template,
    require_columns,
)
from pipeline.site.core.errors import RenderError
from pipeline.site.core.escaping import clip
from pipeline.site.core.formatting import FORMATS, Format, format_ci, format_value
from pipeline.site.core.query import QueryScope
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


CELL_CHARS = 2000  # a cell shows this much of a value; the CSV download has all of it
LONG_CHARS = 600  # a value longer than this is collapsed, its first line shown
LONG_LINES = 12  # so is a value of more lines than this
PREVIEW_CHARS = 72
SORT_CHARS = 100  # a sort key needs no more (and every character is page weight)
WORD_CHARS = 24  # a run of text without a break longer than this may break anywhere
NOBREAK_CHARS = 12  # a no-break phrase longer than this breaks at its spaces
_RUN = re.compile(r"[^ \t\r\n]+")  # a run that does not break: no-break spaces are in it


def _loosen(text: str) -> str:
    """No-break spaces keep a short phrase on one line ("p < 0.05"); a no-break run longer
    than NOBREAK_CHARS would set the width of its column instead, so in a table it breaks."""
    if "\xa0" not in text:
        return text
    return _RUN.sub(lambda m: m.group(0).replace("\xa0", " ")
                  if len(m.group(0)) > NOBREAK_CHARS else m.group(0), text)


def _cell(text: str) -> dict[str, object]:
    """How a cell shows *text*: as code (`code`: it has line breaks, which a paragraph would
    lose), collapsed behind a preview (`long`), clipped at CELL_CHARS (`cut`: its length),
    allowed to break inside a word (`breaks`: it has a run longer than WORD_CHARS, such as a
    hex string, which would otherwise widen the table past the page)."""
    head, cut = clip(_loosen(text), CELL_CHARS)
    lines = head.count("\n") + 1
    long = len(head) > LONG_CHARS or lines > LONG_LINES
    # the first line that says something (not a Markdown fence such as ```python)
    first = next((ln for ln in head.split("\n") if ln.strip() and not ln.startswith("```")),
                 head.strip())
    preview = first[:PREVIEW_CHARS].rstrip() + ("…" if len(first) > PREVIEW_CHARS else "")
    if lines > 1:
        size = f"{lines:,} lines"
    else:
        size = f"{len(text):,} characters"
    breaks = any(len(word) > WORD_CHARS for word in _RUN.findall(head))
    return {"text": head, "code": "\n" in head, "long": long, "preview": preview,
            "size": size, "cut": len(text) if cut else 0, "breaks": breaks}


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
    links = _case_links(df, cols, scope, sql)
    rows = []
    for rec in df.to_dict("records"):
        # the browser sorts on the raw value (data-sort), not on the text shown
        cells = []
        for c in cols:
            cell = _cell(format_value(rec[c], o.format.get(c, "auto")))
            cell.update(key=_sort_key(rec[c])[:SORT_CHARS], best=c in best and rec[c] == best[c],
                        href=links(rec) if c == CASE_COLUMN else None)
            cells.append(cell)
        if with_ci:
            lo, hi = wilson_interval(int(rec[o.successes]), int(rec[o.trials]))
            cells.append({**_cell(format_ci(lo, hi)), "key": _sort_key(lo), "best": False,
                          "href": None})
        rows.append(cells)
    header = titles + ([o.ci_title or _ci_title(df, cols, titles, o)] if with_ci else [])
    numeric = [o.format.get(c, "auto") != "text" and df[c].dtype.kind in "iuf" for c in cols]
    numeric += [True] if with_ci else []
    return render_template("table.html", header=header, rows=rows, numeric=numeric,
                           ci_index=len(cols) if with_ci else None, caption=o.caption,
                           root=state.root_url,
                           sortable=o.sortable, sql=sql, n_rows=len(df),
                           csv_url=state.publish_csv(df[cols]),
                           cases=cases_links(scope, state, sql))


CASE_COLUMN = "case_id"


def _case_links(df: pd.DataFrame, cols: list[str], scope: QueryScope,
                sql: str) -> Callable[[dict[str, Any]], str | None]:
    """row -> the URL (from the site root) of its case, for a table that shows a `case_id`
    column: the case of the row's `experiment_id` when the query has one, else of the one
    experiment of the page (or of the query) that has this id."""
    if CASE_COLUMN not in cols:
        return lambda rec: None
    own = "experiment_id" in df.columns
    experiments = (df["experiment_id"].dropna().astype(str).unique().tolist() if own else
                   scope.experiments_in(sql) or page_experiments(scope))
    ids = [str(v) for v in df[CASE_COLUMN].dropna().unique()]
    index = case_index(scope, experiments, ids)

    def url(rec: dict[str, Any]) -> str | None:
        case = rec[CASE_COLUMN]
        if not isinstance(case, str):
            return None
        exp = rec["experiment_id"] if own else None
        return index.url(case, exp if isinstance(exp, str) else None)

    return url
