"""Every number a page publishes, with what identifies it from one build to the next.

A published number is a numeric cell of a `table` (of the columns the table shows), a point
of a `chart` (its y, a heatmap's z, or the rate of `successes`/`trials`), or a numeric inline
`{{ value q.col }}`. Each comes with its n and 95% interval when the component gives one
(`successes`/`trials`: the Wilson interval, from the same `pipeline.stats` functions the
table, chart and inline value use; a chart's `low`/`high` columns), and its displayed text
where the component formats it.

Its identity must survive a rebuild and a prose edit, so it names no line: the block is the
component's kind and query (`table rates`, `chart sql`, `value rates`; the second table of
the same query in a post is `table rates #2`), the row is the values of the row's label
columns (a chart's x, colour and facet; a table's text columns, then as many of its integer
columns as make the rows unique, such as a position), and the column is the number's.

Generator-independent: the builder keeps the record and the changes page
(`pipeline.site.builder.changes`); here the page's queries run as `page_claims` runs them
(the build's query cache, so a build that renders the page reads them for nothing).
"""

from __future__ import annotations

import math
import shlex
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipeline.site.core.cache import QueryCache
from pipeline.site.core.components import components, parse_options
from pipeline.site.core.components.base import DataOptions
from pipeline.site.core.document import UNKNOWN, find_blocks, inline_bodies
from pipeline.site.core.errors import RenderError
from pipeline.site.core.formatting import format_ci, format_value
from pipeline.site.core.query import QueryScope
from pipeline.site.core.render import _sql_of
from pipeline.stats import wilson_interval, wilson_intervals

Row = tuple[tuple[str, str], ...]  # the row's label columns and their values, in order


@dataclass(frozen=True)
class Number:
    """One published number. (block, row, column) identifies it within its page."""

    block: str
    row: Row
    column: str
    value: float | int | None
    n: int | None = None
    low: float | None = None
    high: float | None = None
    text: str | None = None

    @property
    def key(self) -> tuple[str, Row, str]:
        return (self.block, self.row, self.column)


def page_numbers(markdown: str, con: duckdb.DuckDBPyConnection,
                 cache: QueryCache | None = None, base_dir: Path | None = None,
                 experiments: list[str] | None = None) -> list[Number]:
    """Every number the page publishes, in document order (tables and charts, then inline
    values), each key once. Raises RenderError like the page when a query fails; a
    component whose options or columns are wrong is left to the page's render to report."""
    lines = markdown.split("\n")
    blocks, fenced = find_blocks(lines, components.names())
    scope = QueryScope(con, cache, experiments)
    out: list[Number] = []
    seen: Counter[str] = Counter()
    try:
        for b in blocks:
            if b.kind == UNKNOWN:
                continue
            if b.kind == "sql":
                assert b.name is not None
                scope.define(b.name, _sql_of(b, base_dir), b.line)
                continue
            if b.kind not in ("table", "chart"):
                continue
            opts = parse_options(b.kind, b.body, b.line)
            assert isinstance(opts, DataOptions)
            source = opts.query or "sql"
            seen[f"{b.kind} {source}"] += 1
            ordinal = seen[f"{b.kind} {source}"]
            block = f"{b.kind} {source}" + (f" #{ordinal}" if ordinal > 1 else "")
            df, _ = opts.load(scope, b.line)
            out += (_table_numbers(df, opts, block) if b.kind == "table"
                    else _chart_numbers(df, opts, block))
        for i, line in enumerate(lines):
            if i in fenced or "{{" not in line:
                continue
            for body in inline_bodies(line):
                number = _value_number(body, scope, i + 1)
                if number is not None:
                    out.append(number)
    finally:
        scope.close()
    unique: dict[tuple[str, Row, str], Number] = {}
    for number in out:
        unique.setdefault(number.key, number)
    return list(unique.values())


# -- values ----------------------------------------------------------------------------------
def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    return v.item() if hasattr(v, "item") else v


def number_value(v: Any) -> float | int | None:
    """A cell as the record keeps it: an int stays an int, NaN and NULL are None."""
    v = _plain(v)
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def label(v: Any) -> str:
    """A label cell as text: an integer float is written as an integer."""
    v = _plain(v)
    if v is None:
        return "NULL"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _interval(lo: float, hi: float) -> tuple[float | None, float | None]:
    return number_value(lo), number_value(hi)


def _is_number_column(s: pd.Series) -> bool:
    return s.dtype.kind in "iuf"


def _row_ids(df: pd.DataFrame, labels: list[str]) -> list[Row]:
    """Each row's identity from its *labels* columns, with `#k` for rows that share one."""
    rows = [tuple((c, label(v)) for c, v in zip(labels, vals, strict=True))
            for vals in df[labels].itertuples(index=False, name=None)] if labels else \
        [() for _ in range(len(df))]
    counts = Counter(rows)
    seen: Counter[Row] = Counter()
    out = []
    for r in rows:
        seen[r] += 1
        out.append((*r, ("#", str(seen[r]))) if counts[r] > 1 else r)
    return out


def _table_labels(df: pd.DataFrame, exclude: set[str]) -> list[str]:
    """The fewest columns, in order, that tell a table's rows apart: its text columns first
    (a model, a suite; one that adds nothing, such as a model's id beside its name, or a
    verdict, is left out), then its integer columns (a position), counts excluded."""
    def plain(c: Any) -> bool:
        values = df[c].dropna()
        return not len(values) or not isinstance(values.iloc[0], (dict, list, tuple,
                                                                  np.ndarray))

    text = [str(c) for c in df.columns if not _is_number_column(df[c]) and plain(c)]
    ints = [str(c) for c in df.columns if df[c].dtype.kind in "iu" and c not in exclude]
    labels: list[str] = []
    distinct = min(len(df), 1)
    for c in text + ints:
        if distinct >= len(df):
            break
        n = len(df[[*labels, c]].astype(str).drop_duplicates())
        if n > distinct:
            labels.append(c)
            distinct = n
    return labels


def _table_numbers(df: pd.DataFrame, o: Any, block: str) -> list[Number]:
    if isinstance(o.columns, dict):
        cols = [str(c) for c in o.columns]
    else:
        cols = [str(c) for c in o.columns] if o.columns else [str(c) for c in df.columns]
    if any(c not in df.columns for c in cols):
        return []  # the page's render names the missing column
    with_ci = (o.successes in df.columns and o.trials in df.columns)
    exclude = {o.successes, o.trials} if with_ci else set()
    labels = _table_labels(df, exclude)
    numeric = [c for c in cols if c not in labels and o.format.get(c, "auto") != "text"
               and _is_number_column(df[c])]
    rate_col = None
    if with_ci:
        k = pd.to_numeric(df[o.successes], errors="coerce").astype(float)
        n = pd.to_numeric(df[o.trials], errors="coerce").astype(float)
        rate = k / n.where(n > 0)
        rate_col = next((c for c in numeric if c not in exclude and len(df) and
                         _same(df[c].astype(float), rate)), None)
    out = []
    for row, rec in zip(_row_ids(df, labels), df.to_dict("records"), strict=True):
        ci: dict[str, Any] = {}
        if with_ci and number_value(rec[o.trials]) is not None \
                and number_value(rec[o.successes]) is not None:
            k_i, n_i = int(rec[o.successes]), int(rec[o.trials])
            lo, hi = _interval(*wilson_interval(k_i, n_i))
            ci = {"n": n_i, "low": lo, "high": hi}
        for c in numeric:
            extra = ci if c == rate_col else {}
            out.append(Number(block, row, c, number_value(rec[c]),
                              text=format_value(_plain(rec[c]), o.format.get(c, "auto")),
                              **extra))
        if with_ci and rate_col is None and ci:
            # no shown column is the rate: the table's CI column is the published number
            k_i, n_i = int(rec[o.successes]), int(rec[o.trials])
            out.append(Number(block, row, f"{o.successes}/{o.trials}",
                              number_value(k_i / n_i) if n_i > 0 else None,
                              text=format_ci(ci["low"], ci["high"]), **ci))
    return out


def _same(a: pd.Series, b: pd.Series) -> bool:
    return bool(np.allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), equal_nan=True))


def _chart_numbers(df: pd.DataFrame, o: Any, block: str) -> list[Number]:
    heat = o.type in ("heatmap", "confusion")
    labels = [c for c in ([o.x, o.y] if heat else [o.facet, o.x, o.color]) if c]
    rate = o.successes is not None and o.trials is not None
    value_col = o.z if heat else ("rate" if rate else o.y)
    needed = [*labels, *([o.successes, o.trials] if rate else [value_col])]
    if value_col is None or any(c not in df.columns for c in needed if c):
        return []  # the page's render names the problem
    fmt = "percent" if (o.percent or rate) else "auto"
    rows = _row_ids(df, labels)
    out = []
    if rate:
        k = pd.to_numeric(df[o.successes], errors="coerce")
        n = pd.to_numeric(df[o.trials], errors="coerce")
        if k.isna().any() or n.isna().any():
            return []
        low, high = wilson_intervals(k.astype(int).tolist(), n.astype(int).tolist())
        for row, k_i, n_i, lo, hi in zip(rows, k.astype(int), n.astype(int), low, high,
                                         strict=True):
            value = number_value(k_i / n_i) if n_i > 0 else None
            out.append(Number(block, row, "rate", value, int(n_i), *_interval(lo, hi),
                              text=format_value(value, fmt)))
        return out
    bounds = o.low in df.columns and o.high in df.columns if o.low and o.high else False
    for i, row in enumerate(rows):
        value = number_value(df[value_col].iloc[i])
        lo = number_value(df[o.low].iloc[i]) if bounds else None
        hi = number_value(df[o.high].iloc[i]) if bounds else None
        out.append(Number(block, row, str(value_col), value, None, lo, hi,
                          text=format_value(value, fmt)))
    return out


def _value_number(body: str, scope: QueryScope, line: int) -> Number | None:
    """The number an inline value prints (None: it prints text, or is malformed: the page's
    render reports that)."""
    try:
        parts = shlex.split(body)
    except ValueError:
        return None
    if len(parts) < 2 or "." not in parts[1]:
        return None
    qname, col = parts[1].split(".", 1)
    filters: list[tuple[str, str]] = []
    opts: dict[str, str] = {}
    for p in parts[2:]:
        k, eq, v = p.partition("=")
        if not eq:
            return None
        if k in ("format", "ci"):
            opts[k] = v
        else:
            filters.append((k, v))
    try:
        df = scope.frame(qname, line)
    except RenderError:
        return None
    if any(c not in df.columns for c in [col, *(k for k, _ in filters)]):
        return None
    rows = df
    for k, v in filters:
        rows = rows[rows[k].astype(str) == v]
    if len(rows) != 1 or not _is_number_column(df[col]):
        return None
    rec = rows.iloc[0]
    value = number_value(rec[col])
    ci: dict[str, Any] = {}
    k_col, _, n_col = opts.get("ci", "").partition("/")
    if k_col and n_col in df.columns and k_col in df.columns \
            and number_value(rec[k_col]) is not None and number_value(rec[n_col]) is not None:
        n_i = int(rec[n_col])
        lo, hi = _interval(*wilson_interval(int(rec[k_col]), n_i))
        ci = {"n": n_i, "low": lo, "high": hi}
    text = format_value(_plain(rec[col]), opts.get("format", "auto"))
    return Number(f"value {qname}", tuple(filters), col, value, text=text, **ci)
