"""Charts: Plotly figures from a query, drawn in the browser by the self-hosted plotly.js.

Figures are built as plain dicts in Plotly's JSON schema (validated graph objects cost most
of a build's time and buy nothing here). Kinds cover what the posts need: grouped or stacked
bars (also 100%), lines by position, scatter (size vs score), heatmaps (model × suite) and
confusion matrices. Rates get 95% Wilson error bars when the query gives `successes` and
`trials` columns: the chart computes the interval itself, so an author cannot forget it or
get it wrong.
"""

from __future__ import annotations

import json
import textwrap
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from pipeline.hashing import sha256_hex
from pipeline.site.core import tradeoffs
from pipeline.site.core.components.base import (
    DataOptions,
    RenderState,
    cases_links,
    component,
    render_template,
    require_columns,
)
from pipeline.site.core.components.table import shown_labels
from pipeline.site.core.errors import RenderError
from pipeline.site.core.escaping import plotly_text
from pipeline.site.core.palette import OTHER_COLOURS, Palette
from pipeline.site.core.query import QueryScope
from pipeline.stats import wilson_intervals

# Category tick labels wrap at this many characters, onto at most this many lines
TICK_WIDTH = 18
TICK_LINES = 3

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
    z_title: str | None = Field(default=None, description="colour bar title (heatmap)")
    percent: bool = Field(default=False, description="y (and a heatmap's cells) are shares "
                          "in [0, 1], shown as %")
    x_percent: bool = Field(default=False, description="x is a share in [0, 1] too (scatter, "
                            "line): both axes in one unit")
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
    low, high = wilson_intervals(k.tolist(), n.tolist())
    df["ci_plus"] = [hi - r for hi, r in zip(high, df["rate"], strict=True)]
    df["ci_minus"] = [r - lo for lo, r in zip(low, df["rate"], strict=True)]
    df["ci_low"] = low
    df["ci_high"] = high
    return df


def _clean(values: pd.Series | list) -> list:
    """JSON-ready numbers: NULL, NA and NaN (e.g. a rate over zero trials) become null,
    which plotly.js draws as a gap."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    missing = series.isna().tolist()
    return [None if m else float(v) for v, m in zip(series.tolist(), missing, strict=True)]


def _missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))  # type: ignore[call-overload]
    except (TypeError, ValueError):  # a list or array in a cell: not a missing value
        return False


def _labels(df: pd.DataFrame, col: str, what: str, line: int) -> list[str]:
    """A category column as text. A NULL has no honest place on a category axis, in a
    legend or a facet title, so it fails the block, naming the column."""
    missing = int(df[col].map(_missing).sum())
    if missing:
        raise RenderError(f"chart: column {col!r} ({what}) is NULL in {missing} of {len(df)} "
                          "row(s); label them in the query (e.g. coalesce(" + col
                          + ", 'none')) or filter them out", line)
    return df[col].astype(str).tolist()


def tick_text(label: str, width: int = TICK_WIDTH, lines: int = TICK_LINES) -> str:
    """A category label as an axis draws it: wrapped at word boundaries onto at most *lines*
    lines; a longer label is cut in the middle with '…' (labels such as "model · setup"
    differ at their ends). The full label stays the category's value, so the hover shows it
    whole."""
    parts = textwrap.wrap(label, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(parts) > lines:
        words, budget = label.split(), (width * lines - 4) // 2
        head, tail = [], []
        while words and len(" ".join([*head, words[0]])) <= budget:
            head.append(words.pop(0))
        while words and len(" ".join([words[-1], *tail])) <= budget:
            tail.insert(0, words.pop())
        label = " ".join([*head, "…", *tail]) if head or tail else label[:budget] + " …"
        parts = textwrap.wrap(label, width, break_long_words=True,
                              break_on_hyphens=False)[:lines]
    return "<br>".join(plotly_text(p) for p in parts)


def _category_axis(values: list[str]) -> dict:
    """A category axis in the data's order (the query's ORDER BY, or `sort`), whatever trace
    a category first appears in, with wrapped tick labels and the full text on hover. Two
    labels that would read alike once cut are drawn whole."""
    shown = list(dict.fromkeys(values))
    text = [tick_text(v) for v in shown]
    text = [t if text.count(t) == 1 else tick_text(v, lines=99) for t, v in zip(text, shown,
                                                                               strict=True)]
    return {"type": "category", "categoryorder": "array",
            "categoryarray": [plotly_text(v) for v in shown],
            "tickmode": "array", "tickvals": [plotly_text(v) for v in shown],
            "ticktext": text}


def _trace(kind: str, name: str | None, x: list, y: list, o: ChartOptions, g: pd.DataFrame,
           rate: bool, yname: str, style: dict[str, str] | None) -> dict:
    """One trace as a plain dict: plotly.js reads it as is, and we skip the cost of
    validated graph objects (most of a build's time otherwise)."""
    fmt = ".1%" if (o.percent or rate) else ",.4~g"
    xfmt = ":.1%" if o.x_percent else ""
    hover = f"%{{x{xfmt}}}<br>{plotly_text(yname)}: %{{y:{fmt}}}"
    t: dict = {"x": [None if _missing(v) else plotly_text(v) for v in x], "y": y,
               "name": plotly_text(name), "showlegend": name is not None}
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
        cfmt = ".1%" if o.percent else ",.4~g"
        hover += f"<br>95% CI %{{customdata[0]:{cfmt}}}–%{{customdata[1]:{cfmt}}}"
    if o.text:
        t["text"] = [plotly_text("" if _missing(v) else str(v)) for v in g[o.text]]
        # a label charts.js must leave off (points on top of each other) stays in the hover
        t["hovertext"] = t["text"]
        hover += "<br>%{hovertext}"
    colour = (style or {}).get("color")
    if kind == "bar":
        t["type"] = "bar"
        if colour:
            t["marker"] = {"color": colour}
            if style and style.get("pattern"):
                t["marker"]["pattern"] = {"shape": style["pattern"]}
    else:
        t["type"] = "scatter"
        t["mode"] = "lines+markers" if kind == "line" else "markers"
        t["marker"] = {"color": colour} if colour else {}
        if kind == "line" and colour:
            t["line"] = {"color": colour}
        if kind == "scatter" and o.text:
            t["mode"] = "markers+text"
            t["textposition"] = "top center"
            t["cliponaxis"] = False
        if o.size:
            t["marker"].update({"size": _clean(g[o.size]), "sizemode": "area",
                                "sizeref": 2.0 * float(g[o.size].max() or 1) / 40 ** 2})
    # The trace name is data: plotly fills it in, so it is never read as a template.
    t["hovertemplate"] = hover + ("<extra>%{fullData.name}</extra>" if name else
                                  "<extra></extra>")
    return t


def _heatmap(df: pd.DataFrame, o: ChartOptions, line: int, layout: dict) -> dict:
    if o.y is None or o.z is None:
        raise RenderError(f"chart: type {o.type} needs 'x', 'y' and 'z'", line)
    df = df.assign(**{o.x: _labels(df, o.x, "x", line), o.y: _labels(df, o.y, "y", line)})
    # a NULL cell stays empty: a plain sum would print it as 0
    df = df.assign(**{o.z: pd.to_numeric(df[o.z], errors="coerce")})
    grid = df.pivot_table(index=o.y, columns=o.x, values=o.z, sort=False, dropna=False,
                          aggfunc=lambda v: v.sum(min_count=1))
    if o.sort:
        grid = grid.reindex(columns=[c for c in o.sort if c in grid.columns]
                            + [c for c in grid.columns if c not in o.sort])
    z = grid.to_numpy(dtype=float)
    zfmt = ".1%" if o.percent else ",.4~g"
    confusion = o.type == "confusion"
    data = [{"type": "heatmap", "x": [plotly_text(str(c)) for c in grid.columns],
             "y": [plotly_text(str(i)) for i in grid.index],
             "z": [[None if np.isnan(v) else float(v) for v in row] for row in z],
             "texttemplate": f"%{{z:{zfmt}}}", "xgap": 1, "ygap": 1,
             "colorscale": "Blues", "reversescale": True, "hoverongaps": False,
             "colorbar": {"title": {"text": plotly_text(o.z_title or o.z), "side": "right"},
                          "tickformat": ".0%" if o.percent else None, "thickness": 12},
             "hovertemplate": f"{plotly_text(o.x)}: %{{x}}<br>{plotly_text(o.y)}: "
                              f"%{{y}}<br>{plotly_text(o.z)}: %{{z:{zfmt}}}<extra></extra>"}]
    if o.percent:  # a share reads against the whole 0–100% scale, not its own min and max
        data[0].update({"zmin": 0, "zmax": 1})
    layout["xaxis"] = {**_category_axis([str(c) for c in grid.columns]),
                       "title": {"text": plotly_text(
                           o.x_title or (f"{o.x} (predicted)" if confusion else o.x))},
                       "side": "top" if confusion else "bottom", "automargin": True}
    layout["yaxis"] = {**_category_axis([str(i) for i in grid.index]),
                       "title": {"text": plotly_text(
                           o.y_title or (f"{o.y} (actual)" if confusion else o.y))},
                       "autorange": "reversed", "automargin": True}
    layout["meta"] = {"llmx": {"kind": o.type}}
    return {"data": data, "layout": layout}


def figure(df: pd.DataFrame, o: ChartOptions, line: int,
           palette: Palette | None = None) -> dict:
    """The Plotly figure (data + layout) as plain JSON-able dicts.

    Layout that depends on the width a reader's screen gives the chart (how many facet
    panels per row, the height that fits the legend) is finished by charts.js in the
    browser from `layout.meta.llmx`; everything else is decided here, once for all charts:
    fixed model colours, one legend entry per colour drawn, categories in the data's order,
    axes that make room for their tick labels.
    """
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
    palette = palette or Palette()
    rate = o.successes is not None
    # The title is drawn in HTML above the chart (it wraps on a phone, and never meets a
    # legend or facet title); the legend sits above the plot and pushes it down.
    layout: dict = {"height": o.height,
                    "margin": {"l": 10, "r": 10, "t": 10, "b": 10, "autoexpand": True},
                    "legend": {"title": {"text": plotly_text(o.color or ""), "side": "top left"},
                               "orientation": "h", "x": 0, "xanchor": "left", "y": 1.0,
                               "yanchor": "bottom", "yref": "paper", "traceorder": "normal"}}
    if o.type in ("heatmap", "confusion"):
        return _heatmap(df, o, line, layout)
    df = df.copy()
    if rate:
        missing = df[o.successes].map(_missing) | df[o.trials].map(_missing)
        if missing.any():
            raise RenderError(f"chart: 'successes' ({o.successes}) or 'trials' ({o.trials}) "
                              f"is NULL in {int(missing.sum())} row(s); a rate needs both",
                              line)
        df = _with_rate(df, o)
        y = "rate"
    elif o.y is None:
        raise RenderError("chart: give 'y', or 'successes' and 'trials' for a rate with "
                          "Wilson CI error bars", line)
    else:
        y = o.y
    yname = o.y_title or (o.y if o.y else "rate")
    numeric_x = o.type != "bar" and pd.api.types.is_numeric_dtype(df[o.x])
    if not numeric_x:
        df[o.x] = _labels(df, o.x, "x", line)
    if o.sort:
        order = {v: i for i, v in enumerate(o.sort)}
        df = df.assign(_o=df[o.x].astype(str).map(order).fillna(len(order))) \
               .sort_values("_o", kind="stable")
    # Colour: the `color` column; with none, a bar chart of models still draws each model
    # in its colour (one trace per model, so the legend names every colour drawn).
    colour_col = o.color
    if colour_col is None and not numeric_x and o.facet is None \
            and any(palette.model_of(v) for v in df[o.x]):
        colour_col = o.x
        layout["legend"]["title"]["text"] = plotly_text(o.x_title or o.x)
    if colour_col is not None:
        df[colour_col] = _labels(df, colour_col, "color", line)
        styles = palette.colours(df[colour_col])
    else:
        styles = {}
    facets = [None] if o.facet is None else list(dict.fromkeys(
        _labels(df, o.facet, "facet", line)))
    data = []
    legend_seen: set[str] = set()
    for i, facet in enumerate(facets):
        part = df if facet is None else df[df[o.facet].astype(str) == facet]
        groups = [(None, part)] if colour_col is None else [
            (str(k), g) for k, g in part.groupby(part[colour_col], sort=False)]
        for name, g in groups:
            x = g[o.x].tolist()
            t = _trace(o.type, name, x, _clean(g[y]), o, g, rate, yname,
                       styles.get(name) if name is not None else
                       {"color": OTHER_COLOURS[0], "pattern": ""})
            if name is not None:
                t["legendgroup"] = t["name"]
                t["showlegend"] = name not in legend_seen
                legend_seen.add(name)
            if i:
                t["xaxis"], t["yaxis"] = f"x{i + 1}", f"y{i + 1}"
            data.append(t)
    # a line chart must draw a line: a query cut to one row per series (a LIMIT, a filter)
    # draws lone markers that read as a curve nobody can see
    if o.type == "line" and max(len(t["x"]) for t in data) < 2:
        raise RenderError("chart: a line needs at least two points (rows) in some series; "
                          "every series here has one (check the query for a LIMIT or a "
                          "filter)", line)
    for i in range(len(facets)):
        sfx = "" if i == 0 else str(i + 1)
        xaxis: dict = ({"type": "linear"} if numeric_x else _category_axis(df[o.x].tolist()))
        xaxis.update({"title": {"text": plotly_text(o.x_title or o.x)}, "automargin": True,
                      "anchor": f"y{sfx}"})
        if o.x_percent:
            xaxis["tickformat"] = ".0%"
        yaxis: dict = {"title": {"text": plotly_text(yname)}, "anchor": f"x{sfx}",
                       "automargin": True}
        if i:
            xaxis["matches"], yaxis["matches"] = "x", "y"
        if o.percent or rate:
            yaxis["tickformat"] = ".0%"
            if rate or (o.normalize is False and o.percent and o.stack is False
                        and _within_unit(df, o, y)):
                yaxis["range"] = [0, 1.05]
        if o.type == "scatter" and o.text:
            # room around the outermost points for their labels, inside the plot
            xaxis["range"] = _padded(df[o.x]) if numeric_x else xaxis.get("range")
            yaxis["range"] = _padded(pd.concat([df[y], df[o.high]]) if o.high else df[y])
        layout[f"xaxis{sfx}"], layout[f"yaxis{sfx}"] = xaxis, yaxis
    layout["meta"] = {"llmx": {"kind": o.type,
                               "facets": [plotly_text(f"{o.facet} = {f}") for f in facets]
                               if o.facet else []}}
    if o.type == "bar":
        layout["barmode"] = "stack" if (o.stack or o.normalize) else "group"
        if colour_col is not None and colour_col == o.x:
            layout["barmode"] = "overlay"  # one bar per category: never offset or squeezed
        if o.normalize:
            layout["barnorm"] = "fraction"
            layout["yaxis"]["tickformat"] = ".0%"
            for i in range(1, len(facets)):
                layout[f"yaxis{i + 1}"]["tickformat"] = ".0%"
    return {"data": data, "layout": layout}


def _padded(values: pd.Series, share: float = 0.1) -> list[float] | None:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return None
    lo, hi = float(v.min()), float(v.max())
    pad = (hi - lo) * share or (abs(hi) * share or 1.0)
    return [lo - pad, hi + pad]


def _within_unit(df: pd.DataFrame, o: ChartOptions, y: str) -> bool:
    """Shares that all lie in [0, 1] are drawn on the whole 0–100% scale."""
    values = pd.to_numeric(df[y], errors="coerce").dropna()
    if o.high:
        values = pd.concat([values, pd.to_numeric(df[o.high], errors="coerce").dropna()])
    return bool(len(values)) and bool(((values >= 0) & (values <= 1)).all())


@component("chart", ChartOptions)
def chart(o: ChartOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    df, sql = o.load(scope, line)
    if df.empty:
        raise RenderError("chart: the query returned no rows", line, sql)
    tradeoffs.require_both_sides(
        shown_labels(df, [o.x, o.y, o.z, o.color, o.facet, o.text],
                     [o.title or "", o.x_title or "", o.y_title or ""]), "chart", line)
    fig = figure(df, o, line, scope.palette)
    state.charts += 1
    figure_json = script_safe(json.dumps(fig, allow_nan=False))
    # The id comes from the content: stable across builds, so cached HTML never collides.
    chart_id = "llmx-chart-" + sha256_hex(figure_json)[:12]
    return render_template("chart.html", id=chart_id, figure_json=figure_json,
                           height=o.height, title=o.title,
                           sql=sql, rows=len(df), csv_url=state.publish_csv(df),
                           cases=cases_links(scope, state, sql))
