"""The scope box: what exactly produced the numbers on this page.

By default it covers the experiments the page's queries name (their ids quoted in the SQL
above the box); `experiments:` lists them explicitly instead. One row per run: model and
weights hash, engine and version, sampling and seed, cases, dates, hardware, git state.
Runs that do not yet hold every case of their experiment are flagged, and the box says so
at the top: a page built from a partial run must not read as if it were complete.
"""

from __future__ import annotations

import re

from pipeline.site.components.base import Options, RenderState, component, render_template
from pipeline.site.errors import RenderError
from pipeline.site.query import QueryScope

SCOPE_SQL = """
SELECT r.experiment_id, r.experiment_version, m.name AS model, r.variant, r.engine,
       r.engine_version, r.model_file, left(r.model_sha256, 12) AS sha256,
       r.model_revision, r.temperature, r.top_p, r.max_tokens, r.seed, r.n_samples,
       r.constrained, r.hardware, left(r.git_commit, 8) AS git_commit, r.git_dirty,
       strftime(r.started_at, '%Y-%m-%d %H:%M') AS started,
       strftime(r.finished_at, '%Y-%m-%d %H:%M') AS finished, r.status,
       (SELECT count(DISTINCT case_id) FROM results x WHERE x.run_id = r.run_id) AS cases,
       (SELECT count(*) FROM results x WHERE x.run_id = r.run_id) AS outputs,
       (SELECT count(*) FROM cases c WHERE c.experiment_id = r.experiment_id
          AND c.experiment_version = r.experiment_version) AS total_cases
FROM runs r JOIN models m USING (model_id)
WHERE r.experiment_id IN (SELECT unnest(?::VARCHAR[]))
  AND (?::VARCHAR[] IS NULL OR r.model_id IN (SELECT unnest(?::VARCHAR[])))
ORDER BY r.experiment_id, m.name, r.variant
"""


class ScopeOptions(Options):
    experiments: list[str] | None = None
    models: list[str] | None = None


def referenced_experiments(scope: QueryScope) -> list[str]:
    known = [r[0] for r in scope.con.execute(
        "SELECT DISTINCT experiment_id FROM experiments ORDER BY 1").fetchall()]
    text = "\n".join(scope.sql.values())
    return [e for e in known if re.search(rf"'{re.escape(e)}'", text)]


@component("scope", ScopeOptions)
def scope_box(o: ScopeOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    experiments = o.experiments or list(scope.partition or ()) or referenced_experiments(scope)
    if not experiments:
        raise RenderError("scope: no experiment id is quoted in this page's queries above the "
                          "box; list them with 'experiments: [id, ...]'", line)
    runs = scope.con.execute(SCOPE_SQL, [experiments, o.models, o.models]).df()
    missing = sorted(set(experiments) - set(runs["experiment_id"]))
    if missing:
        raise RenderError(f"scope: no runs for experiment(s) {', '.join(missing)}", line)
    records = runs.to_dict("records")
    for r in records:
        # A run is partial until it holds every case of its experiment version: a runner
        # still going, or one stopped to be resumed in a later session.
        r["partial"] = r["status"] != "complete" or r["cases"] < r["total_cases"]
    return render_template("scope.html", runs=records, experiments=experiments,
                           n_runs=len(runs), outputs=int(runs["outputs"].sum()),
                           partial=[r for r in records if r["partial"]])
