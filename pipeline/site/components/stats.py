"""Site stats from the database: experiments, models tested, test cases, scored outputs."""

from __future__ import annotations

from pipeline.site.components.base import Options, RenderState, component, render_template
from pipeline.site.formatting import round_down_plus
from pipeline.site.query import QueryScope

# Only runs with at least one stored output count: a registry entry or a run that was started
# and produced nothing is not a model "tested".
STATS_SQL = """
WITH tested AS (SELECT * FROM runs r WHERE EXISTS (
    SELECT 1 FROM results x WHERE x.run_id = r.run_id))
SELECT
  (SELECT count(DISTINCT experiment_id) FROM tested) AS experiments,
  (SELECT count(DISTINCT model_id) FROM tested) AS models,
  (SELECT count(*) FROM cases c WHERE EXISTS (
      SELECT 1 FROM tested r WHERE r.experiment_id = c.experiment_id
      AND r.experiment_version = c.experiment_version)) AS cases,
  (SELECT count(*) FROM results) AS outputs
"""


class StatsOptions(Options):
    pass


def site_stats(scope: QueryScope, line: int = 0) -> dict[str, int]:
    row = scope.run(STATS_SQL, line).iloc[0]
    return {k: int(row[k]) for k in ("experiments", "models", "cases", "outputs")}


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


@component("stats", StatsOptions)
def stats(o: StatsOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    s = site_stats(scope, line)
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
