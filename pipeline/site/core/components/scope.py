"""The scope box: what exactly produced the numbers on this page.

By default it covers the runs the page's queries above the box can read (their filters on
experiment, version, model and variant, worked out from the SQL by `pipeline.site.core.lineage`);
`experiments:` lists experiments explicitly instead: the runs the default-run rule reads (the
current run of each slot, as `outcomes` has it) and the noise floor's repeats. A run another
run of its slot replaced is listed only when a query reads it (`all_outcomes`, `runs`), and
says so. One row per run: which tool wrote it (this project's runner, or the harness an
imported run came from, with its version and the log file's hash), model and weights hash,
engine and version, sampling and seed, cases, dates, hardware, git state.
Runs that do not yet hold every case of their experiment are flagged, and the box says so
at the top: a page built from a partial run must not read as if it were complete.
"""

from __future__ import annotations

from pipeline.site.core.components.base import Options, RenderState, component, render_template
from pipeline.site.core.errors import RenderError
from pipeline.site.core.query import QueryScope
from pipeline.site.core.store_queries import experiments_of_runs, run_provenance


class ScopeOptions(Options):
    experiments: list[str] | None = None
    models: list[str] | None = None


@component("scope", ScopeOptions)
def scope_box(o: ScopeOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    read: list[str] | None = None
    if o.experiments:
        experiments = o.experiments  # the author's list: every run of these experiments
    else:
        # the runs the page's queries above the box can read (pipeline.site.core.lineage): a
        # page about one variant or one model lists those runs, not the whole experiment
        read = sorted(scope.runs_read())
        experiments = experiments_of_runs(scope.con, read) if read else []
    if not experiments:
        raise RenderError("scope: this page's queries above the box read no runs; list the "
                          "experiments with 'experiments: [id, ...]'", line)
    runs = run_provenance(scope.con, experiments, o.models, read)
    missing = sorted(set(experiments) - set(runs["experiment_id"]))
    if missing:
        raise RenderError(f"scope: no runs for experiment(s) {', '.join(missing)}", line)
    # NULL (NaN, NA, NaT from pandas) as None: a missing date or commit prints as a dash
    records = runs.astype(object).where(runs.notna(), None).to_dict("records")
    for r in records:
        # A run is partial until it holds every case of its experiment version: a runner
        # still going, or one stopped to be resumed in a later session. A repeat (the noise
        # floor) covers a sample of the cases by design and never feeds the page's rates.
        r["replaced"] = not r["is_current"]  # a later run of its slot is the current one
        r["partial"] = r["repeat"] == 0 and not r["replaced"] and (
            r["status"] != "complete" or r["cases"] < r["total_cases"])
        r.update(_facts(r))
    versions = {(r["experiment_id"], r["experiment_version"]) for r in records}
    for r in records:
        r["experiment"] = (f"{r['experiment_id']} v{r['experiment_version']}"
                           if len(versions) > len(experiments) else r["experiment_id"])
    # One table per tool that wrote runs (this project's runner, each imported harness): the
    # facts a tool's runs share go above its table, so a page mixing harnesses stays narrow
    # and says, run by run, which tool wrote it.
    by_tool: dict[str, list[dict]] = {}
    for r in records:
        by_tool.setdefault(r["tool"], []).append(r)
    groups = []
    for tool, members in sorted(by_tool.items(), key=lambda kv: (kv[0] != "runner", kv[0])):
        common, varying = [], []
        for key, title in SHARED:
            values = {r[key] for r in members}
            if len(values) == 1 and key != "experiment":
                # the runner's runs have no log: no empty rows for them
                if not (key in ("log_text", "logged_model") and values == {"—"}):
                    common.append((key, title))
            elif len(values) > 1:
                varying.append(key)
        groups.append({"tool": tool, "runs": members, "common": common, "varying": varying})
    weights = {}
    for r in records:
        if r["tool"] == "runner" or r["weights"] != "—":
            weights.setdefault(r["model"], set()).add((r["weights"], r["sha256"]))
    return render_template("scope.html", experiments=experiments,
                           n_runs=len(runs), outputs=int(runs["outputs"].sum()),
                           partial=[r for r in records if r["partial"]], groups=groups,
                           titles=dict(SHARED),
                           weights={m: sorted(w, key=str) for m, w in weights.items()})


# Facts a run may share with every other run of the box: (key, title), in column order.
SHARED = [("experiment", "Experiment"), ("tool_text", "Written by"), ("log_text", "Log"),
          ("logged_model", "Model in the log"), ("engine_text", "Engine"),
          ("sampling", "Sampling"),
          ("max_tokens_text", "Max tokens"), ("hardware_text", "Hardware"), ("code", "Code")]


def _facts(r: dict) -> dict[str, str]:
    """The texts of one run's facts (strings, so runs can be compared for what they share)."""
    same_day = r["finished"] and r["started"] and r["finished"][:10] == r["started"][:10]
    finished = (r["finished"][11:] if same_day else r["finished"]) or "—"
    commit = r["git_commit"]
    imported = r.get("source_tool") not in (None, "runner")
    tool = str(r.get("source_tool") or "runner")

    def given(value: object) -> str:  # a log need not state every parameter
        return "not logged" if value is None else str(value)

    return {
        "tool": tool,
        "tool_text": (f"{tool} {r['source_version']}"
                      + (f"; partial log: {r['source_note']}" if r.get("source_note") else "")
                      if imported else "this project's runner"),
        # the log file's hash (its path is in `python -m pipeline show RUN`: long, and the
        # hash is what identifies it) and the model as the log names it
        "log_text": f"sha256 {r['source_sha256']}…" if imported else "—",
        "logged_model": str(r.get("model_in_log") or "—") if imported else "—",
        "weights": str(r["model_file"] or r["model_revision"] or "—"),
        "sha256": str(r["sha256"] or ""),
        "engine_text": ("not logged" if imported
                        else f"{r['engine']} {r['engine_version']}"),
        "sampling": (f"T={given(r['temperature'])}, top_p={given(r['top_p'])}, "
                     f"seed {given(r['seed'])}, n={r['n_samples']}"),
        "max_tokens_text": given(r["max_tokens"]),
        "hardware_text": str(r["hardware"] or "—"),
        "commit": commit if isinstance(commit, str) and commit else "",
        "code": (f"{commit}{' (uncommitted changes)' if r['git_dirty'] else ''}"
                 if isinstance(commit, str) and commit else "—"),
        "run": f"{r['started']} → {finished} ({r['status']})",
    }
