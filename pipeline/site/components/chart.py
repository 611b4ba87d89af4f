"""Charts: Plotly figures from a query, drawn by the self-hosted plotly.js.

Rates get 95% Wilson error bars when the query gives `successes` and `trials` columns: the
chart computes the interval itself, so an author cannot forget it or get it wrong.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipeline.site.components.base import (
    DataOptions,
    RenderState,
    component,
    render_template,
    require_columns,
)
from pipeline.site.errors import RenderError
from pipeline.site.query import QueryScope
from pipeline.stats import wilson_interval


class ChartOptions(DataOptions):
    type: Literal["bar", "line"] = "bar"
    x: str
    y: str | None = None
    color: str | None = None
    successes: str | None = None
    trials: str | None = None
    title: str | None = None
    x_title: str | None = None
    y_title: str | None = None
    percent: bool = False
    stack: bool = Field(default=False, description="stack bars instead of grouping them")
    height: int = 420


def script_safe(json_text: str) -> str:
    """JSON text made safe inside a <script> element, whatever strings the data holds."""
    return (json_text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def figure(df: pd.DataFrame, o: ChartOptions, line: int) -> go.Figure:
    require_columns(df, {"x": o.x, "y": o.y, "color": o.color, "successes": o.successes,
                         "trials": o.trials}, line)
    rate = o.successes is not None and o.trials is not None
    if not rate and o.y is None:
        raise RenderError("chart: give 'y', or 'successes' and 'trials' for a rate with "
                          "Wilson CI error bars", line)
    if (o.successes is None) != (o.trials is None):
        raise RenderError("chart: 'successes' and 'trials' go together", line)
    df = df.copy()
    if rate:
        k = df[o.successes].astype(int)
        n = df[o.trials].astype(int)
        df["_y"] = np.where(n > 0, k / n.where(n > 0, 1), np.nan)
        ci = [wilson_interval(a, b) for a, b in zip(k, n, strict=True)]
        df["_lo"] = [c[0] for c in ci]
        df["_hi"] = [c[1] for c in ci]
    else:
        df["_y"] = df[o.y]
    fig = go.Figure()
    groups = [(None, df)] if o.color is None else list(df.groupby(o.color, sort=False))
    fmt = ".1%" if (o.percent or rate) else ",.3g"
    for key, g in groups:
        name = str(key[0] if isinstance(key, tuple) else key) if key is not None else None
        kw: dict = {}
        hover = f"%{{x}}<br>{o.y_title or o.y or 'rate'}: %{{y:{fmt}}}"
        if rate:
            kw["error_y"] = dict(type="data", symmetric=False,
                                 array=(g["_hi"] - g["_y"]).tolist(),
                                 arrayminus=(g["_y"] - g["_lo"]).tolist())
            kw["customdata"] = np.stack([g[o.successes], g[o.trials], g["_lo"], g["_hi"]],
                                        axis=-1).tolist()
            hover += ("<br>%{customdata[0]} of %{customdata[1]}"
                      "<br>95% CI %{customdata[2]:.1%}–%{customdata[3]:.1%}")
        xs = g[o.x].astype(str).tolist()
        ys = g["_y"].tolist()
        if o.type == "bar":
            fig.add_trace(go.Bar(x=xs, y=ys, name=name, hovertemplate=hover + "<extra>"
                                 + (name or "") + "</extra>", **kw))
        else:
            fig.add_trace(go.Scatter(x=xs, y=ys, name=name, mode="lines+markers",
                                     hovertemplate=hover + "<extra></extra>", **kw))
    fig.update_layout(
        barmode="stack" if o.stack else "group", title=o.title, height=o.height, margin=dict(l=50, r=20, t=50, b=50),
        xaxis_title=o.x_title or o.x, yaxis_title=o.y_title or (o.y if o.y else "rate"),
        legend_title_text=o.color or "", template="plotly_white",
    )
    if o.percent or rate:
        fig.update_yaxes(tickformat=".0%", range=[0, 1.05] if rate else None)
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
                           sql=sql, rows=len(df))
