"""Site stats from the database: experiments, models tested, test cases, scored outputs."""

from __future__ import annotations

from pipeline.site.components.base import Options, RenderState, component, render_template
from pipeline.site.formatting import round_down_plus
from pipeline.site.query import QueryScope
from pipeline.site.store_queries import site_stats


class StatsOptions(Options):
    pass


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


@component("stats", StatsOptions)
def stats(o: StatsOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    s = site_stats(lambda sql: scope.run(sql, line, author=False))._asdict()
    items = [
        (round_down_plus(s["experiments"]), _plural(s["experiments"], "experiment",
                                                     "experiments"), "experiments"),
        (round_down_plus(s["models"]), _plural(s["models"], "model tested", "models tested"),
         "models"),
        (round_down_plus(s["cases"]), _plural(s["cases"], "test case", "test cases"), "cases"),
        (round_down_plus(s["outputs"]), _plural(s["outputs"], "scored output",
                                                 "scored outputs"), "outputs"),
    ]
    return render_template("stats.html", items=items, exact=s)
