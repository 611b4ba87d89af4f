"""Which outcomes a page shows for an experiment, under which names: its scorer's declared
yes/no verdicts (`pipeline.scoring.base.Outcome`), primary first.

One definition per outcome: a post's query, the experiment page, the model page and the cases
page all read an outcome from the field its scorer declares (the `correct` metric in
`scores`, say, or the results' `passed` column) and call it by the scorer's label. Where an
experiment has several outcomes (multi-turn: "final answer correct", the one posts count, and
"every turn correct", the one `passed` holds), the cases and experiment pages show the
primary one with the others beside it, each named; the model page shows the primary one,
named.

An experiment scored by a scorer this code does not know (another machine's database) has
one outcome: the `passed` column, called "passed".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.scoring.base import PASSED, Outcome
from pipeline.site.core.store_queries import experiment_scorer, outcome_sql

if TYPE_CHECKING:
    import duckdb

__all__ = ["PASSED", "UNKNOWN", "Outcome", "Outcomes", "experiment_outcomes", "outcome_sql",
           "outcomes_of", "verdicts"]


@dataclass(frozen=True)
class Outcomes:
    """An experiment's outcomes, primary first, and the field of the one `passed` holds."""

    shown: tuple[Outcome, ...]
    passed: str = PASSED

    @property
    def primary(self) -> Outcome:
        return self.shown[0]

    @property
    def metrics(self) -> list[str]:
        """The outcome fields stored in `scores` (every field but `passed`)."""
        return [o.field for o in self.shown if o.field != PASSED]


UNKNOWN = Outcomes((Outcome(PASSED, "passed"),), PASSED)


def outcomes_of(scorer_name: str | None) -> Outcomes:
    """The outcomes the scorer registered as *scorer_name* declares (UNKNOWN for a name no
    scorer of this code has)."""
    from pipeline.scoring import scorers  # registers the built-in scorers

    if not scorer_name or scorer_name not in scorers:
        return UNKNOWN
    s = scorers.get(scorer_name)
    return Outcomes(tuple(s.outcomes), s.passed_outcome.field)


def experiment_outcomes(con: duckdb.DuckDBPyConnection, experiment: str,
                        version: int) -> Outcomes:
    """The outcomes of the experiment version, from the scorer it was stored with."""
    return outcomes_of(experiment_scorer(con, experiment, version))


def verdicts(outcomes: Outcomes, passed: bool, error: object,
             failure_mode: str | None, scores: Sequence[dict] | None,
             imported: str | None = None) -> list[dict[str, object]]:
    """One output's verdict on each outcome, for display: label, field, value (True, False,
    or None when a scored output has no value for it), note: the failure mode, on the
    first outcome that failed (the scorer's reason it did), and by: who judged it when it was
    not our scorer. An output of a run imported from another harness (*imported*: "inspect's
    match", say) has that tool's verdict, `passed`, on every outcome, as `outcome_sql`
    counts it."""
    values = {d["metric"]: d["value"] for d in scores or ()}
    mode = failure_mode if isinstance(failure_mode, str) else None  # NULL may come back NaN
    errored = (isinstance(error, str) and bool(error)) or mode == "error"
    out: list[dict[str, object]] = []
    noted = False
    for o in outcomes.shown:
        if imported is not None:
            value: bool | None = bool(passed)
            note = None
            if not value and not noted:
                note, noted = mode, True
            out.append({"label": o.label, "field": o.field, "value": value, "note": note,
                        "by": imported})
            continue
        if o.field == PASSED:
            value = bool(passed)
        elif o.field in values:
            value = values[o.field] == 1
        else:  # no row: an engine error counts as no, as the posts count it
            value = False if errored else None
        note = None
        if value is False and not noted:
            note, noted = mode, True
        out.append({"label": o.label, "field": o.field, "value": value, "note": note,
                    "by": None})
    return out
