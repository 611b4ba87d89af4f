"""Statistical tests as SQL functions, so a post's p-values are queried like its rates.

An author writes the test where the data is::

    SELECT model_id, (cochran_q(list({'block': qid, 'treatment': position::VARCHAR,
                                      'outcome': passed}))).p AS p
    FROM ... GROUP BY model_id

and an inline value prints it: the number is computed by statsmodels at build time, never
typed. Registered on every connection a page's queries run on (idempotent).
"""

from __future__ import annotations

from typing import Any

import duckdb

from pipeline import stats

_OBS = duckdb.struct_type({"block": "VARCHAR", "treatment": "VARCHAR", "outcome": "BOOLEAN"})
_COCHRAN = duckdb.struct_type({"q": "DOUBLE", "df": "INTEGER", "p": "DOUBLE",
                               "blocks": "INTEGER"})


def _cochran(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or [] if o is not None and o["outcome"] is not None]
    if not rows:
        return None
    q, df, p, n = stats.cochrans_q([str(o["block"]) for o in rows],
                                   [str(o["treatment"]) for o in rows],
                                   [bool(o["outcome"]) for o in rows])
    nan = q != q
    return {"q": None if nan else q, "df": df, "p": None if nan else p, "blocks": n}


def _mcnemar(a_only: int | None, b_only: int | None) -> float | None:
    if a_only is None or b_only is None:
        return None
    return stats.mcnemar_exact(int(a_only), int(b_only))


_SUITE_OBS = duckdb.struct_type({"suite": "VARCHAR", "value": "DOUBLE"})
_SUITE_SCORE = duckdb.struct_type({"score": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE",
                                   "suites": "INTEGER", "cases": "INTEGER"})
_PAIR_OBS = duckdb.struct_type({"suite": "VARCHAR", "a": "DOUBLE", "b": "DOUBLE"})
_PAIR_DIFF = duckdb.struct_type({"diff": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE",
                                 "p": "DOUBLE", "cases": "INTEGER"})


def _nan_none(v: float) -> float | None:
    return None if v != v else v


def _suite_score(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or [] if o is not None and o["value"] is not None]
    if not rows:
        return None
    est, lo, hi = stats.stratified_bootstrap_mean([str(o["suite"]) for o in rows],
                                                  [float(o["value"]) for o in rows])
    return {"score": _nan_none(est), "low": _nan_none(lo), "high": _nan_none(hi),
            "suites": len({o["suite"] for o in rows}), "cases": len(rows)}


def _paired_diff(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or []
            if o is not None and o["a"] is not None and o["b"] is not None]
    if not rows:
        return None
    est, lo, hi, p = stats.paired_stratified_bootstrap(
        [str(o["suite"]) for o in rows], [float(o["a"]) for o in rows],
        [float(o["b"]) for o in rows])
    return {"diff": _nan_none(est), "low": _nan_none(lo), "high": _nan_none(hi),
            "p": _nan_none(p), "cases": len(rows)}



def _power(p_a: float | None, p_b: float | None, n: int | None) -> float | None:
    if p_a is None or p_b is None or n is None:
        return None
    return _nan_none(stats.power_two_proportions(float(p_a), float(p_b), int(n)))


_LABELS = duckdb.struct_type({"gold": "VARCHAR", "pred": "VARCHAR"})


def _macro_f1(pairs: list[dict[str, Any]] | None) -> float | None:
    rows = [p for p in pairs or [] if p is not None and p["gold"] is not None]
    if not rows:
        return None
    from pipeline.scoring.classification import macro_f1

    gold = [str(p["gold"]) for p in rows]
    return macro_f1(gold, [p["pred"] for p in rows], sorted(set(gold)))


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Add, unless this connection has them already:

    - `cochran_q(LIST(STRUCT(block, treatment, outcome)))` → STRUCT(q, df, p, blocks);
    - `mcnemar_p(a_only, b_only)` → exact p;
    - `suite_score(LIST(STRUCT(suite, value)))` → STRUCT(score, low, high, suites, cases):
      the mean of per-suite means, with a stratified bootstrap 95% CI over cases;
    - `paired_suite_diff(LIST(STRUCT(suite, a, b)))` → STRUCT(diff, low, high, p, cases):
      two models' overall scores on the same cases, paired bootstrap CI and p;
    - `power_two_prop(p_a, p_b, n)` → the power to tell rates p_a and p_b apart with n cases;
    - `macro_f1(LIST(STRUCT(gold, pred)))` → macro-averaged F1 over the gold labels
      (scikit-learn; a NULL prediction counts as a miss).
    """
    have = {r[0] for r in con.execute(
        "SELECT function_name FROM duckdb_functions() WHERE function_name IN ('cochran_q', "
        "'mcnemar_p', 'suite_score', 'paired_suite_diff', 'power_two_prop', 'macro_f1')"
        ).fetchall()}
    if "cochran_q" not in have:
        con.create_function("cochran_q", _cochran, [duckdb.list_type(_OBS)], _COCHRAN,
                            null_handling="special", side_effects=False)
    if "mcnemar_p" not in have:
        con.create_function("mcnemar_p", _mcnemar, ["BIGINT", "BIGINT"], "DOUBLE",
                            null_handling="special", side_effects=False)
    if "suite_score" not in have:
        con.create_function("suite_score", _suite_score, [duckdb.list_type(_SUITE_OBS)],
                            _SUITE_SCORE, null_handling="special", side_effects=False)
    if "macro_f1" not in have:
        con.create_function("macro_f1", _macro_f1, [duckdb.list_type(_LABELS)], "DOUBLE",
                            null_handling="special", side_effects=False)
    if "power_two_prop" not in have:
        con.create_function("power_two_prop", _power, ["DOUBLE", "DOUBLE", "BIGINT"], "DOUBLE",
                            null_handling="special", side_effects=False)
    if "paired_suite_diff" not in have:
        con.create_function("paired_suite_diff", _paired_diff, [duckdb.list_type(_PAIR_OBS)],
                            _PAIR_DIFF, null_handling="special", side_effects=False)
