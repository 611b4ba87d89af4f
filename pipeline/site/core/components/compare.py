"""Paired comparison: A vs B on the same cases, with McNemar's exact test.

Only cases both sides were run on are compared (the pairing is what gives the test its
power); the verdict says how many pairs and discordant pairs it rests on, in plain words.
With `score:`, a paired-bootstrap CI of the mean score difference is added.
"""

from __future__ import annotations

from pipeline.site.core.components.base import (
    DataOptions,
    RenderState,
    component,
    render_template,
    require_columns,
)
from pipeline.site.core.errors import RenderError
from pipeline.site.core.formatting import format_value
from pipeline.site.core.query import QueryScope
from pipeline.stats import mcnemar_test, paired_bootstrap_ci


class CompareOptions(DataOptions):
    group: str
    a: str
    b: str
    key: str = "case_id"
    outcome: str = "passed"
    score: str | None = None
    alpha: float = 0.05


@component("compare", CompareOptions)
def compare(o: CompareOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    df, sql = o.load(scope, line)
    require_columns(df, {"group": o.group, "key": o.key, "outcome": o.outcome,
                         "score": o.score}, line)
    sides = {}
    for name in (o.a, o.b):
        part = df[df[o.group].astype(str) == name]
        if part.empty:
            groups = ", ".join(sorted(df[o.group].astype(str).unique()))
            raise RenderError(f"compare: no rows with {o.group} = {name!r} (values: {groups})",
                              line)
        if part[o.key].duplicated().any():
            raise RenderError(f"compare: {o.group} = {name!r} has several rows per {o.key}; "
                              "aggregate or filter the query to one row per case", line)
        sides[name] = part.set_index(o.key)
    common = sides[o.a].index.intersection(sides[o.b].index)
    if len(common) == 0:
        raise RenderError(f"compare: {o.a!r} and {o.b!r} share no {o.key}", line)
    pa = sides[o.a].loc[common, o.outcome].astype(bool)
    pb = sides[o.b].loc[common, o.outcome].astype(bool)
    n = len(common)
    a_only = int((pa & ~pb).sum())
    b_only = int((pb & ~pa).sum())
    test = mcnemar_test(b_only, a_only, len(common), o.alpha)
    # Every difference is b − a, and says so: the verdict, the stats line and the score CI
    # name the sides in that order.
    diff = (pb.mean() - pa.mean())
    difference = f"{o.b} − {o.a} = {diff * 100:+.1f} pp"
    p = test.p
    significant = test.testable and p < o.alpha
    if not test.testable:  # never "p = 1" for a comparison nothing could test
        verdict = f"{difference}: not testable at n = {n} ({test.reason})."
    elif significant:
        better, worse = (o.b, o.a) if diff > 0 else (o.a, o.b)
        verdict = (f"{difference}: {better} is better than {worse} on these cases (McNemar "
                   f"exact p = {p:.3g} < {o.alpha}, n = {n} pairs; one test, unadjusted: a "
                   "claim with expect: is adjusted with the page's other comparisons).")
    else:
        verdict = (f"{difference}: not significant at n = {n} (McNemar exact p = {p:.3g}; "
                   f"{a_only + b_only} discordant pairs).")
    score_ci = None
    if o.score:
        d = (sides[o.b].loc[common, o.score].astype(float)
             - sides[o.a].loc[common, o.score].astype(float)).tolist()
        lo, hi = paired_bootstrap_ci(d, alpha=o.alpha)
        score_ci = {"name": o.score, "mean": format_value(sum(d) / n, "float2"),
                    "lo": format_value(lo, "float2"), "hi": format_value(hi, "float2")}
    return render_template(
        "compare.html", a=o.a, b=o.b, n=n, rate_a=format_value(pa.mean(), "percent"),
        rate_b=format_value(pb.mean(), "percent"),
        difference=difference, a_only=a_only, b_only=b_only,
        p=f"{p:.3g}" if test.testable else "not testable",
        verdict=verdict, significant=significant, score=score_ci, sql=sql,
        confidence=f"{(1 - o.alpha) * 100:g}%",
    )
