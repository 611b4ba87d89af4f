"""Inline values in prose: `{{ value QUERY.COLUMN [col=val ...] [format=F] [ci=K/N] }}`.

`col=val` pairs select exactly one row of the query (compared as text); zero or several
matching rows is an error, never a silent first row. `ci=passed/n` appends
"(95% CI lo–hi, n=N)" from the Wilson interval of those two columns.
"""

from __future__ import annotations

import shlex

import pandas as pd

from pipeline.site.core.errors import RenderError
from pipeline.site.core.escaping import escape_text
from pipeline.site.core.formatting import FORMATS, format_ci, format_value
from pipeline.site.core.query import QueryScope
from pipeline.stats import wilson_interval

_RESERVED = ("format", "ci")


def render_value(body: str, scope: QueryScope, line: int) -> str:
    try:
        parts = shlex.split(body)
    except ValueError as exc:
        raise RenderError(f"inline value {{{{ {body} }}}}: {exc}", line) from None
    if len(parts) < 2 or "." not in parts[1]:
        raise RenderError(f"inline value {{{{ {body} }}}}: expected "
                          "'value QUERY.COLUMN [column=value ...] [format=F] [ci=K/N]'", line)
    qname, col = parts[1].split(".", 1)
    filters: dict[str, str] = {}
    opts: dict[str, str] = {}
    for p in parts[2:]:
        if "=" not in p:
            raise RenderError(f"inline value: expected key=value, got {p!r}", line)
        k, v = p.split("=", 1)
        (opts if k in _RESERVED else filters)[k] = v
    df = scope.frame(qname, line)
    for c in [col, *filters]:
        if c not in df.columns:
            raise RenderError(f"inline value: column {c!r} not in query {qname!r} (columns: "
                              f"{', '.join(map(str, df.columns))})", line)
    rows = df
    for k, v in filters.items():
        rows = rows[rows[k].astype(str) == v]
    if len(rows) != 1:
        where = " and ".join(f"{k}={v}" for k, v in filters.items()) or "no filter"
        raise RenderError(f"inline value {qname}.{col} ({where}) matched {len(rows)} rows; "
                          "it must match exactly one", line)
    row = rows.iloc[0]
    fmt = opts.get("format", "auto")
    if fmt not in FORMATS:
        raise RenderError(f"inline value: unknown format {fmt!r}; valid: {', '.join(FORMATS)}",
                          line)
    text = escape_text(format_value(_plain(row[col]), fmt))
    if "ci" in opts:
        k_col, _, n_col = opts["ci"].partition("/")
        for c in (k_col, n_col):
            if c not in df.columns:
                raise RenderError(f"inline value: ci column {c!r} not in query {qname!r}", line)
        k, n = int(row[k_col]), int(row[n_col])
        text += f" (95% CI {format_ci(*wilson_interval(k, n))}, n={n:,})"
    return f'<span class="llmx-value">{text}</span>'


def _plain(v: object) -> object:
    return None if v is pd.NA else (v.item() if hasattr(v, "item") else v)
