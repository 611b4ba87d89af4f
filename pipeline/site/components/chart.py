"""Charts: Plotly figures from a query, drawn in the browser by the self-hosted plotly.js.

Kinds cover what the posts need: grouped or stacked bars (also 100%), lines by position,
scatter (size vs score), heatmaps (model × suite) and confusion matrices. Rates get 95% Wilson
error bars when the query gives `successes` and `trials` columns: the chart computes the
interval itself, so an author cannot forget it or get it wrong.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from pydantic import Field

from pipeline.site.components.base import (
    DataOptions,
    cases_links,
    RenderState,
    component,
    render_template,
    require_columns,
)
from pipeline.site.errors import RenderError
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


def figure(df: pd.DataFrame, o: ChartOptions, line: int) -> go.Figure:
    require_columns(df, {"x": o.x, "y": o.y, "z": o.z, "color": o.color, "facet": o.facet,
                         "size": o.size, "text": o.text, "successes": o.successes,
                         "trials": o.trials}, line)
    if (o.successes is None) != (o.trials is None):
        raise RenderError("chart: 'successes' and 'trials' go together", line)
    rate = o.successes is not None
    labels = {o.x: o.x_title or o.x}
    order = {o.x: o.sort} if o.sort else {}
    df = df.copy()
    if o.type in ("heatmap", "confusion"):
        if o.y is None or o.z is None:
            raise RenderError(f"chart: type {o.type} needs 'x', 'y' and 'z'", line)
        grid = df.pivot_table(index=o.y, columns=o.x, values=o.z, aggfunc="sum", sort=False)
        if o.sort:
            grid = grid.reindex(columns=[c for c in o.sort if c in grid.columns])
        fig = px.imshow(grid, text_auto=".0%" if o.percent else True, aspect="auto",
                        color_continuous_scale="Blues",
                        labels={"x": o.x_title or o.x, "y": o.y_title or o.y,
                                "color": o.z})
        if o.type == "confusion":
            fig.update_xaxes(side="top", title=o.x_title or f"{o.x} (predicted)")
            fig.update_yaxes(title=o.y_title or f"{o.y} (actual)")
    else:
        if rate:
            df = _with_rate(df, o)
            y = "rate"
        elif o.y is None:
            raise RenderError("chart: give 'y', or 'successes' and 'trials' for a rate with "
                              "Wilson CI error bars", line)
        else:
            y = o.y
        labels[y] = o.y_title or (o.y if o.y else "rate")
        common = dict(x=o.x, y=y, color=o.color, facet_col=o.facet, labels=labels,
                      category_orders=order,
                      hover_data=[c for c in (o.successes, o.trials, "ci_low", "ci_high")
                                  if c and c in df.columns] or None)
        if rate and o.type != "scatter":
            common.update(error_y="ci_plus", error_y_minus="ci_minus")
        if o.color is not None:
            df[o.color] = df[o.color].astype(str)
        if o.type in ("bar", "line"):
            df[o.x] = df[o.x] if pd.api.types.is_numeric_dtype(df[o.x]) and o.type == "line" \
                else df[o.x].astype(str)
        if o.type == "bar":
            fig = px.bar(df, barmode="stack" if (o.stack or o.normalize) else "group",
                         text=o.text, **common)
            if o.normalize:
                fig.update_layout(barnorm="percent")
        elif o.type == "line":
            fig = px.line(df, markers=True, text=o.text, **common)
        else:
            fig = px.scatter(df, size=o.size, text=o.text, **common)
            if o.text:
                fig.update_traces(textposition="top center")
        if o.percent or rate:
            fig.update_yaxes(tickformat=".0%")
            if rate:
                fig.update_yaxes(range=[0, 1.05])
    fig.update_layout(title=o.title, height=o.height, margin=dict(l=50, r=20, t=60, b=50),
                      template="plotly_white")
    return fig


@component("chart", ChartOptions)
def chart(o: ChartOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    df, sql = o.load(scope, line)
    if df.empty:
        raise RenderError("chart: the query returned no rows", line, sql)
    fig = figure(df, o, line)
    state.charts += 1
    return render_template("chart.html", id=state.next_id("llmx-chart"),
                           figure_json=script_safe(fig.to_json()), height=o.height,
                           sql=sql, rows=len(df), csv_url=state.publish_csv(df),
                           cases=cases_links(scope, state, sql))
