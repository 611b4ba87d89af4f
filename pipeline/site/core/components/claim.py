"""Claims: a post asserts something in SQL; when the data stops supporting it, the build fails.

Two kinds, one block:

- a **check** (no `expect:`): the query returns one row with a boolean column `holds`; the
  other columns are the numbers behind it, printed with it and in the failure message.
- a **comparison** (`expect: higher | lower | different | no_difference`): the query returns
  one row per comparison with a column `test` (the TEST struct of `mcnemar_test`,
  `paired_test`, `f1_diff_test`: estimate B − A, interval, p, n, testable, reason, method)
  and optionally `label` (which comparison the row is) and `holds` (further conditions).
  Every comparison row of every claim of the page is one family: the page's p-values are
  adjusted together (Holm unless the page says otherwise), and a claim holds only on the
  adjusted p. A point estimate alone never makes a claim: "B is higher" needs B − A > 0
  *and* adjusted p < alpha. A comparison that cannot be tested (too few discordant pairs)
  fails the claim with the reason instead of printing a p-value; "no difference" holds on
  the raw p (stricter than the adjusted one) and prints the minimum detectable difference
  at that n (the query gives `base_rate`), so a reader sees what the data could not show.

Comparison claims are rendered after the whole page has been read (the family is only known
then): `prepare` evaluates a block in document order, `finalize` adjusts and renders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from pipeline import stats
from pipeline.site.core.components.base import DataOptions, RenderState, component, render_template
from pipeline.site.core.errors import RenderError
from pipeline.site.core.formatting import format_value
from pipeline.site.core.query import QueryScope

Expect = Literal["higher", "lower", "different", "no_difference"]
ALPHA = 0.05
_TEST_FIELDS = {"estimate", "low", "high", "p", "n", "testable", "reason", "method"}


class ClaimOptions(DataOptions):
    statement: str
    show: bool = True
    # a comparison: what the claim says about B − A (the test's estimate)
    expect: Expect | None = None


@dataclass
class ClaimRow:
    """One checked comparison (or the numbers of one check), formatted for a reader."""

    label: str
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    p: float | None = None
    p_adjusted: float | None = None
    n: int | None = None
    method: str = ""
    base_rate: float | None = None
    mde: float | None = None
    numbers: dict[str, str] = field(default_factory=dict)


@dataclass
class PendingClaim:
    """A claim block evaluated in document order, waiting for its page's family."""

    options: ClaimOptions
    line: int
    sql: str
    rows: list[ClaimRow]
    tests: list[dict[str, Any]]
    holds: list[bool | None]
    numbers: dict[str, str]


@dataclass
class ClaimRecord:
    """What the claims ledger lists about one claim of a page."""

    anchor: str
    statement: str
    kind: str  # "comparison" | "check"
    expect: str | None
    line: int
    rows: list[dict[str, Any]]
    adjustment: str
    family: int


@component("claim", ClaimOptions)
def claim(o: ClaimOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    """A claim rendered on its own (no page family): the family is this claim's rows."""
    pending = prepare(o, scope, line)
    html, _ = finalize([pending], "holm", state)[0]
    return html


def prepare(o: ClaimOptions, scope: QueryScope, line: int) -> PendingClaim:
    """Run the claim's query and check its shape; the verdict waits for the family."""
    df, sql = o.load(scope, line)
    if o.expect is None:
        return _prepare_check(o, df, sql, line)
    if "test" not in df.columns:
        raise RenderError(f"claim {o.statement!r}: a comparison (expect: {o.expect}) needs a "
                          "column 'test' holding a test result (mcnemar_test(...), "
                          "paired_test(...), f1_diff_test(...)); columns: "
                          f"{', '.join(map(str, df.columns))}", line, sql)
    if len(df) == 0:
        raise RenderError(f"claim cannot be checked: {o.statement!r}: the query returned no "
                          "rows", line, sql)
    if o.expect == "no_difference" and "base_rate" not in df.columns:
        raise RenderError(f"claim {o.statement!r}: a 'no difference' claim needs a column "
                          "'base_rate' (the rate of side A) so the page can show the smallest "
                          "difference this n could have detected", line, sql)
    rows, tests, holds = [], [], []
    for i, rec in enumerate(df.to_dict("records")):
        t = rec["test"]
        if not isinstance(t, dict) or not _TEST_FIELDS <= set(t):
            raise RenderError(f"claim {o.statement!r}: column 'test' must hold a test result "
                              f"struct ({', '.join(sorted(_TEST_FIELDS))}); got {t!r}",
                              line, sql)
        label = str(rec.get("label", "")) if not _null(rec.get("label")) else ""
        label = label or (f"row {i + 1}" if len(df) > 1 else "")
        base = None if _null(rec.get("base_rate")) else float(rec["base_rate"])
        rows.append(ClaimRow(label, _num(t["estimate"]), _num(t["low"]), _num(t["high"]),
                             _num(t["p"]), None, None if _null(t["n"]) else int(t["n"]),
                             str(t["method"] or ""), base))
        tests.append(t)
        holds.append(None if "holds" not in df.columns or _null(rec["holds"])
                     else bool(rec["holds"]))
    return PendingClaim(o, line, sql, rows, tests, holds, {})


def _prepare_check(o: ClaimOptions, df: pd.DataFrame, sql: str, line: int) -> PendingClaim:
    if "holds" not in df.columns:
        raise RenderError(f"claim {o.statement!r}: the query must return one row with a "
                          f"boolean column 'holds' (columns: {', '.join(map(str, df.columns))})",
                          line, sql)
    if len(df) == 0:  # nothing to check is not support: say so, distinctly from "false"
        raise RenderError(f"claim cannot be checked: {o.statement!r}: the query returned no "
                          "rows", line, sql)
    if len(df) != 1:
        raise RenderError(f"claim {o.statement!r}: the query must return exactly one row "
                          f"(got {len(df)} rows)", line, sql)
    row = df.iloc[0]
    if any(isinstance(v, dict) and _TEST_FIELDS <= set(v) for v in row.values):
        raise RenderError(f"claim {o.statement!r}: the query returns a test result; say what "
                          "it claims with 'expect: higher | lower | different | "
                          "no_difference' so the test is checked and adjusted with the page's "
                          "other comparisons", line, sql)
    numbers = {str(k): format_value(v) for k, v in row.items() if k != "holds"}
    shown = ", ".join(f"{k} = {'NULL' if _null(row[k]) else v}" for k, v in numbers.items())
    shown = shown or "no numbers returned"
    holds = row["holds"]
    if _null(holds):  # NULL (e.g. a comparison with a missing number) does not support it
        nulls = [str(k) for k, v in row.items() if _null(v)]
        raise RenderError(f"claim cannot be checked: {o.statement!r}: the query returned NULL "
                          f"for {', '.join(nulls)} ({shown})", line, sql)
    if not bool(holds):
        raise RenderError(f"claim no longer holds: {o.statement!r} ({shown})", line, sql)
    return PendingClaim(o, line, sql, [ClaimRow("", numbers=numbers)], [], [True], numbers)


def finalize(pending: list[PendingClaim], adjustment: str,
             state: RenderState) -> list[tuple[str, ClaimRecord]]:
    """Adjust the p-values of every testable comparison of the page together, decide each
    claim on the adjusted p, and render. Raises RenderError (at the claim's line) for a claim
    the data no longer supports or that cannot be tested."""
    family = [(i, j) for i, c in enumerate(pending) for j, t in enumerate(c.tests)
              if t["testable"] and not _null(t["p"])]
    adjusted = stats.adjust_p([float(pending[i].tests[j]["p"]) for i, j in family],
                              adjustment)
    for (i, j), p_adj in zip(family, adjusted, strict=True):
        pending[i].rows[j].p_adjusted = p_adj
    method = stats.ADJUSTMENT_NAMES.get(adjustment, adjustment)
    out = []
    for c in pending:
        if c.options.expect is not None:
            _decide(c, method, len(family))
        state.claims += 1
        anchor = f"claim-{state.claims}"
        record = ClaimRecord(anchor, c.options.statement,
                             "comparison" if c.options.expect else "check", c.options.expect,
                             c.line, [_row_view(r) for r in c.rows], method, len(family))
        state.claim_records.append(record)
        if not c.options.show:  # hidden, but the ledger links here
            out.append((f'<div class="llmx-claim-anchor" id="{anchor}"></div>', record))
            continue
        html = render_template("claim.html", anchor=anchor, statement=c.options.statement,
                               numbers=c.numbers, comparison=c.options.expect is not None,
                               expect=c.options.expect, rows=record.rows, adjustment=method,
                               family=len(family), alpha=format_value(ALPHA))
        out.append((html, record))
    return out


def _decide(c: PendingClaim, method: str, family: int) -> None:
    o = c.options
    for row, t, extra in zip(c.rows, c.tests, c.holds, strict=True):
        where = f" ({row.label})" if row.label else ""
        if not t["testable"]:
            raise RenderError(f"claim cannot be checked: {o.statement!r}{where}: not testable: "
                              f"{t['reason']}; say so in prose instead of claiming a "
                              "difference", c.line, c.sql)
        est, p, p_adj = row.estimate, row.p, row.p_adjusted
        nums = (f"B − A = {_pp(est)}, p = {format_value(p, 'p')}, {method} p = "
                f"{format_value(p_adj, 'p')} over {family} comparisons, n = {row.n}")
        if est is None or p is None or p_adj is None:
            raise RenderError(f"claim cannot be checked: {o.statement!r}{where}: the test "
                              f"returned NULL ({nums})", c.line, c.sql)
        if o.expect == "no_difference":
            ok = p >= ALPHA
            if row.base_rate is not None and row.n:
                row.mde = stats.min_detectable_difference(row.base_rate, row.n, ALPHA)
        else:
            direction = {"higher": est > 0, "lower": est < 0, "different": True}[o.expect or ""]
            ok = direction and p_adj < ALPHA
        if ok and extra is False:
            raise RenderError(f"claim no longer holds: {o.statement!r}{where}: its 'holds' "
                              f"column is false ({nums})", c.line, c.sql)
        if not ok:
            why = ("the difference is significant" if o.expect == "no_difference" else
                   f"{method}-adjusted p is not below {ALPHA:g}" if p_adj >= ALPHA else
                   "the difference points the other way")
            raise RenderError(f"claim no longer holds: {o.statement!r}{where}: {why} ({nums})",
                              c.line, c.sql)


def _row_view(r: ClaimRow) -> dict[str, Any]:
    """The row as text, every key present (a check has only `numbers`)."""
    if r.numbers or r.n is None and r.p is None and r.estimate is None:
        return {"label": r.label, "numbers": r.numbers, "estimate": "—", "ci": "—",
                "p": "—", "p_adjusted": "—", "n": "—", "method": "", "mde": None,
                "p_raw": None, "p_adj_raw": None}
    return {"label": r.label, "numbers": {}, "estimate": _pp(r.estimate),
            "ci": (f"{_pp(r.low)} to {_pp(r.high)}" if r.low is not None
                   and r.high is not None else "—"),
            "p": format_value(r.p, "p"), "p_adjusted": format_value(r.p_adjusted, "p"),
            "n": "—" if r.n is None else f"{r.n:,}", "method": r.method,
            "mde": None if r.mde is None or math.isnan(r.mde) else _pp(r.mde).lstrip("+"),
            "p_raw": r.p, "p_adj_raw": r.p_adjusted}


def _pp(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v * 100:+.1f} pp"


def _num(v: Any) -> float | None:
    return None if _null(v) else float(v)


def _null(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))
