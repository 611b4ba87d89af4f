"""Charts: Plotly figures from a query, drawn in the browser by the self-hosted plotly.js.

Figures are built as plain dicts in Plotly's JSON schema (validated graph objects cost most
of a build's time and buy nothing here). Kinds cover what the posts need: grouped or stacked
bars (also 100%), lines by position, scatter (size vs score), heatmaps (model × suite) and
confusion matrices. Rates get 95% Wilson error bars when the query gives `successes` and
`trials` columns: the chart computes the interval itself, so an author cannot forget it or
get it wrong.
"""

from __future__ import annotations

import hashlib
import json
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
from pipeline.site.components.table import shown_labels
from pipeline.site.errors import RenderError
from pipeline.site.escaping import plotly_text
from pipeline.site.query import QueryScope
from pipeline.stats import wilson_interval

ChartType = Literal["bar", "line", "scatter", "heatmap", "confusion"]


class ChartOptions(DataOptions):
    type: ChartType = "bar"
    x: str
    y: str | None = None
    z: str | None = Field(default=None, description="cell value (heatmap, confusion)")
    color: str | None = None
    facet: str | None = None
    size: str | None = None
    text: str | None = None
    successes: str | None = None
    trials: str | None = None
    low: str | None = Field(default=None, description="error bars from two columns of the "
                            "query (e.g. a bootstrap interval): the lower bound")
    high: str | None = Field(default=None, description="the upper bound (with 'low')")
    title: str | None = None
    x_title: str | None = None
    y_title: str | None = None
    percent: bool = False
    stack: bool = Field(default=False, description="stack bars instead of grouping them")
    normalize: bool = Field(default=False, description="100% stacked bars")
    sort: list[str] | None = Field(default=None, description="order of the x categories")
    height: int = Field(default=420, ge=150, le=2000)


def script_safe(json_text: str) -> str:
    """JSON text made safe inside a <script> element, whatever strings the data holds."""
    return (json_text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _with_rate(df: pd.DataFrame, o: ChartOptions) -> pd.DataFrame:
    df = df.copy()
    k = df[o.successes].astype(int)
    n = df[o.trials].astype(int)
    df["rate"] = np.where(n > 0, k / n.where(n > 0, 1), np.nan)
    ci = [wilson_interval(a, b) for a, b in zip(k, n, strict=True)]
    df["ci_plus"] = [hi - r for (lo, hi), r in zip(ci, df["rate"], strict=True)]
    df["ci_minus"] = [r - lo for (lo, hi), r in zip(ci, df["rate"], strict=True)]
    df["ci_low"] = [c[0] for c in ci]
    df["ci_high"] = [c[1] for c in ci]
    return df


def _clean(values: pd.Series) -> list:
    """JSON-ready numbers: NaN (e.g. a rate over zero trials) becomes null."""
    return [None if pd.isna(v) else float(v) for v in values]


def _trace(kind: str, name: str | None, x: list, y: list, o: ChartOptions, g: pd.DataFrame,
           rate: bool, yname: str) -> dict:
    """One trace as a plain dict: plotly.js reads it as is, and we skip the cost of
    validated graph objects (most of a build's time otherwise)."""
    fmt = ".1%" if (o.percent or rate) else ",.4g"
    hover = f"%{{x}}<br>{plotly_text(yname)}: %{{y:{fmt}}}"
    t: dict = {"x": [plotly_text(v) for v in x], "y": y, "name": plotly_text(name),
               "showlegend": name is not None}
    if rate:
        t["error_y"] = {"type": "data", "symmetric": False, "array": _clean(g["ci_plus"]),
                        "arrayminus": _clean(g["ci_minus"])}
        t["customdata"] = [list(r) for r in zip(_clean(g[o.successes]), _clean(g[o.trials]),
                                                _clean(g["ci_low"]), _clean(g["ci_high"]),
                                                strict=True)]
        hover += ("<br>%{customdata[0]} of %{customdata[1]}"
                  "<br>95% CI %{customdata[2]:.1%}–%{customdata[3]:.1%}")
    elif o.low and o.high:
        lo, hi = _clean(g[o.low]), _clean(g[o.high])
        t["error_y"] = {"type": "data", "symmetric": False,
                        "array": [None if h is None or v is None else h - v
                                  for h, v in zip(hi, y, strict=True)],
                        "arrayminus": [None if lw is None or v is None else v - lw
                                       for lw, v in zip(lo, y, strict=True)]}
        t["customdata"] = [list(r) for r in zip(lo, hi, strict=True)]
        cfmt = ".1%" if o.percent else ",.4g"
        hover += f"<br>95% CI %{{customdata[0]:{cfmt}}}–%{{customdata[1]:{cfmt}}}"
    if o.text:
        t["text"] = [plotly_text(v) for v in g[o.text].astype(str)]
    if kind == "bar":
        t["type"] = "bar"
    else:
        t["type"] = "scatter"
        t["mode"] = "lines+markers" if kind == "line" else "markers"
        if kind == "scatter" and o.text:
            t["mode"] = "markers+text"
            t["textposition"] = "top center"
        if o.size:
            t["marker"] = {"size": _clean(g[o.size]), "sizemode": "area",
                           "sizeref": 2.0 * float(g[o.size].max() or 1) / 40 ** 2}
    # The trace name is data: plotly fills it in, so it is never read as a template.
    t["hovertemplate"] = hover + ("<extra>%{fullData.name}</extra>" if name else
                                  "<extra></extra>")
    return t


def figure(df: pd.DataFrame, o: ChartOptions, line: int) -> dict:
    """The Plotly figure (data + layout) as plain JSON-able dicts."""
    require_columns(df, {"x": o.x, "y": o.y, "z": o.z, "color": o.color, "facet": o.facet,
                         "size": o.size, "text": o.text, "successes": o.successes,
                         "trials": o.trials, "low": o.low, "high": o.high}, line)
    if (o.successes is None) != (o.trials is None):
        raise RenderError("chart: 'successes' and 'trials' go together", line)
    if (o.low is None) != (o.high is None):
        raise RenderError("chart: 'low' and 'high' go together", line)
    if o.low is not None and o.successes is not None:
        raise RenderError("chart: error bars come from 'successes'/'trials' (Wilson) or from "
                          "'low'/'high', not both", line)
    rate = o.successes is not None
    # The title sits just above the plot area, below a band at the top of the figure that
    # is left to Plotly's toolbar (modebar, top right): at any width it never covers the title.
    layout: dict = {"title": {"text": plotly_text(o.title), "x": 0, "xanchor": "left",
                              "xref": "paper", "y": 1, "yref": "paper", "yanchor": "bottom",
                              "pad": {"b": 12}} if o.title else None,
                    "height": o.height,
                    "margin": {"l": 60, "r": 20, "t": 80 if o.title else 36, "b": 60},
                    "legend": {"title": {"text": plotly_text(o.color or "")}}}
    if o.type in ("heatmap", "confusion"):
        if o.y is None or o.z is None:
            raise RenderError(f"chart: type {o.type} needs 'x', 'y' and 'z'", line)
        grid = df.pivot_table(index=o.y, columns=o.x, values=o.z, aggfunc="sum", sort=False)
        if o.sort:
            grid = grid.reindex(columns=[c for c in o.sort if c in grid.columns])
        z = grid.to_numpy(dtype=float)
        text = [[("" if np.isnan(v) else (f"{v:.1%}" if o.percent else f"{v:,.4g}"))
                 for v in row] for row in z]
        data = [{"type": "heatmap", "x": [plotly_text(str(c)) for c in grid.columns],
                 "y": [plotly_text(str(i)) for i in grid.index],
                 "z": [[None if np.isnan(v) else float(v) for v in row] for row in z],
                 "text": text, "texttemplate": "%{text}", "colorscale": "Blues",
                 "hovertemplate": f"{plotly_text(o.x)}: %{{x}}<br>{plotly_text(o.y)}: "
                                  f"%{{y}}<br>{plotly_text(o.z)}: %{{text}}<extra></extra>"}]
        layout["xaxis"] = {"title": {"text": plotly_text(
                               o.x_title or (f"{o.x} (predicted)" if o.type == "confusion"
                                             else o.x))},
                           "side": "top" if o.type == "confusion" else "bottom",
                           "type": "category"}
        layout["yaxis"] = {"title": {"text": plotly_text(
                               o.y_title or (f"{o.y} (actual)" if o.type == "confusion"
                                             else o.y))},
                           "type": "category", "autorange": "reversed"}
        return {"data": data, "layout": layout}
    df = df.copy()
    if rate:
        df = _with_rate(df, o)
        y = "rate"
    elif o.y is None:
        raise RenderError("chart: give 'y', or 'successes' and 'trials' for a rate with "
                          "Wilson CI error bars", line)
    else:
        y = o.y
    yname = o.y_title or (o.y if o.y else "rate")
    if o.sort:
        order = {v: i for i, v in enumerate(o.sort)}
        df = df.assign(_o=df[o.x].astype(str).map(order)).sort_values("_o", kind="stable")
    facets = [None] if o.facet is None else list(dict.fromkeys(df[o.facet].astype(str)))
    data = []
    for i, facet in enumerate(facets):
        part = df if facet is None else df[df[o.facet].astype(str) == facet]
        groups = [(None, part)] if o.color is None else [
            (str(k), g) for k, g in part.groupby(part[o.color].astype(str), sort=False)]
        for name, g in groups:
            x = g[o.x].tolist() if (o.type != "bar" and pd.api.types.is_numeric_dtype(g[o.x])) \
                else g[o.x].astype(str).tolist()
            t = _trace(o.type, name, x, _clean(g[y]), o, g, rate, yname)
            if i:
                t["xaxis"], t["yaxis"], t["showlegend"] = f"x{i + 1}", f"y{i + 1}", False
            data.append(t)
    n = len(facets)
    for i in range(n):
        sfx = "" if i == 0 else str(i + 1)
        dom = [i / n + (0.04 if i else 0), (i + 1) / n - (0.04 if i + 1 < n else 0)]
        layout[f"xaxis{sfx}"] = {"title": {"text": plotly_text(o.x_title or o.x)},
                                 "domain": dom,
                                 "anchor": f"y{sfx}"}
        layout[f"yaxis{sfx}"] = {"title": {"text": plotly_text(yname) if i == 0 else ""},
                                 "anchor": f"x{sfx}", "matches": "y" if i else None}
        if o.percent or rate:
            layout[f"yaxis{sfx}"]["tickformat"] = ".0%"
            if rate:
                layout[f"yaxis{sfx}"]["range"] = [0, 1.05]
        if facets[i] is not None:
            layout.setdefault("annotations", []).append(
                {"text": plotly_text(f"{o.facet} = {facets[i]}"), "showarrow": False,
                 "xref": "paper",
                 "yref": "paper", "x": sum(dom) / 2, "y": 1.0, "yanchor": "bottom"})
    if o.type == "bar":
        layout["barmode"] = "stack" if (o.stack or o.normalize) else "group"
        if o.normalize:
            layout["barnorm"] = "percent"
    return {"data": data, "layout": layout}


@component("chart", ChartOptions)
def chart(o: ChartOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    df, sql = o.load(scope, line)
    if df.empty:
        raise RenderError("chart: the query returned no rows", line, sql)
    tradeoffs.require_both_sides(
        shown_labels(df, [o.x, o.y, o.z, o.color, o.facet, o.text],
                     [o.title or "", o.x_title or "", o.y_title or ""]), "chart", line)
    fig = figure(df, o, line)
    state.charts += 1
    figure_json = script_safe(json.dumps(fig, allow_nan=False))
    # The id comes from the content: stable across builds, so cached HTML never collides.
    chart_id = "llmx-chart-" + hashlib.sha256(figure_json.encode()).hexdigest()[:12]
    return render_template("chart.html", id=chart_id, figure_json=figure_json,
                           height=o.height,
                           sql=sql, rows=len(df), csv_url=state.publish_csv(df),
                           cases=cases_links(scope, state, sql))
