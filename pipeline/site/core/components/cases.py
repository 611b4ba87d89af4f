"""The cases page: every case of an experiment with its input, expected answer and every
model's output, its verdict on each of the experiment's outcomes and its failure mode, one page
of cases at a time.

The outcomes are the scorer's declared ones (`pipeline.site.core.outcomes`), primary first, one
column each, headed by the label posts use too; the page says which field each is read from
and which one the stored `passed` holds. The generated cases pages write them into the
block (`outcomes:`, `passed:`), so a changed label renders the page again; a block without
them asks the experiment's scorer."""

from __future__ import annotations

import json

from pydantic import Field

from pipeline.config.base import StrictModel
from pipeline.site.core.components.base import Options, RenderState, component, render_template
from pipeline.site.core.errors import RenderError
from pipeline.site.core.outcomes import PASSED, Outcome, Outcomes, experiment_outcomes, verdicts
from pipeline.site.core.query import QueryScope
from pipeline.site.core.store_queries import case_count, case_outputs, case_page, latest_version


class OutcomeOption(StrictModel):
    field: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                       description="`passed` or a 0/1 metric in `scores`")
    label: str = Field(min_length=1, description="what the page calls it")


class CasesOptions(Options):
    experiment: str
    version: int | None = None
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=25, ge=1, le=500)
    outcomes: list[OutcomeOption] | None = Field(
        default=None, min_length=1, description="the outcomes to show, primary first; "
        "default: the ones the experiment's scorer declares")
    passed: str | None = Field(default=None, description="the field of the outcome the "
                               "stored `passed` holds (default: the scorer's, else the first)")


def _outcomes(o: CasesOptions, scope: QueryScope, version: int) -> Outcomes:
    if o.outcomes is None:
        return experiment_outcomes(scope.con, o.experiment, version)
    shown = tuple(Outcome(x.field, x.label) for x in o.outcomes)
    return Outcomes(shown, o.passed or shown[0].field)


def _scores(value: object) -> list[dict]:
    """The scores column of one output: a list of {metric, value}, or NULL (pandas NA)."""
    return list(value) if isinstance(value, (list, tuple)) or hasattr(value, "tolist") else []


def _pretty(text: str | None) -> str:
    if text is None:
        return "null"
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


TURN_CHARS = 1500  # a transcript turn shows this much; the whole turn is one link away

_ROLES = {"system": "System", "user": "User", "assistant": "Model", "tools": "Tools",
          "sandbox": "Sandbox"}


def _turns(transcript: str | None, state: RenderState) -> list[dict[str, object]]:
    """Every turn of a stored transcript, for display: each message as text, a generated
    turn's tool calls as JSON under it. A transcript that is not a list of objects (another
    machine's database) shows as one text block instead of failing the page."""
    if transcript is None or (isinstance(transcript, float)):  # NULL comes back as NaN
        return []
    try:
        turns = json.loads(transcript)
    except ValueError:
        turns = None
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        return [{"role": "Transcript", "generated": False, "shown": state.shown(transcript)}]
    out: list[dict[str, object]] = []
    for t in turns:
        text = t.get("content")
        text = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
        calls = t.get("tool_calls")
        if calls:
            text += "\n\n[tool calls]\n" + json.dumps(calls, indent=2, ensure_ascii=False)
        if t.get("error"):
            text += f"\n\n[error] {t['error']}"
        role = t.get("role")
        out.append({"role": _ROLES.get(role, str(role)) if isinstance(role, str) else "?",
                    "generated": bool(t.get("generated")),
                    "shown": state.shown(text, limit=TURN_CHARS)})
    return out


@component("cases", CasesOptions)
def cases(o: CasesOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    version = o.version or latest_version(scope.con, o.experiment)
    if version is None:
        raise RenderError(f"cases: no experiment {o.experiment!r} in the database", line)
    total = case_count(scope.con, o.experiment, version)
    pages = max(1, -(-total // o.per_page))
    if o.page > pages:
        raise RenderError(f"cases: page {o.page} of {pages}", line)
    outcomes = _outcomes(o, scope, version)
    if outcomes.passed not in [x.field for x in outcomes.shown]:
        raise RenderError(f"cases: passed={outcomes.passed!r} is not one of the outcomes "
                          f"shown ({', '.join(x.field for x in outcomes.shown)})", line)
    rows = case_page(scope.con, o.experiment, version, o.page, o.per_page)
    outputs = case_outputs(scope.con, o.experiment, version, rows["case_id"].tolist(),
                           outcomes.metrics)
    by_case: dict[str, list[dict]] = {}
    for rec in outputs.to_dict("records"):
        rec["shown"] = state.shown(rec["error"] if rec["error"] else rec["raw_output"])
        rec["turns"] = _turns(rec.pop("transcript"), state)
        tool = rec.pop("source_tool")
        metric = rec.pop("primary_metric")
        by = None if tool == "runner" else (f"{tool}'s verdict" + (
            f" ({metric})" if isinstance(metric, str) and metric else ""))
        rec["verdicts"] = verdicts(outcomes, rec["passed"], rec["error"], rec["failure_mode"],
                                   _scores(rec.pop("scores")), imported=by)
        by_case.setdefault(rec["case_id"], []).append(rec)
    items = [{"id": r["case_id"], "n": int(r["position"]) + 1,
              "tags": list(r["tags"] if r["tags"] is not None else []),
              "input": state.shown(_pretty(r["input"])),
              "expected": state.shown(_pretty(r["expected"])),
              "outputs": by_case.get(r["case_id"], [])} for r in rows.to_dict("records")]
    return render_template("cases.html", items=items, page=o.page, pages=pages, total=total,
                           experiment=o.experiment, version=version,
                           outcomes=outcomes.shown, passed=outcomes.passed, PASSED=PASSED)
